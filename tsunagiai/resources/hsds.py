"""Our directory as HSDS 3.0 objects (the API, the export) — the Tsunagiai profile of HSDS.

Mapping (documented in docs/resources.md):

- Provider → organization (``alternate_name``: the kana reading); Service → service;
  Location → location with one ``physical`` address: prefecture → ``state_province``,
  municipality → ``city``, ``address_line`` → ``address_1``, country ``JP``;
  ServiceAtLocation → service_at_location; ServiceArea → service_area (the area's name;
  its code in ``extent`` with ``extent_type`` ``tsunagiai_area_code``); Schedule → schedule
  (RFC 5545 ``freq``/``byday``; times with the +09:00 offset).
- Our vocabularies are HSDS taxonomies: kinds of service, target groups and the issue
  categories a service helps with. A service's terms are ``attributes`` (``link_type`` names
  the taxonomy) with the term embedded.
- What HSDS 3.0 has no field for (provider kind, capacity, places free, free of charge,
  transport offered, staff only, the town block) are ``attributes`` without a term:
  ``link_type`` ``tsunagiai:<name>`` and a text ``value``.

Every id is a UUID: our rows' ``hsds_id``; derived objects (addresses, contacts, phones,
attributes, languages, terms) get a UUID5 from their owner's id, stable across exports.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db.models import Prefetch, QuerySet

from tsunagiai.reference.models import Area, IssueCategory, ResourceServiceType, TargetGroup, Term
from tsunagiai.resources.hsds_schema import age_problem, byday_problem, started_on_problem
from tsunagiai.resources.languages import language_codes
from tsunagiai.resources.models import Location, Provider, Schedule, Service, ServiceArea, ServiceAtLocation

NAMESPACE = uuid.UUID("6f1c2a4e-3b7d-5e8f-9a0b-1c2d3e4f5a6b")
PROFILE = "https://tsunagiai.example/hsds/profile/ja-community-resources"
EXTRA = "tsunagiai:"
JST = "+09:00"
AREA_EXTENT_TYPE = "tsunagiai_area_code"


class Vocabulary:
    def __init__(self, key: str, model: type[Term], name: str, description: str, link_type: str) -> None:
        self.key = key
        self.model = model
        self.name = name
        self.description = description
        self.link_type = link_type
        self.id = str(uuid.uuid5(NAMESPACE, f"taxonomy:{key}"))
        self._term_ids: dict[str, str] = {}

    def term_id(self, code: str) -> str:
        # Derived from the code alone, so it is the same in every process: computed once.
        found = self._term_ids.get(code)
        if found is None:
            found = self._term_ids[code] = _uuid5(NAMESPACE, f"term:{self.key}:{code}")
        return found

    def taxonomy(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "uri": f"{PROFILE}/taxonomies/{self.key}",
            "version": "1",
        }

    def term(self, term: Term, *, with_taxonomy: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.term_id(term.code),
            "code": term.code,
            "name": term.label,
            "description": term.description or term.label,
            "taxonomy": self.name,
            "taxonomy_id": self.id,
            "language": "ja",
        }
        if with_taxonomy:
            data["taxonomy_detail"] = self.taxonomy()
        return data


VOCABULARIES = (
    Vocabulary(
        "service_types", ResourceServiceType, "tsunagiai-resource-service-types", "地域資源の種類", "service_type"
    ),
    Vocabulary("target_groups", TargetGroup, "tsunagiai-target-groups", "地域資源の対象", "target_group"),
    Vocabulary("issue_categories", IssueCategory, "tsunagiai-issue-categories", "地域資源が役立つ課題", "helps_with"),
)
VOCABULARY_BY_ID = {v.id: v for v in VOCABULARIES}
VOCABULARY_BY_LINK = {v.link_type: v for v in VOCABULARIES}
SERVICE_RELATION = {
    "service_types": "service_types",
    "target_groups": "target_groups",
    "issue_categories": "categories",
}


def vocabulary_of(relation: str) -> Vocabulary:
    return next(v for v in VOCABULARIES if SERVICE_RELATION[v.key] == relation)


def all_terms() -> list[tuple[Vocabulary, Term]]:
    """Every active term of the published taxonomies, in order (3 queries)."""
    found: list[tuple[Vocabulary, Term]] = []
    for vocabulary in VOCABULARIES:
        found += [
            (vocabulary, t)
            for t in vocabulary.model._default_manager.filter(active=True).order_by("sort_order", "code")
        ]
    return found


def _uuid5(namespace: uuid.UUID, name: str) -> str:
    """``str(uuid.uuid5(namespace, name))`` without building UUID objects (thousands per API page)."""
    digest = bytearray(hashlib.sha1(namespace.bytes + name.encode(), usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _derived(owner: Any, what: str) -> str:
    return _uuid5(owner if isinstance(owner, uuid.UUID) else uuid.UUID(str(owner)), what)


def _time(value: dt.time | None) -> str | None:
    return f"{value:%H:%M}{JST}" if value else None


def _stamp(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _extra(owner_id: Any, link_entity: str, name: str, value: Any) -> dict[str, Any]:
    return {
        "id": _derived(owner_id, f"attribute:{name}"),
        "link_id": str(owner_id),
        "link_type": f"{EXTRA}{name}",
        "link_entity": link_entity,
        "value": str(value),
    }


def _closes_too_early(schedule: Schedule) -> bool:
    return bool(schedule.opens_at and schedule.closes_at and schedule.closes_at <= schedule.opens_at)


def _publishable_ages(service: Service) -> tuple[int | None, int | None]:
    """The ages as published: each 0–120, the minimum not above the maximum; otherwise withheld (None)."""
    low = None if age_problem(service.minimum_age) else service.minimum_age
    high = None if age_problem(service.maximum_age) else service.maximum_age
    if low is not None and high is not None and low > high:
        return None, None
    return low, high


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Leave out empty optional values (HSDS types them; ``None`` would not validate)."""
    return {k: v for k, v in data.items() if v is not None and v != ""}


