"""Reads of the directory, on the querysets of ``tsunagiai.accounts.access`` (staff-only resources for staff)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from tsunagiai.accounts import access
from tsunagiai.reference.models import Area, IssueCategory, ResourceServiceType, TargetGroup
from tsunagiai.resources.models import Location, Provider, Service, ServiceArea, ServiceAtLocation

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User


def visible_providers(user: User) -> QuerySet[Provider]:
    """Providers with at least one service the user may see (staff: every provider)."""
    if access.may_see_internal_resources(user):
        return Provider.objects.all()
    public = access.visible_services(user).filter(provider=OuterRef("pk"))
    return Provider.objects.filter(Exists(public))


def visible_service_at_locations(user: User) -> QuerySet[ServiceAtLocation]:
    return ServiceAtLocation.objects.filter(service__in=access.visible_services(user))


def visible_locations(user: User) -> QuerySet[Location]:
    if access.may_see_internal_resources(user):
        return Location.objects.all()
    return Location.objects.filter(Exists(visible_service_at_locations(user).filter(location=OuterRef("pk"))))


@dataclass(frozen=True)
class DirectoryFilters:
    service_type: ResourceServiceType | None = None
    target_group: TargetGroup | None = None
    area: Area | None = None
    category: IssueCategory | None = None
    q: str = ""
    kind: str = ""
    include_internal: bool = False
    include_inactive: bool = False


def _area_and_above_below(area: Area) -> list[int]:
    """The area, the areas above it (a service for the whole branch area serves its districts)
    and those below it (a service for one elementary district lies in the junior-high district)."""
    ids = {area.pk}
    node: Area | None = area
    while node is not None and node.parent_id:
        ids.add(node.parent_id)
        node = Area.objects.only("id", "parent_id").filter(pk=node.parent_id).first()
    frontier = [area.pk]
    while frontier:
        frontier = list(Area.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids.update(frontier)
    return sorted(ids)


def directory(user: User, filters: DirectoryFilters) -> QuerySet[Service]:
    services = access.visible_services(user)
    if not filters.include_internal:
        services = services.filter(is_internal=False)
    if not filters.include_inactive:
        services = services.filter(status=Service.Status.ACTIVE)
    if filters.service_type is not None:
        services = services.filter(service_types=filters.service_type)
    if filters.target_group is not None:
        services = services.filter(target_groups=filters.target_group)
    if filters.category is not None:
        services = services.filter(categories=filters.category)
    if filters.kind:
        services = services.filter(provider__kind=filters.kind)
    if filters.area is not None:
        areas = _area_and_above_below(filters.area)
        services = services.filter(
            Exists(ServiceArea.objects.filter(service=OuterRef("pk"), area_id__in=areas))
            | Exists(
                ServiceAtLocation.objects.filter(service=OuterRef("pk")).filter(
                    Q(location__town_block__branch_area_id__in=areas)
                    | Q(location__town_block__junior_high_district_id__in=areas)
                    | Q(location__town_block__elementary_district_id__in=areas)
                    | Q(location__town_block__neighbourhood_association_id__in=areas)
                )
            )
        )
    for word in filters.q.split():
        services = services.filter(
            Q(name__icontains=word)
            | Q(description__icontains=word)
            | Q(provider__name__icontains=word)
            | Q(provider__kana__icontains=word)
        )
    return (
        services.select_related("provider")
        .prefetch_related(
            "service_types",
            "target_groups",
            "schedules",
            Prefetch("service_areas", queryset=ServiceArea.objects.select_related("area").order_by("area__code")),
        )
        .order_by("name", "id")
    )


def service_detail(user: User, service_id: Any) -> Service:
    service = access.access_service(user, service_id)
    return (
        Service.objects.select_related("provider", "provider__agency_type", "created_by", "updated_by")
        .prefetch_related(
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
        .get(pk=service.pk)
    )
