"""The KPIs of C10, computed in the database (GROUP BY / Count / Avg: never a loop over rows).

Signatures (stable; the reports app builds on them)::

    Filters(date_from: date | None = None, date_to: date | None = None,      # inclusive, local dates
            area_level: str = "", area_id: int | None = None,               # "branch_area" |
            organisation_id: int | None = None)                             # "junior_high_district" |
                                                                            # "elementary_district"
    Counts(keys: list[str], labels: list[str], values: list[int])           .table() -> CountTable, .total

    consultations_by_window(f: Filters) -> Counts         # receiving organisation
    consultations_by_channel(f: Filters) -> Counts
    consultations_by_consulter_type(f: Filters) -> Counts
    consultations_by_month(f: Filters) -> Counts          # keys "YYYY-MM"
    referral_sources(f: Filters) -> Counts                # community / agencies / self_family / anonymous
    households_newly_connected(f: Filters) -> int
    multi_issue(f: Filters) -> Share                      # intakes whose categories span >= 2 core agency types
    multi_issue_households(f: Filters) -> Share           # the same over households (their intakes in the period)
    referral_times(f: Filters) -> list[OrganisationMetrics]   # tsunagiai.referrals.selectors.referral_metrics
    declines_by_reason(f: Filters) -> Counts
    leads_by_agency_type(f: Filters) -> Counts            # open cases by their lead's agency type
    coordination_overstay_count(f: Filters, now: datetime | None = None) -> int
    coordination_overstay(f: Filters, now=None) -> (count, key sum)
    gap_cases(f: Filters) -> Counts                       # 制度の狭間, opened in the period, by case status
    unmet_needs_by_district(f: Filters, keyed=False) -> Counts   # elementary districts
    services_by_district(f: Filters) -> Counts            # active services covering each elementary district
    help_requests_by_status(f: Filters, keyed=False) -> Counts
    volunteers_by_centre(f: Filters, keyed=False) -> Counts   # active volunteers
    participation_by_status(f: Filters, keyed=False) -> Counts
    # keyed=True: Counts.key_sums holds each figure's sum of record keys (cellkey), for perturbation

Exact figures for any dates (the coordination section); grid periods are read from the rollup
(rollup.py), which reproduces these definitions.

What each filter means for each record: docs/analytics.md ("Filters").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Case as When_
from django.db.models import CharField, Count, Exists, Max, Min, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

AREA_LEVELS = ("branch_area", "junior_high_district", "elementary_district")

# Consulter types grouped as the seed reports its sources (民生委員 and other community sources vs agencies).
SOURCE_GROUPS: dict[str, str] = {
    "community_volunteer": "community",
    "neighborhood_leader": "community",
    "neighbor": "community",
    "agency": "agencies",
    "fire_department": "agencies",
    "school": "agencies",
    "medical": "agencies",
    "self": "self_family",
    "family": "self_family",
    "anonymous": "anonymous",
}
SOURCE_GROUP_ORDER = ("community", "agencies", "self_family", "anonymous", "other")


@dataclass(frozen=True)
class Filters:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    area_level: str = ""
    area_id: int | None = None
    organisation_id: int | None = None

    def __post_init__(self) -> None:
        if self.area_level and self.area_level not in AREA_LEVELS:
            raise ValueError(f"unknown area level {self.area_level!r}")

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """[start, end) in the current time zone: index-friendly ranges instead of ``__date`` lookups."""
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.date_from, dt.time.min, tzinfo=tz) if self.date_from else None
        end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if self.date_to else None
        return start, end

    def period(self, field: str) -> Q:
        start, end = self.bounds()
        q = Q()
        if start:
            q &= Q(**{f"{field}__gte": start})
        if end:
            q &= Q(**{f"{field}__lt": end})
        return q

    def dates(self, field: str) -> Q:
        q = Q()
        if self.date_from:
            q &= Q(**{f"{field}__gte": self.date_from})
        if self.date_to:
            q &= Q(**{f"{field}__lte": self.date_to})
        return q

    def area(self, town_block: str) -> Q:
        """Records whose town block lies in the chosen area (``town_block`` is the path to a TownBlock)."""
        if not (self.area_level and self.area_id):
            return Q()
        return Q(**{f"{town_block}__{self.area_level}_id": self.area_id})

    def organisation(self, *fields: str) -> Q:
        if not self.organisation_id:
            return Q()
        q = Q()
        for name in fields:
            q |= Q(**{f"{name}_id": self.organisation_id})
        return q

    def cache_key(self) -> str:
        return "|".join(
            str(v or "") for v in (self.date_from, self.date_to, self.area_level, self.area_id, self.organisation_id)
        )


@dataclass(frozen=True)
class Counts:
    keys: list[str]
    labels: list[str]
    values: list[int]
    key_sums: list[int] | None = None  # the cell key sums (cellkey) when asked for with ``keyed``

    @property
    def total(self) -> int:
        return sum(self.values)

    @property
    def total_key_sum(self) -> int:
        return sum(self.key_sums or ())


@dataclass(frozen=True)
class Share:
    part: int
    whole: int

    @property
    def rate(self) -> float | None:
        return self.part / self.whole if self.whole else None


def _counts(rows: Iterable[Any], key: str, label: str) -> Counts:
    keys, labels, values, key_sums = [], [], [], []
    for row in rows:
        keys.append(str(row[key]))
        labels.append(str(row[label]) if row[label] is not None else "—")
        values.append(int(row["n"]))
        key_sums.append(int(row.get("k") or 0))
    return Counts(keys, labels, values, key_sums)


def _keyed(family: str | None, field: str = "id") -> dict[str, Any]:
    """The sum of the record keys (cellkey) as an annotation, when a family is given."""
    if family is None:
        return {}
    from django.db.models import Sum

    from tsunagiai.analytics.cellkey import record_key_sql

    return {"k": Sum(record_key_sql(family, field))}


# --- consultations (intakes) -----------------------------------------------------------


def intakes(f: Filters) -> QuerySet[Any]:
    """The intakes the filters select (the dashboard shows counts only: no access narrowing here)."""
    from tsunagiai.intake.models import Intake

    return Intake.objects.filter(
        f.period("received_at") & f.area("town_block") & f.organisation("receiving_organisation")
    ).order_by()


def _by(f: Filters, key: str, label: str, order: str) -> Counts:
    rows = intakes(f).values(key, label).annotate(n=Count("id")).order_by(order, key)
    return _counts(rows, key, label)


def consultations_by_window(f: Filters) -> Counts:
    return _by(f, "receiving_organisation_id", "receiving_organisation__name", "receiving_organisation__code")


def consultations_by_channel(f: Filters) -> Counts:
    return _by(f, "channel_id", "channel__label", "channel__sort_order")


def consultations_by_consulter_type(f: Filters) -> Counts:
    return _by(f, "consulter_type_id", "consulter_type__label", "consulter_type__sort_order")


MAX_MONTHS = 240


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    months: list[dt.date] = []
    current = first.replace(day=1)
    while current <= last and len(months) < MAX_MONTHS:
        months.append(current)
        current = (current + dt.timedelta(days=32)).replace(day=1)
    return months


def consultations_by_month(f: Filters) -> Counts:
    """One COUNT per month of the period as conditional aggregates over index-friendly ranges (no date
    truncation per row: on SQLite that is a Python call for every intake)."""
    selected = intakes(f)
    first, last = f.date_from, f.date_to
    if first is None or last is None:
        span = selected.aggregate(first=Min("received_at"), last=Max("received_at"))
        if span["first"] is None:
            return Counts([], [], [])
        first = first or timezone.localtime(span["first"]).date()
        last = last or timezone.localtime(span["last"]).date()
    months = _month_starts(first, last)
    if not months:
        return Counts([], [], [])
    tz = timezone.get_current_timezone()
    edges = [*months, (months[-1] + dt.timedelta(days=32)).replace(day=1)]
    starts = [dt.datetime.combine(day, dt.time.min, tzinfo=tz) for day in edges]
    counts = selected.aggregate(
        **{
            f"m{i}": Count("id", filter=Q(received_at__gte=starts[i], received_at__lt=starts[i + 1]))
            for i in range(len(months))
        }
    )
    keys = [f"{m:%Y-%m}" for m in months]
    return Counts(keys, list(keys), [int(counts[f"m{i}"]) for i in range(len(months))])


def referral_sources(f: Filters) -> Counts:
    """Consulter types grouped: community sources (民生委員, 自治区長, neighbours), agencies, self/family."""
    whens = [
        When(consulter_type_id__in=[c for c, g in SOURCE_GROUPS.items() if g == group], then=Value(group))
        for group in SOURCE_GROUP_ORDER[:-1]
    ]
    rows = (
        intakes(f)
        .annotate(source=When_(*whens, default=Value("other"), output_field=CharField()))
        .values("source")
        .annotate(n=Count("id"))
    )
    found = {row["source"]: int(row["n"]) for row in rows}
    keys = [g for g in SOURCE_GROUP_ORDER if g in found]
    return Counts(keys, [str(SOURCE_GROUP_LABELS[k]) for k in keys], [found[k] for k in keys])


def households_newly_connected(f: Filters) -> int:
    """Households with an intake in the selection and no intake at all before the period began.

    That is: their first intake falls in the period (and an intake of theirs in the period matches the
    area/organisation filters). One COUNT(DISTINCT) with a NOT EXISTS on the household's earlier intakes.
    """
    from tsunagiai.intake.models import Intake

    selected = intakes(f).filter(household_id__isnull=False)
    start, _end = f.bounds()
    if start:
        earlier = Intake.objects.filter(household_id=OuterRef("household_id"), received_at__lt=start)
        selected = selected.filter(~Exists(earlier))
    return selected.values("household_id").distinct().count()


def _core_agency_expression() -> tuple[list[str], Any]:
    """The core categories and a CASE mapping each to its agency type (tsunagiai.reference.routing policy)."""
    from tsunagiai.reference.routing import routing_policy

    by_type: dict[str, list[str]] = {}
    for code, (agency_type, core) in routing_policy().category_agency.items():
        if core:
            by_type.setdefault(agency_type, []).append(code)
    whens = [When(issuecategory_id__in=codes, then=Value(t)) for t, codes in sorted(by_type.items())]
    codes = [c for group in by_type.values() for c in group]
    return codes, When_(*whens, default=Value(""), output_field=CharField())


def _minimum_core_types() -> int:
    from tsunagiai.reference.routing import routing_policy

    return routing_policy().multi_issue_min_core_agency_types


def multi_issue(f: Filters) -> Share:
    """Intakes whose categories belong to at least two distinct core agency types (routing.md §4).

    One query: the category links of the selected intakes grouped by intake, HAVING COUNT(DISTINCT type) >= 2.
    """
    from tsunagiai.intake.models import Intake

    codes, agency = _core_agency_expression()
    links: Any = Intake.categories.through
    selected = intakes(f)
    multi = (
        links.objects.filter(intake_id__in=selected.values("id"), issuecategory_id__in=codes)
        .values("intake_id")
        .annotate(types=Count(agency, distinct=True))
        .filter(types__gte=_minimum_core_types())
        .order_by()
        .count()
    )
    return Share(multi, selected.count())


def multi_issue_households(f: Filters) -> Share:
    """Households whose intakes in the selection together span at least two core agency types."""
    from tsunagiai.intake.models import Intake

    codes, agency = _core_agency_expression()
    links: Any = Intake.categories.through
    selected = intakes(f).filter(household_id__isnull=False)
    multi = (
        links.objects.filter(intake_id__in=selected.values("id"), issuecategory_id__in=codes)
        .values("intake__household_id")
        .annotate(types=Count(agency, distinct=True))
        .filter(types__gte=_minimum_core_types())
        .order_by()
        .count()
    )
    return Share(multi, selected.values("household_id").distinct().count())


# --- referrals -------------------------------------------------------------------------


def referrals(f: Filters) -> QuerySet[Any]:
    from tsunagiai.referrals.models import Referral

    return Referral.objects.filter(
        f.period("sent_at") & f.area("household__town_block") & f.organisation("from_organisation", "to_organisation")
    ).order_by()


def referral_times(f: Filters) -> list[Any]:
    """Per receiving organisation: hours to acceptance and first contact, closed-loop rate (2 queries)."""
    from tsunagiai.referrals.selectors import referral_metrics

    return referral_metrics(referrals(f))


def declines_by_reason(f: Filters) -> Counts:
    from tsunagiai.referrals.models import ReasonCode, Status

    rows = (referrals(f).filter(status=Status.DECLINED).values("close_reason_code").annotate(n=Count("id"))).order_by(
        "close_reason_code"
    )
    labels = dict(ReasonCode.choices)
    found = [(str(r["close_reason_code"]), int(r["n"])) for r in rows]
    return Counts([k for k, _n in found], [str(labels.get(k, k or "—")) for k, _n in found], [n for _k, n in found])


# --- cases -----------------------------------------------------------------------------


def cases(f: Filters) -> QuerySet[Any]:
    from tsunagiai.cases.models import Case

    return Case.objects.filter(f.area("household__town_block") & f.organisation("lead_organisation")).order_by()


def leads_by_agency_type(f: Filters) -> Counts:
    """Open cases (opened up to the end of the period) by the agency type of their lead."""
    from tsunagiai.cases.models import Case

    _start, end = f.bounds()
    open_cases = cases(f).exclude(status=Case.Status.CLOSED)
    if end:
        open_cases = open_cases.filter(opened_at__lt=end)
    rows = (
        open_cases.values("lead_organisation__agency_type_id", "lead_organisation__agency_type__label")
        .annotate(n=Count("id"))
        .order_by("lead_organisation__agency_type__sort_order", "lead_organisation__agency_type_id")
    )
    return _counts(rows, "lead_organisation__agency_type_id", "lead_organisation__agency_type__label")


def coordination_overstay_count(f: Filters, now: dt.datetime | None = None) -> int:
    """Open cases the coordination section has led for more than N days since a specialist agency joined.

    The rule of tsunagiai.cases.selectors.coordination_overstays, as one COUNT query.
    """
    return coordination_overstay(f, now)[0]


def coordination_overstay(f: Filters, now: dt.datetime | None = None) -> tuple[int, int]:
    """(count, sum of the cases' record keys) of the overstaying cases (one query)."""
    from tsunagiai.cases.models import Case
    from tsunagiai.cases.selectors import overstaying

    late = overstaying(cases(f), now)
    found = Case.objects.filter(id__in=late.values("id")).aggregate(n=Count("id"), **_keyed("case"))
    return int(found["n"]), int(found["k"] or 0)


def gap_cases(f: Filters) -> Counts:
    """Gap cases (制度の狭間) opened in the period, by status."""
    from tsunagiai.cases.models import Case

    rows = cases(f).filter(f.period("opened_at"), is_gap_case=True).values("status").annotate(n=Count("id"))
    found = {r["status"]: int(r["n"]) for r in rows}
    keys = [s for s in Case.Status.values if s in found]
    labels = dict(Case.Status.choices)
    return Counts(keys, [str(labels[k]) for k in keys], [found[k] for k in keys])


# --- regional: unmet needs and resources per district -------------------------------


def _district_filter(f: Filters, elementary: str) -> Q:
    """Elementary districts inside the chosen area (``elementary`` is the path to an elementary-district Area)."""
    if not (f.area_level and f.area_id):
        return Q()
    path = {"elementary_district": "", "junior_high_district": "__parent", "branch_area": "__parent__parent"}
    return Q(**{f"{elementary}{path[f.area_level]}_id": f.area_id})


def unmet_needs_by_district(f: Filters, keyed: bool = False) -> Counts:
    from tsunagiai.regional.models import UnmetNeed

    rows = (
        UnmetNeed.objects.filter(f.dates("noted_on") & _district_filter(f, "area") & f.organisation("organisation"))
        .values("area_id", "area__name")
        .annotate(n=Count("id"), **_keyed("unmet_need" if keyed else None))
        .order_by("area__sort_order", "area__code")
    )
    return _counts(rows, "area_id", "area__name")


def services_by_district(f: Filters) -> Counts:
    from tsunagiai.resources.models import ServiceArea

    rows = (
        ServiceArea.objects.filter(
            _district_filter(f, "area"), area__level="elementary_district", service__status="active"
        )
        .values("area_id", "area__name")
        .annotate(n=Count("service_id"))  # (service, area) is unique: no DISTINCT needed
        .order_by("area__sort_order", "area__code")
    )
    return _counts(rows, "area_id", "area__name")


# --- community -------------------------------------------------------------------------


def _status_counts(queryset: QuerySet[Any], choices: Any, family: str | None = None) -> Counts:
    found = {
        r["status"]: (int(r["n"]), int(r.get("k") or 0))
        for r in queryset.values("status").annotate(n=Count("id"), **_keyed(family)).order_by()
    }
    keys = [s for s in choices.values if s in found]
    labels = dict(choices.choices)
    return Counts(keys, [str(labels[k]) for k in keys], [found[k][0] for k in keys], [found[k][1] for k in keys])


def help_requests_by_status(f: Filters, keyed: bool = False) -> Counts:
    from tsunagiai.community.models import HelpRequest

    queryset = HelpRequest.objects.filter(
        f.period("created_at") & f.area("town_block") & f.organisation("requested_by_organisation")
    )
    return _status_counts(queryset, HelpRequest.Status, "help_request" if keyed else None)


def volunteers_by_centre(f: Filters, keyed: bool = False) -> Counts:
    """Active volunteers by centre (those active in the area, when one is chosen): each volunteer once."""
    from tsunagiai.community.models import Volunteer

    selected = Volunteer.objects.filter(f.organisation("centre"), active=True)
    if f.area_level and f.area_id:
        selected = selected.filter(areas__id=f.area_id)
    rows = (
        Volunteer.objects.filter(id__in=selected.values("id"))
        .values("centre_id", "centre__name")
        .annotate(n=Count("id"), **_keyed("volunteer" if keyed else None))
        .order_by("centre__name")
    )
    return _counts(rows, "centre_id", "centre__name")


def participation_by_status(f: Filters, keyed: bool = False) -> Counts:
    from tsunagiai.community.models import Participation

    queryset = Participation.objects.filter(
        f.dates("proposed_on") & f.area("case__household__town_block") & f.organisation("organisation")
    )
    return _status_counts(queryset, Participation.Status, "participation" if keyed else None)


SOURCE_GROUP_LABELS = {
    "community": _("Community (民生委員, neighbourhood leaders, neighbours)"),
    "agencies": _("Agencies (incl. schools, medical, fire)"),
    "self_family": _("The person or family"),
    "anonymous": _("Anonymous"),
    "other": _("Other"),
}