# --- querysets with everything an HSDS object needs (a fixed number of queries) ----------------


def service_queryset(services: QuerySet[Service]) -> QuerySet[Service]:
    return services.select_related("provider").prefetch_related(
        "service_types",
        "target_groups",
        "categories",
        "schedules",
        Prefetch("service_areas", queryset=ServiceArea.objects.select_related("area").order_by("area__code")),
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.select_related("location__town_block").order_by("location__name"),
        ),
    )


@dataclass
class ServiceParts:
    """What a full service object nests: the rows of ``service_queryset``'s prefetches, or the same columns
    read as plain values for a whole page at once (``service_parts``: no model rows, issue 14)."""

    schedules: list[Any] = field(default_factory=list)
    service_areas: list[Any] = field(default_factory=list)
    service_at_locations: list[Any] = field(default_factory=list)
    terms: dict[str, list[Any]] = field(default_factory=lambda: {r: [] for r in SERVICE_RELATION.values()})

    @classmethod
    def prefetched(cls, service: Service) -> ServiceParts:
        return cls(
            schedules=list(service.schedules.all()),
            service_areas=list(service.service_areas.all()),
            service_at_locations=list(service.service_at_locations.all()),
            terms={relation: list(getattr(service, relation).all()) for relation in SERVICE_RELATION.values()},
        )


def service_parts(service_ids: Sequence[int]) -> dict[int, ServiceParts]:
    """The parts of these services, in the order and with the values ``service_queryset`` gives (6 queries)."""
    parts = {pk: ServiceParts() for pk in service_ids}
    if not parts:
        return parts
    ids = list(parts)
    names = ("hsds_id", "freq", "byday", "opens_at", "closes_at", "description")
    for service_id, *values in Schedule.objects.filter(service_id__in=ids).values_list("service_id", *names):
        parts[service_id].schedules.append(SimpleNamespace(**dict(zip(names, values, strict=True))))
    areas = (
        ServiceArea.objects.filter(service_id__in=ids)
        .order_by("area__code")
        .values_list("service_id", "hsds_id", "area__name", "area__level", "area__code")
    )
    for service_id, hsds_id, name, level, code in areas:
        area = SimpleNamespace(name=name, level=level, code=code)
        parts[service_id].service_areas.append(SimpleNamespace(hsds_id=hsds_id, area=area))
    sals = (
        ServiceAtLocation.objects.filter(service_id__in=ids)
        .order_by("location__name")
        .values_list("service_id", "hsds_id", "description", "location__hsds_id")
    )
    for service_id, hsds_id, description, location_id in sals:
        location = SimpleNamespace(hsds_id=location_id)
        parts[service_id].service_at_locations.append(
            SimpleNamespace(hsds_id=hsds_id, description=description, location=location)
        )
    for vocabulary in VOCABULARIES:
        relation = SERVICE_RELATION[vocabulary.key]
        model: Any = vocabulary.model  # typed as the abstract Term, which has no ``services`` (the concrete ones do)
        terms = model._default_manager.filter(services__in=ids).values_list("services", "code", "label", "description")
        for service_id, code, label, description in terms:
            parts[service_id].terms[relation].append(SimpleNamespace(code=code, label=label, description=description))
    return parts


