"""The counts behind the monthly report, the count-table export and the national reporting items.

Every figure is one aggregate query in the database (``values(...).annotate(Count(...))``),
never a Python loop over rows, so the number of queries does not grow with the data.
Periods are half-open ``[start, end)`` in Japan time; the fiscal year (年度) starts on 1 April.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, DateTimeField, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tsunagiai.cases.models import Case, TeamMember
from tsunagiai.community.models import Participation
from tsunagiai.intake.models import Intake
from tsunagiai.people.models import Household
from tsunagiai.reference.models import AgencyType, Area, Organisation
from tsunagiai.referrals.models import Referral
from tsunagiai.resources.models import Service
from tsunagiai.support.models import Conference, PlanRevision

# Who brought the concern (consulter type) → the seed's comparison: community sources vs agencies.
# Codes are the keys; the labels are translated when a report is made.
SOURCE_GROUPS: dict[str, str] = {
    "community_volunteer": "community_volunteer",
    "neighborhood_leader": "other_community",
    "neighbor": "other_community",
    "agency": "agencies",
    "fire_department": "agencies",
    "school": "agencies",
    "medical": "agencies",
    "self": "self_or_family",
    "family": "self_or_family",
    "anonymous": "anonymous",
}
OTHER_SOURCE = "other"
SOURCE_GROUP_LABELS: dict[str, Promise] = {
    "community_volunteer": _("Community welfare volunteers"),
    "other_community": _("Other community (neighbourhood association officers, neighbours)"),
    "agencies": _("Agencies (including fire department, schools, medical)"),
    "self_or_family": _("The person or their family"),
    "anonymous": pgettext_lazy("source of a concern", "Anonymous"),
    OTHER_SOURCE: pgettext_lazy("source of a concern", "Other"),
}
SOURCE_ORDER = list(dict.fromkeys(SOURCE_GROUPS.values())) + [OTHER_SOURCE]
COMMUNITY_SOURCES = frozenset({"community_volunteer", "neighborhood_leader", "neighbor"})
UNKNOWN_AREA = _("Area unknown")
# Community places counted as 地域づくり bases (拠点): the kinds of service that are a place to meet.
COMMUNITY_BASE_TYPES = ("salon", "childrens_meal", "dementia_cafe", "active_role")


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # exclusive

    @property
    def start_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.end, dt.time.min))

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


def month_period(year: int, month: int) -> Period:
    end = dt.date(year + (month == 12), month % 12 + 1, 1)
    return Period(dt.date(year, month, 1), end)


def fiscal_year_of(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_period(fiscal_year: int) -> Period:
    return Period(dt.date(fiscal_year, 4, 1), dt.date(fiscal_year + 1, 4, 1))


def fiscal_year_to_date(month: Period) -> Period:
    return Period(dt.date(fiscal_year_of(month.start), 4, 1), month.end)


def _in(period: Period, field_name: str) -> Q:
    return Q(**{f"{field_name}__gte": period.start_at, f"{field_name}__lt": period.end_at})


def _counts(queryset: QuerySet[Any], key: str, count: str = "pk") -> dict[Any, int]:
    return {row[key]: row["n"] for row in queryset.values(key).annotate(n=Count(count, distinct=True)).order_by()}


def _first_intake_at() -> Subquery:
    return Subquery(
        Intake.objects.filter(household=OuterRef("pk")).order_by("received_at").values("received_at")[:1],
        output_field=DateTimeField(),
    )


# --- the monthly report (月次報告) -------------------------------------------------


@dataclass
class Line:
    """One row of a report table: a label and its counts (this month, fiscal year to date)."""

    label: str
    month: int = 0
    year: int = 0


@dataclass
class AreaLine:
    label: str
    consultations: Line = field(default_factory=lambda: Line(""))
    new_households: Line = field(default_factory=lambda: Line(""))
    cases_opened: Line = field(default_factory=lambda: Line(""))
    multi_issue: Line = field(default_factory=lambda: Line(""))
    community_sources: Line = field(default_factory=lambda: Line(""))


@dataclass
class WindowKindLine:
    """One kind of window (the receiving organisation's agency type): its consultations and how
    many of them came from community sources."""

    code: str
    label: str
    consultations: Line = field(default_factory=lambda: Line(""))
    community_sources: Line = field(default_factory=lambda: Line(""))


@dataclass
class MonthlyFigures:
    month: Period
    year: Period
    windows: list[Line]
    sources: list[Line]
    areas: list[AreaLine]
    window_kinds: list[WindowKindLine] = field(default_factory=list)


def _window_kind_counts(period: Period) -> dict[str, tuple[int, int]]:
    """Agency type code → (consultations, of which from community sources), one aggregate query."""
    key = "receiving_organisation__agency_type"
    rows = (
        Intake.objects.filter(_in(period, "received_at"))
        .values(key)
        .annotate(n=Count("pk"), community=Count("pk", filter=Q(consulter_type__in=COMMUNITY_SOURCES)))
        .order_by()
    )
    return {row[key]: (row["n"], row["community"]) for row in rows}


def window_kinds(this_month: Period, to_date: Period) -> list[WindowKindLine]:
    """Consultations by kind of window, month and fiscal year to date (the seed's comparison: do
    community sources bring a larger share of their concerns to the branch offices than to the
    community support centers?). Three queries: one per period, one for the labels."""
    month_counts, year_counts = _window_kind_counts(this_month), _window_kind_counts(to_date)
    kinds = AgencyType.objects.filter(pk__in=set(month_counts) | set(year_counts)).order_by("sort_order", "code")
    lines = []
    for kind in kinds:
        month_n, month_community = month_counts.get(kind.pk, (0, 0))
        year_n, year_community = year_counts.get(kind.pk, (0, 0))
        lines.append(
            WindowKindLine(
                kind.pk,
                kind.label,
                Line(kind.label, month_n, year_n),
                Line(kind.label, month_community, year_community),
            )
        )
    return lines


def monthly_figures(year: int, month: int) -> MonthlyFigures:
    """Consultations per window, sources, and by branch area: consultations, newly connected
    households, cases opened and how many of them are multi-issue, concerns from community sources;
    and by kind of window: consultations and how many came from community sources.
    A fixed number of queries (two per figure: the month and the fiscal year to date)."""
    this_month = month_period(year, month)
    to_date = fiscal_year_to_date(this_month)

    def per_period(count: Any) -> tuple[dict[Any, int], dict[Any, int]]:
        return count(this_month), count(to_date)

    windows_m, windows_y = per_period(
        lambda p: _counts(Intake.objects.filter(_in(p, "received_at")), "receiving_organisation")
    )
    org_names = dict(
        Organisation.objects.filter(pk__in=set(windows_m) | set(windows_y)).values_list("pk", "name").order_by()
    )
    windows = sorted(
        (Line(org_names[pk], windows_m.get(pk, 0), windows_y.get(pk, 0)) for pk in org_names),
        key=lambda line: (-line.year, line.label),
    )

    sources_m, sources_y = per_period(lambda p: _counts(Intake.objects.filter(_in(p, "received_at")), "consulter_type"))
    source_lines = {group: Line(str(SOURCE_GROUP_LABELS[group])) for group in SOURCE_ORDER}
    for code in set(sources_m) | set(sources_y):
        line = source_lines[SOURCE_GROUPS.get(code, OTHER_SOURCE)]
        line.month += sources_m.get(code, 0)
        line.year += sources_y.get(code, 0)
    sources = [line for group, line in source_lines.items() if line.year or group != OTHER_SOURCE]

    area_key = "town_block__branch_area"
    consult = per_period(lambda p: _counts(Intake.objects.filter(_in(p, "received_at")), area_key))
    community = per_period(
        lambda p: _counts(Intake.objects.filter(_in(p, "received_at"), consulter_type__in=COMMUNITY_SOURCES), area_key)
    )
    households = Household.objects.annotate(first_intake_at=_first_intake_at())
    new = per_period(lambda p: _counts(households.filter(_in(p, "first_intake_at")), area_key))
    case_area = "household__town_block__branch_area"
    opened = per_period(lambda p: _counts(Case.objects.filter(_in(p, "opened_at")), case_area))
    multi = per_period(lambda p: _counts(Case.objects.filter(_in(p, "opened_at"), is_multi_issue=True), case_area))

    branch_areas = list(Area.objects.filter(level=Area.Level.BRANCH_AREA).order_by("sort_order", "code"))
    keys: list[Any] = [area.pk for area in branch_areas] + [None]
    labels = {area.pk: area.name for area in branch_areas} | {None: str(UNKNOWN_AREA)}
    areas = []
    for key in keys:
        area_line = AreaLine(labels[key])
        for attr, (m, y) in (
            ("consultations", consult),
            ("new_households", new),
            ("cases_opened", opened),
            ("multi_issue", multi),
            ("community_sources", community),
        ):
            setattr(area_line, attr, Line(labels[key], m.get(key, 0), y.get(key, 0)))
        if key is not None or area_line.consultations.year or area_line.new_households.year:
            areas.append(area_line)
    return MonthlyFigures(this_month, to_date, windows, sources, areas, window_kinds(this_month, to_date))


# --- count tables (analysts) ----------------------------------------------------------

COUNT_DIMENSIONS: dict[str, tuple[str, Promise]] = {
    # name → (lookup on Intake, column heading)
    "channel": ("channel__label", _("Consultation route")),
    "consulter_type": ("consulter_type__label", pgettext_lazy("who consulted", "Consulter")),
    "window": ("receiving_organisation__name", _("Receiving window")),
}
AREA_LEVELS: dict[str, tuple[str, Promise]] = {
    "branch": ("town_block__branch_area__name", _("Area (branch office)")),
    "junior_high": ("town_block__junior_high_district__name", _("Junior-high school district")),
    "elementary": ("town_block__elementary_district__name", _("Elementary school district")),
}


@dataclass
class CountMatrix:
    row_heading: str
    row_labels: list[str]
    column_labels: list[str]
    values: list[list[int]]


def consultation_matrix(period: Period, level: str, by: str) -> CountMatrix:
    """Consultations received in the period: areas (rows) × channel / consulter / window (columns).
    One query."""
    area_lookup, area_heading = AREA_LEVELS[level]
    column_lookup, _heading = COUNT_DIMENSIONS[by]
    rows = (
        Intake.objects.filter(_in(period, "received_at"))
        .values(area_lookup, column_lookup)
        .annotate(n=Count("pk"))
        .order_by()
    )
    unknown = str(UNKNOWN_AREA)
    cells: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row[area_lookup] or unknown, row[column_lookup] or "")
        cells[key] = cells.get(key, 0) + row["n"]
    row_labels = sorted({key[0] for key in cells}, key=lambda label: (label == unknown, label))
    column_labels = sorted({key[1] for key in cells})
    values = [[cells.get((r, c), 0) for c in column_labels] for r in row_labels]
    return CountMatrix(str(area_heading), row_labels, column_labels, values)


# --- the national reporting items (重層的支援体制整備事業) ----------------------------


@dataclass(frozen=True)
class NationalItem:
    project: str  # 事業 (社会福祉法106条の4第2項の号)
    item: str
    value: int | None  # None: the system does not record it (said, never invented)
    definition: str
    unit: str


NO_DATA = _("The system does not record this, so there is no figure (the city counts it separately).")


def national_items(fiscal_year: int) -> list[NationalItem]:
    """The items of the national reporting for one fiscal year (FORMS.md A-4 and B-3,
    REQUIREMENTS.md §1.2), each with its definition. Items the system does not record have no
    value and say so."""
    fy = fiscal_year_period(fiscal_year)
    intakes = Intake.objects.filter(_in(fy, "received_at"))
    cases_in_year = Case.objects.filter(opened_at__lt=fy.end_at).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=fy.start_at)
    )
    multi_agency = (
        TeamMember.objects.filter(case__in=cases_in_year, joined_at__lt=fy.end_at)
        .filter(Q(left_at__isnull=True) | Q(left_at__gte=fy.start_at))
        .values("case")
        .annotate(orgs=Count("organisation", distinct=True))
        .filter(orgs__gte=2)
    )
    first_plans = PlanRevision.objects.filter(number=1, created_at__gte=fy.start_at, created_at__lt=fy.end_at)
    conferences = Conference.objects.filter(held_on__gte=fy.start, held_on__lt=fy.end)
    participations = Participation.objects.filter(tried_on__gte=fy.start, tried_on__lt=fy.end)
    bases = Service.objects.filter(service_types__code__in=COMMUNITY_BASE_TYPES, status="active").distinct()
    new_households = (
        Household.objects.annotate(first_intake_at=_first_intake_at()).filter(_in(fy, "first_intake_at")).count()
    )
    comprehensive = gettext("Comprehensive consultation support (item 1)")
    multi_agency_project = gettext("Multi-agency collaboration (item 5)")
    plans_project = gettext("Support plans (item 6)")
    participation_project = gettext("Participation support (item 2)")
    outreach_project = gettext("Continuous support through outreach (item 4)")
    community_project = gettext("Community building (item 3)")
    self_reliance = gettext("Self-reliance consultation support (for reference)")
    cases = pgettext("unit", "cases")
    people = pgettext("unit", "people")
    meetings = pgettext("unit", "meetings")
    no_data = {"no_data": str(NO_DATA)}
    return [
        NationalItem(
            comprehensive,
            gettext("Consultations received"),
            intakes.count(),
            gettext(
                "Consultations received in the fiscal year (every window and route, including fire department"
                " notices and community welfare volunteers' reports)."
            ),
            cases,
        ),
        NationalItem(
            comprehensive,
            gettext("Households newly connected to support"),
            new_households,
            gettext(
                "Households whose first consultation was received in the fiscal year (anonymous consultations,"
                " whose household is not known, are not included)."
            ),
            pgettext("unit", "households"),
        ),
        NationalItem(
            comprehensive,
            gettext("Ended with consultation or information only"),
            intakes.filter(first_response=Intake.FirstResponse.INFORMATION_ONLY).count(),
            gettext('Consultations in the fiscal year whose first response was "ended with information".'),
            cases,
        ),
        NationalItem(
            comprehensive,
            gettext("Referrals to other schemes and agencies"),
            Referral.objects.filter(_in(fy, "sent_at")).count(),
            gettext("Referrals sent in the fiscal year (whatever the receiver answered)."),
            cases,
        ),
        NationalItem(
            multi_agency_project,
            gettext("Cases of multi-agency collaboration"),
            multi_agency.count(),
            gettext("Cases open in the fiscal year whose support team had two or more organisations at the same time."),
            cases,
        ),
        NationalItem(
            plans_project,
            gettext("Plans made"),
            first_plans.count(),
            gettext(
                "Cases whose first support plan (version 1) was made in the fiscal year (revisions are not counted)."
            ),
            cases,
        ),
        NationalItem(
            multi_agency_project,
            gettext("Multi-layered support meetings held"),
            conferences.filter(kind=Conference.Kind.MULTI_LAYERED).count(),
            gettext(
                "Multi-layered support meetings (for matters where the person has consented) held in the fiscal year."
            ),
            meetings,
        ),
        NationalItem(
            multi_agency_project,
            gettext("Support conferences (Article 106-6) held"),
            conferences.filter(Q(kind=Conference.Kind.SUPPORT_CONFERENCE_106_6) | Q(is_statutory_106_6=True)).count(),
            gettext(
                "Support conferences (the statutory meetings that may handle matters without consent) held in the"
                " fiscal year."
            ),
            meetings,
        ),
        NationalItem(
            participation_project,
            gettext("People supported"),
            participations.values("person").distinct().count(),
            gettext("People who tried taking part in a community resource in the fiscal year (tried on a day in it)."),
            people,
        ),
        NationalItem(
            participation_project,
            gettext("Cooperating providers"),
            participations.values("service__provider").distinct().count(),
            gettext(
                "Providers (businesses and groups) of the resources taken part in through participation support"
                " in the fiscal year."
            ),
            pgettext("unit", "providers"),
        ),
        NationalItem(
            outreach_project,
            gettext("Consultations found through outreach"),
            intakes.filter(channel_id="outreach").count(),
            gettext(
                'Consultations in the fiscal year whose route was "outreach (found in the community)". The system'
                " does not record registration and closing as item 4 support, so this is the number found, not"
                " the number of people supported."
            ),
            cases,
        ),
        NationalItem(
            community_project,
            gettext("Bases"),
            bases.count(),
            gettext(
                "Resources registered as salons and places to be, children's meals, dementia cafés or places to be"
                ' active, and "in service" now (the number when exported; the number at a past fiscal year is'
                " not recorded)."
            ),
            pgettext("unit", "places"),
        ),
        NationalItem(
            community_project,
            gettext("Number of participating organisations"),
            bases.values("provider").distinct().count(),
            gettext("Providers (groups and businesses) running the bases above (when exported)."),
            pgettext("unit", "organisations"),
        ),
        NationalItem(
            community_project,
            gettext("Participants"),
            None,
            gettext("Participants at the bases. %(no_data)s") % no_data,
            people,
        ),
        NationalItem(
            self_reliance,
            gettext("People in employment support"),
            None,
            gettext("People in employment support. %(no_data)s") % no_data,
            people,
        ),
        NationalItem(
            self_reliance,
            gettext("People employed or with higher income"),
            None,
            gettext("People who found work or earn more. %(no_data)s") % no_data,
            people,
        ),
    ]
