"""Reading regional data: counts by area and category, issue evidence, the network and the map.

Every count is computed in the database (GROUP BY); Python only arranges the
few aggregated rows. Nothing here returns a person or a case.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Count, F, Min, Prefetch, QuerySet
from django.db.models.functions import Greatest, Least, TruncMonth
from django.utils import timezone

from tsunagiai.accounts import access
from tsunagiai.cases.models import Case, TeamMember
from tsunagiai.reference.models import Area, IssueCategory, Organisation
from tsunagiai.referrals.models import Referral
from tsunagiai.regional.models import CommunityMeeting, IssueStatusChange, NetworkEvent, RegionalIssue, UnmetNeed
from tsunagiai.resources.models import Service, ServiceArea

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

# The column of UnmetNeed that holds each level (stored when recorded: no join through the area tree).
LEVEL_FIELDS: dict[str, str] = {
    Area.Level.ELEMENTARY_DISTRICT: "area_id",
    Area.Level.JUNIOR_HIGH_DISTRICT: "junior_high_district_id",
    Area.Level.BRANCH_AREA: "branch_area_id",
}


# --- unmet needs -------------------------------------------------------------


def case_unmet_needs(user: User, case: Case) -> QuerySet[UnmetNeed]:
    return (
        access.visible_unmet_needs_of_case(user, case)
        .select_related("category", "area", "organisation")
        # what the case panel shows of them: their names
        .only(*(f.name for f in UnmetNeed._meta.concrete_fields), "category__label", "area__name", "organisation__name")
        .order_by("-noted_on", "-id")
    )


@dataclass
class CountRow:
    area: Area
    category: IssueCategory
    count: int


def unmet_need_counts(
    level: str = Area.Level.ELEMENTARY_DISTRICT, *, since: dt.date | None = None, until: dt.date | None = None
) -> list[CountRow]:
    """Unmet needs per area (at ``level``) and category: one GROUP BY, then the names in two queries."""
    column = LEVEL_FIELDS[level]
    needs = UnmetNeed.objects.filter(**{f"{column}__isnull": False})
    if since:
        needs = needs.filter(noted_on__gte=since)
    if until:
        needs = needs.filter(noted_on__lte=until)
    rows = list(needs.values(column, "category_id").annotate(count=Count("id")).order_by(column, "category_id"))
    areas = Area.objects.in_bulk({r[column] for r in rows})
    categories = IssueCategory.objects.in_bulk({r["category_id"] for r in rows})
    result = [CountRow(areas[r[column]], categories[r["category_id"]], r["count"]) for r in rows]
    result.sort(key=lambda r: (r.area.sort_order, r.area.code, r.category.sort_order, r.category.code))
    return result


# --- regional issues -------------------------------------------------------------


def issue_list(user: User, *, status: str = "") -> QuerySet[RegionalIssue]:
    issues: QuerySet[RegionalIssue] = access.visible_regional_issues(user)
    if status:
        issues = issues.filter(status=status)
    return (
        issues.select_related("area")
        .prefetch_related("categories")
        .annotate(
            meeting_count=Count("meetings", distinct=True),
            service_count=Count("services", distinct=True),
        )
        .order_by("-created_at", "-id")
    )


def issue_detail(user: User, issue_id: Any, *, for_edit: bool = False) -> RegionalIssue:
    issue: RegionalIssue = access.access_regional_issue(user, issue_id, for_edit=for_edit)
    return (
        RegionalIssue.objects.filter(pk=issue.pk)
        .select_related("area")
        .prefetch_related(
            "categories",
            Prefetch("services", queryset=Service.objects.select_related("provider").order_by("name", "id")),
            Prefetch(
                "meetings",
                queryset=CommunityMeeting.objects.prefetch_related("participating_organisations").order_by(
                    "-held_on", "-id"
                ),
            ),
            Prefetch("status_changes", queryset=IssueStatusChange.objects.select_related("changed_by")),
        )
        .get()
    )


@dataclass
class Evidence:
    """Counts only: per category and month, and totals. Never a person or a case."""

    months: list[dt.date]
    rows: list[tuple[IssueCategory, list[int], int]]
    total: int


def issue_evidence(issue: RegionalIssue) -> Evidence:
    """Unmet needs in the issue's area (at its level) of its categories, by category and month."""
    column = LEVEL_FIELDS.get(issue.area.level, "area_id")
    categories = list(issue.categories.all())
    counts = (
        UnmetNeed.objects.filter(**{column: issue.area_id}, category_id__in=[c.pk for c in categories])
        .annotate(month=TruncMonth("noted_on"))
        .values("category_id", "month")
        .annotate(count=Count("id"))
        .order_by("month", "category_id")
    )
    table: dict[tuple[str, dt.date], int] = {}
    for row in counts:
        month = row["month"]
        if isinstance(month, dt.datetime):
            month = month.date()
        table[(row["category_id"], month)] = row["count"]
    months = sorted({m for _c, m in table})
    rows = [
        (c, [table.get((c.pk, m), 0) for m in months], sum(table.get((c.pk, m), 0) for m in months)) for c in categories
    ]
    return Evidence(months=months, rows=rows, total=sum(r[2] for r in rows))