def service_objs(
    services: Sequence[Service], *, with_organization: bool = False, include_internal_flag: bool = False
) -> list[dict[str, Any]]:
    """``service_obj`` (full) of each service, their parts read in 6 queries of plain values."""
    parts = service_parts([s.pk for s in services])
    return [
        service_obj(
            s, parts=parts[s.pk], with_organization=with_organization, include_internal_flag=include_internal_flag
        )
        for s in services
    ]


# --- objects -------------------------------------------------------------------------------------


def organization_obj(provider: Provider, *, locations: Iterable[Location] = ()) -> dict[str, Any]:
    data = _clean(
        {
            "id": str(provider.hsds_id),
            "name": provider.name,
            "alternate_name": provider.kana,
            "description": provider.description or provider.name,
            "email": provider.email,
            "website": provider.website,
        }
    )
    data["description"] = data.get("description", provider.name)
    if provider.phone:
        data["phones"] = [
            {
                "id": _derived(provider.hsds_id, "phone"),
                "organization_id": str(provider.hsds_id),
                "number": provider.phone,
            }
        ]
    extras = [_extra(provider.hsds_id, "organization", "provider_kind", provider.kind)]
    if provider.agency_type_id:
        extras.append(_extra(provider.hsds_id, "organization", "agency_type", provider.agency_type_id))
    if not provider.active:
        extras.append(_extra(provider.hsds_id, "organization", "active", "false"))
    data["attributes"] = extras
    locations = list(locations)
    if locations:
        data["locations"] = [location_obj(loc) for loc in locations]
    return data


def address_obj(location: Location) -> dict[str, Any]:
    return {
        "id": _derived(location.hsds_id, "address"),
        "location_id": str(location.hsds_id),
        "address_1": location.address_line,
        "city": location.municipality,
        "state_province": location.prefecture,
        "postal_code": location.postal_code,
        "country": "JP",
        "address_type": "physical",
    }


def location_obj(location: Location) -> dict[str, Any]:
    data = _clean(
        {
            "id": str(location.hsds_id),
            "location_type": "physical",
            "organization_id": str(location.provider.hsds_id) if location.provider_id else None,
            "name": location.name,
            "description": location.description,
            "transportation": location.transportation,
            "latitude": float(location.latitude) if location.latitude is not None else None,
            "longitude": float(location.longitude) if location.longitude is not None else None,
        }
    )
    if location.address_line or location.municipality or location.prefecture or location.postal_code:
        data["addresses"] = [address_obj(location)]
    if location.accessibility:
        data["accessibility"] = [
            {
                "id": _derived(location.hsds_id, "accessibility"),
                "location_id": str(location.hsds_id),
                "description": location.accessibility,
            }
        ]
    if location.town_block is not None:
        data["attributes"] = [_extra(location.hsds_id, "location", "town_block", location.town_block.code)]
    return data


def schedule_obj(schedule: Schedule, service: Service) -> dict[str, Any]:
    return _clean(
        {
            "id": str(schedule.hsds_id),
            "service_id": str(service.hsds_id),
            "freq": schedule.freq,
            "interval": 1,
            # A value stored before the rules were enforced is withheld, never republished (hsds_io.withheld_values).
            "byday": None if byday_problem(schedule.freq, schedule.byday) else schedule.byday,
            "opens_at": _time(schedule.opens_at),
            "closes_at": None if _closes_too_early(schedule) else _time(schedule.closes_at),
            "description": schedule.description or schedule_text(schedule),
        }
    )


_AREA_LEVELS = dict(Area.Level.choices)


def service_area_obj(service_area: ServiceArea, service: Service) -> dict[str, Any]:
    area = service_area.area
    return {
        "id": str(service_area.hsds_id),
        "service_id": str(service.hsds_id),
        "name": area.name,
        "description": str(_AREA_LEVELS.get(area.level, area.level)),  # as Area.get_level_display()
        "extent": area.code,
        "extent_type": AREA_EXTENT_TYPE,
    }


def service_at_location_obj(sal: ServiceAtLocation, service: Service, *, with_location: bool) -> dict[str, Any]:
    data = _clean(
        {
            "id": str(sal.hsds_id),
            "service_id": str(service.hsds_id),
            "location_id": str(sal.location.hsds_id),
            "description": sal.description,
        }
    )
    if with_location:
        data["location"] = location_obj(sal.location)
    return data


