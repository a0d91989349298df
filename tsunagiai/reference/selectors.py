"""Reading reference data: the organisation directory, areas and who covers a place.

Reference data is not protected personal data: any member may read it (the
pages and the API decide who counts as a member). These selectors only shape
the queries, with their joins spelled out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from tsunagiai.reference.models import AgencyType, Area, Organisation, TownBlock

COORDINATION_AGENCY_TYPE = "coordination_section"


def active_agency_types() -> QuerySet[AgencyType]:
    return AgencyType.objects.filter(active=True)


def active_areas(*, level: str | None = None, parent: Area | None = None) -> QuerySet[Area]:
    areas = Area.objects.filter(active=True).select_related("parent")
    if level:
        areas = areas.filter(level=level)
    if parent is not None:
        areas = areas.filter(parent=parent)
    return areas


def area_by_code(code: str) -> Area | None:
    return Area.objects.filter(active=True, code=code).select_related("parent").first()


def _covered_areas_prefetch() -> Any:
    return Prefetch("covered_areas", queryset=Area.objects.filter(active=True).order_by("level", "sort_order", "code"))


def place_area_ids(place: TownBlock | Area) -> list[int]:
    """The areas a place lies in: a block's six areas, or an area and its ancestors."""
    if isinstance(place, TownBlock):
        return [
            area_id
            for area_id in (
                place.neighbourhood_association_id,
                place.elementary_district_id,
                place.junior_high_district_id,
                place.branch_area_id,
                place.fire_station_area_id,
                place.disability_block_id,
            )
            if area_id is not None
        ]
    # The tree is at most four levels deep: one query fetches the whole chain.
    area = Area.objects.select_related("parent__parent__parent").get(pk=place.pk)
    ids: list[int] = []
    current: Area | None = area
    while current is not None:
        ids.append(current.pk)
        current = current.parent
    return ids


def organisations_covering(place: TownBlock | Area, *, agency_type: str | None = None) -> QuerySet[Organisation]:
    """Active organisations (of ``agency_type``, if given) whose covered areas include any area of ``place``.

    For a town block that is its association, elementary, junior-high and
    branch areas and its fire-station and disability areas; for an area, the
    area itself and the areas above it.
    """
    organisations = Organisation.objects.filter(active=True, covered_areas__in=place_area_ids(place))
    if agency_type:
        organisations = organisations.filter(agency_type_id=agency_type)
    return (
        Organisation.objects.filter(pk__in=organisations.values("pk"))
        .select_related("agency_type", "parent")
        .order_by("agency_type__sort_order", "code")
    )


def coordination_organisations() -> QuerySet[Organisation]:
    """The active organisations that are the coordination section (福祉総合相談課)."""
    return Organisation.objects.filter(active=True, agency_type_id=COORDINATION_AGENCY_TYPE).select_related(
        "agency_type"
    )


def organisation_directory(*, agency_type: str | None = None, area: Area | None = None) -> QuerySet[Organisation]:
    """Active organisations for the directory, optionally of one type or serving one area."""
    organisations = Organisation.objects.filter(active=True)
    if agency_type:
        organisations = organisations.filter(agency_type_id=agency_type)
    if area is not None:
        organisations = organisations.filter(
            pk__in=Organisation.objects.filter(covered_areas__in=place_area_ids(area)).values("pk")
        )
    return (
        organisations.select_related("agency_type", "parent")
        .prefetch_related(_covered_areas_prefetch())
        .order_by("agency_type__sort_order", "code")
    )


def organisation_detail(organisation_id: object) -> Organisation:
    """One active organisation with its type, parent, covered areas and children; 404 otherwise."""
    try:
        pk = int(str(organisation_id))
    except ValueError:
        raise Http404 from None
    organisation = (
        Organisation.objects.filter(active=True, pk=pk)
        .select_related("agency_type", "parent")
        .prefetch_related(
            _covered_areas_prefetch(),
            Prefetch(
                "children",
                queryset=Organisation.objects.filter(active=True)
                .select_related("agency_type")
                .order_by("agency_type__sort_order", "code"),
            ),
        )
        .first()
    )
    if organisation is None:
        raise Http404
    return organisation


@dataclass
class AreaNode:
    area: Area
    children: list[AreaNode] = field(default_factory=list)


@dataclass
class AreaTree:
    roots: list[AreaNode]
    flat: dict[str, list[Area]]


def area_tree() -> AreaTree:
    """支所区域 → 中学校区 → 小学校区 → 自治区 as nested nodes, plus the flat divisions, in one query."""
    nodes: dict[int, AreaNode] = {}
    roots: list[AreaNode] = []
    flat: dict[str, list[Area]] = {}
    order = {level: index for index, level in enumerate(Area.Level.values)}
    areas = sorted(
        Area.objects.filter(active=True), key=lambda a: (order.get(a.level, len(order)), a.sort_order, a.code)
    )
    for area in areas:
        if area.level not in Area.HIERARCHY:
            flat.setdefault(area.level, []).append(area)
            continue
        node = nodes[area.pk] = AreaNode(area)
        parent = nodes.get(area.parent_id) if area.parent_id else None
        if parent is not None:
            parent.children.append(node)
        elif area.level == Area.HIERARCHY[0]:
            roots.append(node)
    return AreaTree(roots=roots, flat=flat)


def area_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Active areas grouped by level for a select box: (level label, [(code, name)])."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, name, level in Area.objects.filter(active=True).values_list("code", "name", "level"):
        groups.setdefault(level, []).append((code, name))
    return [(str(label), groups[level]) for level, label in Area.Level.choices if level in groups]