# --- the network -------------------------------------------------------------------


@dataclass
class Link:
    a: Organisation
    b: Organisation
    referrals: int = 0
    teams: int = 0
    events: int = 0
    first: dt.date | None = None

    @property
    def weight(self) -> int:
        return self.referrals + self.teams + self.events


@dataclass
class Node:
    organisation: Organisation
    number: int
    x: float = 0.0
    y: float = 0.0
    degree: int = 0


@dataclass
class Network:
    nodes: list[Node]
    links: list[Link]
    size: int = 560
    node_by_id: dict[int, Node] = field(default_factory=dict)

    def lines(self) -> list[dict[str, Any]]:
        """Coordinates of each link, for the SVG."""
        out = []
        for link in self.links:
            a, b = self.node_by_id[link.a.pk], self.node_by_id[link.b.pk]
            out.append(
                {
                    "x1": a.x,
                    "y1": a.y,
                    "x2": b.x,
                    "y2": b.y,
                    "width": min(1 + link.weight, 6),
                    "events_only": link.events and not (link.referrals or link.teams),
                    "link": link,
                }
            )
        return out


def _as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value  # type: ignore[no-any-return]


def network_links(until: dt.date | None = None) -> dict[tuple[int, int], dict[str, Any]]:
    """Organisation pairs (lower id first) with their referral, shared-team and shared-event counts and the
    date each pair first appeared — three GROUP BY queries."""
    pairs: dict[tuple[int, int], dict[str, Any]] = defaultdict(
        lambda: {"referrals": 0, "teams": 0, "events": 0, "first": None}
    )

    def merge(key: tuple[int, int], kind: str, count: int, first: Any) -> None:
        entry = pairs[key]
        entry[kind] += count
        day = _as_date(first)
        if day is not None and (entry["first"] is None or day < entry["first"]):
            entry["first"] = day

    referrals = Referral.objects.exclude(from_organisation_id=F("to_organisation_id"))
    if until:
        referrals = referrals.filter(sent_at__date__lte=until)
    for row in (
        referrals.values(
            a=Least("from_organisation_id", "to_organisation_id"),
            b=Greatest("from_organisation_id", "to_organisation_id"),
        )
        .annotate(count=Count("id"), first=Min("sent_at"))
        .order_by()
    ):
        merge((row["a"], row["b"]), "referrals", row["count"], row["first"])

    # One filter() call, so that every condition on the other member is on the same join.
    conditions: dict[str, Any] = {"organisation_id__lt": F("case__team_members__organisation_id")}
    if until:
        conditions.update(joined_at__date__lte=until, case__team_members__joined_at__date__lte=until)
    teams = TeamMember.objects.filter(**conditions)
    for row in (
        teams.values(a=F("organisation_id"), b=F("case__team_members__organisation_id"))
        .annotate(
            count=Count("case_id", distinct=True), first=Min(Greatest("joined_at", "case__team_members__joined_at"))
        )
        .order_by()
    ):
        merge((row["a"], row["b"]), "teams", row["count"], row["first"])

    through = NetworkEvent.participating_organisations.through
    events = through.objects.filter(organisation_id__lt=F("networkevent__participating_organisations__id"))
    if until:
        events = events.filter(networkevent__held_on__lte=until)  # single-valued: the same event
    for row in (
        events.values(a=F("organisation_id"), b=F("networkevent__participating_organisations__id"))
        .annotate(count=Count("networkevent_id", distinct=True), first=Min("networkevent__held_on"))
        .order_by()
    ):
        merge((row["a"], row["b"]), "events", row["count"], row["first"])
    return dict(pairs)


def network(until: dt.date | None = None, *, size: int = 560) -> Network:
    """The network picture: organisations on a circle, grouped by agency type, linked by the pairs above."""
    pairs = network_links(until)
    ids = {i for pair in pairs for i in pair}
    organisations = sorted(
        Organisation.objects.filter(pk__in=ids).select_related("agency_type"),
        key=lambda o: (o.agency_type.sort_order, o.agency_type_id, o.code),
    )
    by_id = {o.pk: o for o in organisations}
    links = sorted(
        (Link(a=by_id[a], b=by_id[b], **values) for (a, b), values in pairs.items()),
        key=lambda link: (-link.weight, link.a.code, link.b.code),
    )
    centre, radius = size / 2, size / 2 - 40
    nodes = []
    for index, organisation in enumerate(organisations):
        angle = 2 * math.pi * index / max(len(organisations), 1) - math.pi / 2
        nodes.append(
            Node(
                organisation=organisation,
                number=index + 1,
                x=round(centre + radius * math.cos(angle), 1),
                y=round(centre + radius * math.sin(angle), 1),
            )
        )
    node_by_id = {n.organisation.pk: n for n in nodes}
    for link in links:
        node_by_id[link.a.pk].degree += 1
        node_by_id[link.b.pk].degree += 1
    return Network(nodes=nodes, links=links, size=size, node_by_id=node_by_id)


