"""HSDS 3.0 JSON import and export of the directory (``manage.py hsds_export`` / ``hsds_import``).

The document (docs/resources.md)::

    {"hsds_version": "3.0", "profile": "...", "generated_at": "...",
     "taxonomies": [taxonomy, ...], "taxonomy_terms": [taxonomy_term, ...],
     "organizations": [organization + {"locations": [location, ...],
                                        "services": [service (schedules, service_areas,
                                                     service_at_locations, attributes ...)]}]}

The importer also reads one organization (``organization_full.json``), one service
(``service_full.json``, with its ``organization``), a list of organizations, or an HSDS
page (``contents``). The whole file is validated first against the official schemas (and
our own rules: UUID ids, lengths, RFC 5545 days, times from 00:00 to 24:00, ages from 0 to
120 with the minimum not above the maximum, no NUL or other control characters, at most
``MAX_DEPTH`` levels of nesting); an invalid file is refused with the JSON path and the
rule at fault and nothing changes. Then everything is applied in one transaction, upserting
by HSDS id; a second import of the same file changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from tsunagiai.audit.actions import record_audit_event
from tsunagiai.reference.models import AgencyType, Area, TownBlock
from tsunagiai.resources import hsds
from tsunagiai.resources.hsds_schema import (
    HSDS_VERSION,
    age_problem,
    age_problems,
    byday_problem,
    errors_of,
    parse_time,
    schedule_problems,
    started_on_problem,
    started_on_problems,
)
from tsunagiai.resources.models import Location, Provider, Schedule, Service, ServiceArea, ServiceAtLocation

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

# --- export --------------------------------------------------------------------------------------


def export_document() -> dict[str, Any]:
    """Every provider with its locations and services (staff-only ones included, marked), and the taxonomies."""
    services: dict[int, list[Service]] = {}
    for service in hsds.service_queryset(Service.objects.all()).order_by("name", "id"):
        services.setdefault(service.provider_id, []).append(service)
    locations: dict[int, list[Location]] = {}
    for location in Location.objects.select_related("provider", "town_block").order_by("name", "id"):
        locations.setdefault(location.provider_id, []).append(location)
    organizations = []
    for provider in Provider.objects.select_related("agency_type").order_by("kana", "name", "id"):
        data = hsds.organization_obj(provider, locations=locations.get(provider.pk, []))
        data["services"] = [hsds.service_obj(s, include_internal_flag=True) for s in services.get(provider.pk, [])]
        organizations.append(data)
    return {
        "hsds_version": HSDS_VERSION,
        "profile": hsds.PROFILE,
        "generated_at": timezone.now().isoformat(),
        "taxonomies": [v.taxonomy() for v in hsds.VOCABULARIES],
        "taxonomy_terms": [v.term(t) for v, t in hsds.all_terms()],
        "organizations": organizations,
    }


def withheld_values() -> list[str]:
    """What the export and the API leave out because it breaks the rules (stored before they were enforced)."""
    found = []
    for schedule in Schedule.objects.select_related("service").order_by("service_id", "id"):
        where = f"service {schedule.service_id} ({schedule.service.name[:40]}), schedule {schedule.pk}"
        problem = byday_problem(schedule.freq, schedule.byday)
        if problem:
            found.append(f"{where}: byday withheld: {problem}")
        if schedule.opens_at and schedule.closes_at and schedule.closes_at <= schedule.opens_at:
            found.append(f"{where}: closes_at withheld: not later than opens_at")
    for service in Service.objects.exclude(started_on=None).order_by("id"):
        problem = started_on_problem(service.started_on.isoformat()) if service.started_on else None
        if problem:
            found.append(f"service {service.pk} ({service.name[:40]}): started_on withheld: {problem}")
    for service in Service.objects.exclude(minimum_age=None, maximum_age=None).order_by("id"):
        where = f"service {service.pk} ({service.name[:40]})"
        low, high = service.minimum_age, service.maximum_age
        for name, value in (("minimum_age", low), ("maximum_age", high)):
            problem = age_problem(value)
            if problem:
                found.append(f"{where}: {name} withheld: {problem}")
        if low is not None and high is not None and not age_problem(low) and not age_problem(high) and low > high:
            found.append(f"{where}: minimum_age and maximum_age withheld: the minimum is above the maximum")
    return found


def record_export(path: str, document: dict[str, Any]) -> None:
    record_audit_event(
        "resources.hsds_export",
        acting_user=None,
        changes={
            "organizations": len(document["organizations"]),
            "services": sum(len(o.get("services", [])) for o in document["organizations"]),
        },
        note=f"HSDS export to {path}",
    )


# --- reading and validating a file -----------------------------------------------------------


class InvalidHsdsFile(Exception):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class Parsed:
    organizations: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    services: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)  # (path, service, org id)
    taxonomies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    terms: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _shape(document: Any) -> Parsed:
    parsed = Parsed()

    def organization(prefix: str, data: Any) -> None:
        parsed.organizations.append((prefix, data))
        if isinstance(data, dict) and isinstance(data.get("services"), list):
            for j, service in enumerate(data["services"]):
                parsed.services.append((_join(prefix, f"services[{j}]"), service, str(data.get("id", ""))))

    def service(prefix: str, data: Any) -> None:
        org = data.get("organization") if isinstance(data, dict) else None
        if isinstance(org, dict):
            organization(_join(prefix, "organization"), {k: v for k, v in org.items() if k != "services"})
        parsed.services.append((prefix, data, None))

    def item(prefix: str, data: Any) -> None:
        # Services require a status; organizations have none.
        if isinstance(data, dict) and "status" in data:
            service(prefix, data)
        else:
            organization(prefix, data)

    if isinstance(document, list):
        for i, data in enumerate(document):
            organization(f"[{i}]", data)
    elif isinstance(document, dict) and "organizations" in document:
        for key in ("organizations", "taxonomies", "taxonomy_terms"):
            if key in document and not isinstance(document[key], list):
                raise InvalidHsdsFile([f"{key}: {document[key]!r} is not of type 'array'"])
        for i, data in enumerate(document["organizations"]):
            organization(f"organizations[{i}]", data)
        for i, data in enumerate(document.get("taxonomies", [])):
            parsed.taxonomies.append((f"taxonomies[{i}]", data))
        for i, data in enumerate(document.get("taxonomy_terms", [])):
            parsed.terms.append((f"taxonomy_terms[{i}]", data))
    elif isinstance(document, dict) and isinstance(document.get("contents"), list):
        for i, data in enumerate(document["contents"]):
            item(f"contents[{i}]", data)
    elif isinstance(document, dict) and "status" in document:
        service("", document)
    elif isinstance(document, dict):
        organization("", document)
    else:
        raise InvalidHsdsFile([f"(document): {type(document).__name__} is not an HSDS object or document"])
    return parsed


LIMITS = {
    "organization": {"name": 200, "alternate_name": 300, "description": 4000},
    "service": {"name": 200, "description": 4000, "fees_description": 300, "application_process": 500},
    "location": {"name": 200, "description": 2000, "transportation": 500},
}


def _own_rules(path: str, data: Any, kind: str) -> list[str]:
    """What our tables need beyond the schema: UUID ids and lengths that fit."""
    errors: list[str] = []
    if not isinstance(data, dict):
        return errors
    value = data.get("id")
    if isinstance(value, str):
        try:
            uuid.UUID(value)
        except ValueError:
            errors.append(f"{_join(path, 'id')}: {value!r} is not a valid UUID")
    for name, limit in LIMITS.get(kind, {}).items():
        text = data.get(name)
        if isinstance(text, str) and len(text) > limit:
            errors.append(f"{_join(path, name)}: is longer than {limit} characters")
    return errors


MAX_DEPTH = 32  # an HSDS document nests about eight levels; anything far deeper is not one
_CONTROL = frozenset(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))


def _structure_errors(document: Any) -> list[str]:
    """NUL and other control characters in any string (or key), and nesting deeper than ``MAX_DEPTH``.

    Walked with an explicit stack, so that a document nested 100,000 deep is
    refused with its path instead of exhausting Python's recursion.
    """
    errors: list[str] = []
    stack: list[tuple[str, Any, int]] = [("", document, 0)]
    while stack and len(errors) < 100:
        path, value, depth = stack.pop()
        if depth > MAX_DEPTH:
            errors.append(f"{path or '(document)'}: nested deeper than {MAX_DEPTH} levels")
            continue
        if isinstance(value, dict):
            for key, child in reversed(list(value.items())):
                child_path = _join(path, str(key))
                if _CONTROL.intersection(str(key)):
                    errors.append(f"{child_path!r}: a key contains a control character")
                    continue
                stack.append((child_path, child, depth + 1))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", child, depth + 1) for i, child in reversed(list(enumerate(value))))
        elif isinstance(value, str) and _CONTROL.intersection(value):
            what = "a NUL character" if "\x00" in value else "a control character"
            errors.append(f"{path or '(document)'}: contains {what}")
    return errors


def validate(document: Any) -> Parsed:
    """The parsed document, or ``InvalidHsdsFile`` listing every error (path: rule)."""
    structure = _structure_errors(document)
    if structure:
        raise InvalidHsdsFile(structure)
    parsed = _shape(document)
    errors: list[str] = []
    for path, data in parsed.organizations:
        shallow = {k: v for k, v in data.items() if k != "services"} if isinstance(data, dict) else data
        errors += errors_of("organization", shallow, path)
        errors += _own_rules(path, data, "organization")
        for i, location in enumerate(data.get("locations") or [] if isinstance(data, dict) else []):
            errors += _own_rules(_join(path, f"locations[{i}]"), location, "location")
    for path, data, _org in parsed.services:
        errors += errors_of("service", data, path)
        errors += _own_rules(path, data, "service")
        errors += [f"{_join(path, name)}: {problem}" for name, problem in age_problems(data)]
        errors += [f"{_join(path, name)}: {problem}" for name, problem in started_on_problems(data)]
        if isinstance(data, dict):
            for key in ("schedules", "service_areas", "service_at_locations"):
                children = data.get(key) if isinstance(data.get(key), list) else []
                for i, child in enumerate(children or []):
                    errors += _own_rules(_join(path, f"{key}[{i}]"), child, "")
            schedules = data.get("schedules") if isinstance(data.get("schedules"), list) else []
            for i, schedule in enumerate(schedules or []):
                errors += [
                    f"{_join(path, f'schedules[{i}]')}.{name}: {problem}"
                    for name, problem in schedule_problems(schedule)
                ]
    for path, data in parsed.taxonomies:
        errors += errors_of("taxonomy", data, path)
    for path, data in parsed.terms:
        errors += errors_of("taxonomy_term", data, path)
    known_orgs = {str(d.get("id")) for _p, d in parsed.organizations if isinstance(d, dict)}
    for path, data, org in parsed.services:
        if org is None and isinstance(data, dict):
            wanted = data.get("organization_id") or (data.get("organization") or {}).get("id")
            if not wanted:
                errors.append(f"{_join(path, 'organization_id')}: a service needs its organization")
            elif str(wanted) not in known_orgs and not _known_provider(str(wanted)):
                errors.append(f"{_join(path, 'organization_id')}: unknown organization {wanted!r}")
    if errors:
        raise InvalidHsdsFile(errors)
    return parsed


def _known_provider(value: str) -> bool:
    try:
        return Provider.objects.filter(hsds_id=uuid.UUID(value)).exists()
    except ValueError:
        return False


# --- applying -----------------------------------------------------------------------------------


class Tally:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def add(self, what: str, outcome: str) -> None:
        self.counts[f"{what}.{outcome}"] += 1

    def total(self, outcome: str) -> int:
        return sum(n for key, n in self.counts.items() if key.endswith(f".{outcome}"))

    @property
    def changed(self) -> bool:
        return any(self.total(o) for o in ("created", "updated", "deleted"))


def _upsert[M: models.Model](
    model: type[M], hsds_id: str, values: dict[str, Any], tally: Tally, what: str, acting_user: User | None = None
) -> M:
    obj = model._default_manager.filter(hsds_id=uuid.UUID(hsds_id)).first()
    tracked = any(f.name == "version" for f in model._meta.concrete_fields)
    if obj is None:
        extra = {"created_by": acting_user, "updated_by": acting_user} if tracked else {}
        obj = model._default_manager.create(hsds_id=uuid.UUID(hsds_id), **values, **extra)
        tally.add(what, "created")
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        if tracked:
            obj.version = obj.version + 1  # type: ignore[attr-defined]
            obj.updated_by = acting_user  # type: ignore[attr-defined]
        obj.save()
        tally.add(what, "updated")
    else:
        tally.add(what, "unchanged")
    return obj


def _text(data: dict[str, Any], name: str, limit: int) -> str:
    value = data.get(name)
    return str(value)[:limit] if value is not None else ""


def _extras(data: dict[str, Any]) -> dict[str, str]:
    found = {}
    for attribute in data.get("attributes") or []:
        link_type = str(attribute.get("link_type") or "")
        if link_type.startswith(hsds.EXTRA):
            found[link_type.removeprefix(hsds.EXTRA)] = str(attribute.get("value") or "")
    return found


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= 32767 else None


def _decimal(value: Any, limit: int) -> Decimal | None:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if abs(number) <= limit else None


def _provider(data: dict[str, Any], tally: Tally, acting_user: User | None) -> Provider:
    extras = _extras(data)
    phones = data.get("phones") or []
    agency = extras.get("agency_type", "")
    values = {
        "name": _text(data, "name", 200),
        "kana": _text(data, "alternate_name", 300),
        "description": _text(data, "description", 4000),
        "email": _text(data, "email", 254),
        "website": _text(data, "website", 200),
        "phone": str(phones[0].get("number", ""))[:30] if phones else "",
        "kind": extras.get("provider_kind") if extras.get("provider_kind") in Provider.Kind.values else "formal",
        "agency_type_id": agency if agency and AgencyType.objects.filter(pk=agency).exists() else None,
        "active": extras.get("active", "true") != "false",
    }
    return _upsert(Provider, str(data["id"]), values, tally, "organizations", acting_user)


def _location(data: dict[str, Any], provider: Provider, tally: Tally, acting_user: User | None) -> Location:
    extras = _extras(data)
    addresses = data.get("addresses") or []
    address = addresses[0] if addresses else {}
    line = " ".join(str(address.get(k) or "") for k in ("address_1", "address_2") if address.get(k))
    block_code = extras.get("town_block", "")
    accessibility = "、".join(
        str(a.get("description") or a.get("details") or "") for a in data.get("accessibility") or []
    )
    values = {
        "provider": provider,
        "name": _text(data, "name", 200) or line[:200] or provider.name[:200],
        "description": _text(data, "description", 2000),
        "postal_code": str(address.get("postal_code") or "")[:8],
        "prefecture": str(address.get("state_province") or "")[:10],
        "municipality": str(address.get("city") or "")[:50],
        "address_line": line[:200],
        "town_block": TownBlock.objects.filter(code=block_code).first() if block_code else None,
        "latitude": _decimal(data.get("latitude"), 90),
        "longitude": _decimal(data.get("longitude"), 180),
        "accessibility": accessibility[:500],
        "transportation": _text(data, "transportation", 500),
    }
    return _upsert(Location, str(data["id"]), values, tally, "locations", acting_user)


def _terms(data: dict[str, Any]) -> dict[str, set[str]]:
    by_id = {v.term_id(t.code): (v, t.code) for v, t in hsds.all_terms()}
    found: dict[str, set[str]] = {relation: set() for relation in hsds.SERVICE_RELATION.values()}
    for attribute in data.get("attributes") or []:
        match = by_id.get(str(attribute.get("taxonomy_term_id") or (attribute.get("taxonomy_term") or {}).get("id")))
        if match is None:
            vocabulary = hsds.VOCABULARY_BY_LINK.get(str(attribute.get("link_type") or ""))
            code = str((attribute.get("taxonomy_term") or {}).get("code") or "")
            if vocabulary and vocabulary.model._default_manager.filter(pk=code).exists():
                match = (vocabulary, code)
        if match:
            found[hsds.SERVICE_RELATION[match[0].key]].add(match[1])
    return found


def _service(
    data: dict[str, Any], provider: Provider, locations: dict[str, Location], tally: Tally, user: User | None
) -> None:
    extras = _extras(data)
    contacts = data.get("contacts") or []
    contact = contacts[0] if contacts else {}
    contact_phones = contact.get("phones") or data.get("phones") or []
    status = str(data.get("status") or "active")
    values = {
        "provider": provider,
        "name": _text(data, "name", 200),
        "description": _text(data, "description", 4000),
        "status": status if status in Service.Status.values else Service.Status.INACTIVE,
        "is_internal": extras.get("staff_only") == "true",
        "capacity": _int(extras.get("capacity")),
        "places_free": _int(extras.get("places_free")),
        "fees_description": _text(data, "fees_description", 300),
        "is_free": extras.get("free_of_charge") == "true",
        "eligibility": _text(data, "eligibility_description", 500),
        "minimum_age": _int(data.get("minimum_age")),
        "maximum_age": _int(data.get("maximum_age")),
        "application_process": _text(data, "application_process", 500),
        "languages": ", ".join(str(x.get("code") or x.get("name") or "") for x in data.get("languages") or [])[:100],
        "offers_transport": extras.get("offers_transport") == "true",
        "contact_name": str(contact.get("name") or "")[:100],
        "contact_phone": str(contact_phones[0].get("number") or "")[:30] if contact_phones else "",
        "contact_email": str(contact.get("email") or data.get("email") or "")[:254],
        "started_on": _date(extras.get("started_on")),
    }
    service = _upsert(Service, str(data["id"]), values, tally, "services", user)
    terms = _terms(data)
    for relation, codes in terms.items():
        manager = getattr(service, relation)
        if set(manager.values_list("pk", flat=True)) != codes:
            manager.set(sorted(codes))
            tally.add(f"services.{relation}", "updated")
    _children(service, data, locations, tally, user)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _children(
    service: Service, data: dict[str, Any], locations: dict[str, Location], tally: Tally, user: User | None
) -> None:
    keep: list[uuid.UUID] = []
    for schedule in data.get("schedules") or []:
        freq = str(schedule.get("freq") or "WEEKLY")
        values = {
            "service": service,
            "freq": freq if freq in Schedule.Frequency.values else Schedule.Frequency.WEEKLY,
            "byday": str(schedule.get("byday") or "")[:40],
            "opens_at": parse_time(schedule.get("opens_at"))[0],  # validated: never silently dropped
            "closes_at": parse_time(schedule.get("closes_at"))[0],
            "description": str(schedule.get("description") or "")[:300],
        }
        keep.append(_upsert(Schedule, str(schedule["id"]), values, tally, "schedules").hsds_id)
    _delete_rest(service.schedules.exclude(hsds_id__in=keep), tally, "schedules")
    keep = []
    for item in data.get("service_areas") or []:
        area = None
        if item.get("extent_type") == hsds.AREA_EXTENT_TYPE:
            area = Area.objects.filter(code=str(item.get("extent") or "")).first()
        if area is None and item.get("name"):
            area = Area.objects.filter(name=str(item["name"])).order_by("code").first()
        if area is None:
            tally.add("service_areas", "not_matched")
            continue
        clash = ServiceArea.objects.filter(service=service, area=area).exclude(hsds_id=uuid.UUID(str(item["id"])))
        _delete_rest(clash, tally, "service_areas")
        keep.append(
            _upsert(ServiceArea, str(item["id"]), {"service": service, "area": area}, tally, "service_areas").hsds_id
        )
    _delete_rest(service.service_areas.exclude(hsds_id__in=keep), tally, "service_areas")
    keep = []
    for item in data.get("service_at_locations") or []:
        nested = item.get("location")
        if isinstance(nested, dict) and nested.get("id"):
            locations[str(nested["id"])] = _location(nested, service.provider, tally, user)
        location = locations.get(str(item.get("location_id") or (nested or {}).get("id") or ""))
        wanted = _uuid_or_none(item.get("location_id"))
        if location is None and wanted is not None:
            location = Location.objects.filter(hsds_id=wanted).first()
        if location is None:
            tally.add("service_at_locations", "not_matched")
            continue
        _delete_rest(
            ServiceAtLocation.objects.filter(service=service, location=location).exclude(
                hsds_id=uuid.UUID(str(item["id"]))
            ),
            tally,
            "service_at_locations",
        )
        values = {"service": service, "location": location, "description": str(item.get("description") or "")[:500]}
        keep.append(_upsert(ServiceAtLocation, str(item["id"]), values, tally, "service_at_locations").hsds_id)
    _delete_rest(service.service_at_locations.exclude(hsds_id__in=keep), tally, "service_at_locations")


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _delete_rest(queryset: models.QuerySet[Any], tally: Tally, what: str) -> None:
    for _obj in queryset:
        tally.add(what, "deleted")
    queryset.delete()


class DryRunRollback(Exception):
    pass


def import_document(
    document: Any, *, dry_run: bool = False, source: str = "", acting_user: User | None = None
) -> Tally:
    """Validate the whole document, then apply it in one transaction (rolled back for a dry run)."""
    parsed = validate(document)
    tally = Tally()
    try:
        with transaction.atomic():
            providers: dict[str, Provider] = {}
            locations: dict[str, Location] = {}
            for _path, data in parsed.organizations:
                provider = _provider(data, tally, acting_user)
                providers[str(data["id"])] = provider
                for location in data.get("locations") or []:
                    locations[str(location["id"])] = _location(location, provider, tally, acting_user)
            for _path, data, org_id in parsed.services:
                wanted = org_id or str(data.get("organization_id") or (data.get("organization") or {}).get("id"))
                provider = providers.get(wanted) or Provider.objects.get(hsds_id=uuid.UUID(wanted))
                _service(data, provider, locations, tally, acting_user)
            if dry_run:
                raise DryRunRollback
            _record_import(tally, source, dry_run=False, acting_user=acting_user)
    except DryRunRollback:
        _record_import(tally, source, dry_run=True, acting_user=acting_user)
    return tally


def _record_import(tally: Tally, source: str, *, dry_run: bool, acting_user: User | None) -> None:
    record_audit_event(
        "resources.hsds_import",
        acting_user=acting_user,
        changes=dict(sorted(tally.counts.items())),
        note=f"HSDS import of {source}{' (dry run: nothing changed)' if dry_run else ''}",
    )