def term_attributes(service: Service, parts: ServiceParts | None = None) -> list[dict[str, Any]]:
    terms = (parts or ServiceParts.prefetched(service)).terms
    attributes = []
    sid = str(service.hsds_id)
    for vocabulary in VOCABULARIES:
        relation = SERVICE_RELATION[vocabulary.key]
        for term in terms[relation]:
            term_id = vocabulary.term_id(term.code)
            attributes.append(
                {
                    "id": _derived(service.hsds_id, f"term:{term_id}"),
                    "link_id": sid,
                    "link_type": vocabulary.link_type,
                    "link_entity": "service",
                    "taxonomy_term_id": term_id,
                    "taxonomy_term": vocabulary.term(term),
                }
            )
    return attributes


def service_obj(
    service: Service,
    *,
    full: bool = True,
    with_organization: bool = False,
    include_internal_flag: bool = False,
    parts: ServiceParts | None = None,
) -> dict[str, Any]:
    """One service; ``full`` adds its schedules, areas, locations, contacts and terms (from ``parts``,
    else from the prefetches of ``service_queryset``)."""
    sid = service.hsds_id
    low, high = _publishable_ages(service)
    data = _clean(
        {
            "id": str(sid),
            "organization_id": str(service.provider.hsds_id),
            "name": service.name,
            "description": service.description,
            "status": service.status,
            "email": service.contact_email,
            "application_process": service.application_process,
            "fees_description": service.fees_description,
            "eligibility_description": service.eligibility,
            "minimum_age": low,
            "maximum_age": high,
            "last_modified": _stamp(service.updated_at),
        }
    )
    if not full:
        return data
    if parts is None:
        parts = ServiceParts.prefetched(service)
    data["schedules"] = [schedule_obj(s, service) for s in parts.schedules]
    data["service_areas"] = [service_area_obj(a, service) for a in parts.service_areas]
    data["service_at_locations"] = [
        service_at_location_obj(sal, service, with_location=False) for sal in parts.service_at_locations
    ]
    languages = language_codes(service.languages)
    data["languages"] = [
        {"id": _derived(sid, f"language:{code}"), "service_id": str(sid), "code": code} for code in languages
    ]
    if service.contact_name or service.contact_phone or service.contact_email:
        contact = _clean(
            {
                "id": _derived(sid, "contact"),
                "service_id": str(sid),
                "name": service.contact_name,
                "email": service.contact_email,
            }
        )
        if service.contact_phone:
            contact["phones"] = [{"id": _derived(sid, "contact-phone"), "number": service.contact_phone}]
        data["contacts"] = [contact]
    extras = []
    if service.capacity is not None:
        extras.append(_extra(sid, "service", "capacity", service.capacity))
    if service.places_free is not None:
        extras.append(_extra(sid, "service", "places_free", service.places_free))
    if service.is_free:
        extras.append(_extra(sid, "service", "free_of_charge", "true"))
    if service.offers_transport:
        extras.append(_extra(sid, "service", "offers_transport", "true"))
    if service.started_on and not started_on_problem(service.started_on.isoformat()):  # else withheld
        extras.append(_extra(sid, "service", "started_on", service.started_on.isoformat()))
    if include_internal_flag and service.is_internal:
        extras.append(_extra(sid, "service", "staff_only", "true"))
    data["attributes"] = term_attributes(service, parts) + extras
    if with_organization:
        data["organization"] = organization_obj(service.provider)
    return data


# --- schedules in Japanese -----------------------------------------------------------------------

DAY_NAMES = {"MO": "月", "TU": "火", "WE": "水", "TH": "木", "FR": "金", "SA": "土", "SU": "日"}


def schedule_text(schedule: Schedule) -> str:
    """毎週月・水 10:00〜12:00, 第1土曜 13:30〜15:00, 最終金曜."""
    days = [d.strip() for d in schedule.byday.split(",") if d.strip()]
    if schedule.freq == Schedule.Frequency.MONTHLY:
        parts = []
        for day in days:
            number, name = day[:-2], DAY_NAMES.get(day[-2:], day[-2:])
            if number in {"-1"}:
                parts.append(f"最終{name}曜")
            elif number.lstrip("+").isdigit():
                parts.append(f"第{number.lstrip('+')}{name}曜")
            else:
                parts.append(f"毎月{name}曜")
        when = "・".join(parts) if parts else "毎月"
    else:
        names = [DAY_NAMES.get(d[-2:], d) for d in days]
        when = f"毎週{'・'.join(names)}" if names else "毎週"
    if schedule.opens_at and schedule.closes_at:
        return f"{when} {schedule.opens_at:%H:%M}〜{schedule.closes_at:%H:%M}"
    if schedule.opens_at:
        return f"{when} {schedule.opens_at:%H:%M}〜"
    return when