@dataclass
class Quarter:
    label: str
    end: dt.date
    organisations: int
    links: int


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_end(year: int, quarter: int) -> dt.date:
    month = quarter * 3
    next_first = dt.date(year + (month == 12), month % 12 + 1, 1)
    return next_first - dt.timedelta(days=1)


def network_growth(today: dt.date | None = None, *, quarters: int = 8) -> list[Quarter]:
    """Links and linked organisations at the end of each of the last ``quarters`` quarters (cumulative)."""
    today = today or timezone.localdate()
    pairs = network_links(today)
    year, q = quarter_of(today)
    ends = []
    for _i in range(quarters):
        ends.append((year, q))
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    result = []
    for year, q in reversed(ends):
        end = quarter_end(year, q)
        present = [pair for pair, v in pairs.items() if v["first"] is not None and v["first"] <= end]
        result.append(
            Quarter(
                label=f"{year} Q{q}",
                end=end,
                organisations=len({i for pair in present for i in pair}),
                links=len(present),
            )
        )
    return result


def recent_events(limit: int = 20) -> QuerySet[NetworkEvent]:
    return NetworkEvent.objects.prefetch_related("participating_organisations").order_by("-held_on", "-id")[:limit]


# --- the map -------------------------------------------------------------------------


@dataclass
class DistrictRow:
    area: Area
    unmet_needs: int
    resources: int


def district_table(today: dt.date | None = None) -> list[DistrictRow]:
    """Per elementary district: unmet needs within the window and active resources serving it."""
    today = today or timezone.localdate()
    needs = dict(
        UnmetNeed.objects.filter(noted_on__gte=window_start(today), noted_on__lte=today)
        .values_list("area_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    served = dict(
        ServiceArea.objects.filter(area__level=Area.Level.ELEMENTARY_DISTRICT, service__status=Service.Status.ACTIVE)
        .values_list("area_id")
        .annotate(count=Count("service_id", distinct=True))
        .order_by()
    )
    districts = Area.objects.filter(level=Area.Level.ELEMENTARY_DISTRICT, active=True).order_by("sort_order", "code")
    return [DistrictRow(d, needs.get(d.pk, 0), served.get(d.pk, 0)) for d in districts]


def district_geojson() -> dict[str, Any] | None:
    """The configured district boundaries (settings.TSUNAGIAI_DISTRICTS_GEOJSON), or None."""
    path = settings.TSUNAGIAI_DISTRICTS_GEOJSON
    if not path:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        return None
    return data


def map_data(rows: list[DistrictRow], geojson: dict[str, Any]) -> dict[str, Any]:
    """What map.js draws: the boundaries with each district's counts in its properties."""
    by_code = {r.area.code: r for r in rows}
    features = []
    for feature in geojson.get("features", []):
        properties = dict(feature.get("properties") or {})
        row = by_code.get(str(properties.get("code", "")))
        if row is None:
            continue
        properties.update({"name": row.area.name, "unmet_needs": row.unmet_needs, "resources": row.resources})
        features.append({"type": "Feature", "geometry": feature.get("geometry"), "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def ancestors(area: Area) -> dict[str, Area]:
    """The area and the levels above it, by level (a few rows: the tree is at most four deep)."""
    found: dict[str, Area] = {}
    current: Area | None = area
    while current is not None and current.level not in found:
        found[current.level] = current
        current = current.parent
    return found


def default_area_of_case(case: Case) -> Area | None:
    """The focus person's elementary district; otherwise the household's."""
    for person in case.focus_members.select_related("town_block__elementary_district").order_by("pk"):
        if person.town_block is not None:
            return person.town_block.elementary_district
    household = case.household
    if household.town_block is not None:
        return household.town_block.elementary_district
    return None


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (the last day of a shorter month)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def window_start(today: dt.date) -> dt.date:
    """The first day inside the window: needs noted on this day or later, up to today, count."""
    return months_before(today, settings.TSUNAGIAI_REGIONAL_WINDOW_MONTHS) + dt.timedelta(days=1)


def organisations_covering(area: Area) -> list[Organisation]:
    """Branch offices and CSWs whose covered areas include the district or an area above it."""
    area_ids = [a.pk for a in ancestors(area).values()]
    return list(
        Organisation.objects.filter(
            active=True, agency_type_id__in=("branch_office", "csw"), covered_areas__in=area_ids
        )
        .distinct()
        .order_by("pk")
    )


def clusters_over_threshold(today: dt.date) -> list[dict[str, Any]]:
    """``area_id``, ``category_id``, ``count`` of each cluster in the window at or over the threshold (one GROUP BY)."""
    rows = (
        UnmetNeed.objects.filter(noted_on__gte=window_start(today), noted_on__lte=today)
        .values("area_id", "category_id")
        .annotate(count=Count("id"))
        .filter(count__gte=settings.TSUNAGIAI_REGIONAL_THRESHOLD)
        .order_by("area_id", "category_id")
    )
    return [dict(row) for row in rows]
