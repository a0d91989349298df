"""Writes of the directory: create and edit a resource (a service with its provider, location,
schedules and areas), with optimistic versioning and audit events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction

from tsunagiai.audit.actions import diff_fields, record_audit_event, snapshot
from tsunagiai.core.concurrency import save_versioned
from tsunagiai.reference.models import Area, IssueCategory, ResourceServiceType, TargetGroup, TownBlock
from tsunagiai.resources.models import Location, Provider, Schedule, Service, ServiceArea, ServiceAtLocation

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

SERVICE_FIELDS = [
    "name",
    "description",
    "status",
    "is_internal",
    "capacity",
    "places_free",
    "fees_description",
    "is_free",
    "eligibility",
    "minimum_age",
    "maximum_age",
    "application_process",
    "languages",
    "offers_transport",
    "contact_name",
    "contact_phone",
    "contact_email",
]


@dataclass
class ScheduleData:
    freq: str
    byday: str
    opens_at: dt.time | None
    closes_at: dt.time | None


@dataclass
class ResourceData:
    """What the resource form edits: the service's own fields, its terms, one location and its schedules."""

    values: dict[str, Any]
    provider: Provider
    service_types: list[ResourceServiceType] = field(default_factory=list)
    target_groups: list[TargetGroup] = field(default_factory=list)
    categories: list[IssueCategory] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)
    location_name: str = ""
    prefecture: str = ""
    municipality: str = ""
    address_line: str = ""
    town_block: TownBlock | None = None
    accessibility: str = ""
    schedules: list[ScheduleData] = field(default_factory=list)


def _relations(service: Service) -> dict[str, Any]:
    return {
        "service_types": sorted(t.pk for t in service.service_types.all()),
        "target_groups": sorted(t.pk for t in service.target_groups.all()),
        "categories": sorted(t.pk for t in service.categories.all()),
        "areas": sorted(a.area.code for a in service.service_areas.select_related("area")),
        "schedules": sorted(
            f"{s.freq} {s.byday} {s.opens_at or ''}-{s.closes_at or ''}" for s in service.schedules.all()
        ),
        "locations": sorted(
            f"{s.location.name} {s.location.address_line}"
            for s in service.service_at_locations.select_related("location")
        ),
    }


def _apply_relations(service: Service, data: ResourceData, *, acting_user: User) -> None:
    service.service_types.set(data.service_types)
    service.target_groups.set(data.target_groups)
    service.categories.set(data.categories)
    wanted = {a.pk for a in data.areas}
    service.service_areas.exclude(area_id__in=wanted).delete()
    have = set(service.service_areas.values_list("area_id", flat=True))
    ServiceArea.objects.bulk_create([ServiceArea(service=service, area_id=pk) for pk in sorted(wanted - have)])
    service.schedules.all().delete()
    Schedule.objects.bulk_create(
        [
            Schedule(service=service, freq=s.freq, byday=s.byday, opens_at=s.opens_at, closes_at=s.closes_at)
            for s in data.schedules
        ]
    )
    if data.location_name:
        sal = service.service_at_locations.select_related("location").order_by("id").first()
        location = sal.location if sal else Location(provider=service.provider, created_by=acting_user)
        location.name = data.location_name
        location.prefecture = data.prefecture
        location.municipality = data.municipality
        location.address_line = data.address_line
        location.town_block = data.town_block
        location.accessibility = data.accessibility
        location.updated_by = acting_user
        location.save()
        if sal is None:
            ServiceAtLocation.objects.create(service=service, location=location)


@transaction.atomic
def do_create_resource(data: ResourceData, *, acting_user: User) -> Service:
    service = Service(provider=data.provider, created_by=acting_user, updated_by=acting_user, **data.values)
    service.full_clean(exclude=["provider"])
    service.save()
    _apply_relations(service, data, acting_user=acting_user)
    after = {**snapshot(service, SERVICE_FIELDS), **_relations(service)}
    record_audit_event("resources.create", acting_user=acting_user, obj=service, changes=diff_fields({}, after))
    return service


@transaction.atomic
def do_edit_resource(service: Service, data: ResourceData, *, expected_version: int, acting_user: User) -> Service:
    saved = Service.objects.get(pk=service.pk)  # a bound ModelForm has already changed ``service`` in memory
    before = {**snapshot(saved, SERVICE_FIELDS), **_relations(saved)}
    for name, value in data.values.items():
        setattr(service, name, value)
    service.provider = data.provider
    save_versioned(
        service, expected_version=expected_version, fields=[*data.values, "provider"], acting_user=acting_user
    )
    _apply_relations(service, data, acting_user=acting_user)
    after = {**snapshot(service, SERVICE_FIELDS), **_relations(service)}
    record_audit_event("resources.edit", acting_user=acting_user, obj=service, changes=diff_fields(before, after))
    return service
