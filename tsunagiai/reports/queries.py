"""The counts behind the monthly report, the count-table export and the national reporting items.

Every figure is one aggregate query in the database (``values(...).annotate(Count(...))``),
never a Python loop over rows, so the number of queries does not grow with the data.
Periods are half-open ``[start, end)`` in Japan time; the fiscal year (年度) starts on 1 April.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tsunagiai.analytics import grid, rollup
from tsunagiai.analytics.rollup import CASE, EMPTY, INTAKE, NEW_HOUSEHOLD, UNKNOWN_AREA, Cell
from tsunagiai.cases.models import Case, TeamMember
from tsunagiai.community.models import Participation
from tsunagiai.intake.models import Intake
from tsunagiai.people.models import Person
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
UNKNOWN_AREA_LABEL = _("Area unknown")
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


# --- the monthly report (月次報告) -------------------------------------------------
# From the analytics rollup (tsunagiai.analytics.rollup): the same cells, with the same key sums, as the
# dashboard, so a figure here and there for the same records is the same figure.


@dataclass
class Line:
    """One row of a report table: a label and its cells (this month, fiscal year to date)."""

    label: str
    month: Cell = EMPTY
    year: Cell = EMPTY


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
    total: Line = field(default_factory=lambda: Line(""))


def _by(found: dict[tuple[Any, ...], Cell], position: int = 0) -> dict[Any, Cell]:
    result: dict[Any, Cell] = {}
    for key, cell in found.items():
        result[key[position]] = result.get(key[position], EMPTY) + cell
    return result


def monthly_figures(year: int, month: int) -> MonthlyFigures:
    """Consultations per window, sources, and by branch area: consultations, newly connected
    households (first intake in the period, in the area of that intake), cases opened and how many of
    them are multi-issue, concerns from community sources; and by kind of window: consultations and how
    many came from community sources. Cells (count, key sum) for the month and the fiscal year to date,
    read from the rollup in a fixed number of queries."""
    rollup.ensure_fresh()
    this_month = grid.month(year, month)
    to_date = grid.year_to_date(this_month)

    def read(family: str, **kwargs: Any) -> tuple[dict[tuple[Any, ...], Cell], dict[tuple[Any, ...], Cell]]:
        return rollup.read(family, this_month, **kwargs), rollup.read(family, to_date, **kwargs)

    totals = read(INTAKE, dimensions=["total"])
    windows = read(INTAKE, dimensions=["total"], by=("organisation",), any_organisation=True)
    window_sources = read(INTAKE, dimensions=["consulter"], by=("organisation",), any_organisation=True)
    sources = read(INTAKE, dimensions=["consulter"])
    areas = read(INTAKE, dimensions=["total", "consulter"], per_area="branch_area")
    new = read(NEW_HOUSEHOLD, per_area="branch_area")
    cases = read(CASE, dimensions=["total", "multi"], per_area="branch_area")

    organisations = {
        pk: (name, kind)
        for pk, name, kind in Organisation.objects.filter(
            pk__in={key[0] for found in windows for key in found}
        ).values_list("pk", "name", "agency_type_id")
    }
    window_lines = [
        Line(name, *(_by(found).get(pk, EMPTY) for found in windows))
        for pk, (name, _kind) in sorted(organisations.items(), key=lambda item: item[1][0])
    ]

    source_lines = {group: Line(str(SOURCE_GROUP_LABELS[group])) for group in SOURCE_ORDER}
    for index, found in enumerate(sources):
        for (_dim, code), cell in found.items():
            line = source_lines[SOURCE_GROUPS.get(code, OTHER_SOURCE)]
            if index == 0:
                line.month = line.month + cell
            else:
                line.year = line.year + cell
    source_list = [line for group, line in source_lines.items() if line.year.n or group != OTHER_SOURCE]

    def per_area(
        found: dict[tuple[Any, ...], Cell], dimension: str, codes: frozenset[str] | None = None
    ) -> dict[Any, Cell]:
        result: dict[Any, Cell] = {}
        for (area, dim, value), cell in found.items():
            if dim == dimension and (codes is None or value in codes):
                key = None if area in (None, UNKNOWN_AREA) else area
                result[key] = result.get(key, EMPTY) + cell
        return result

    branch_areas = list(Area.objects.filter(level=Area.Level.BRANCH_AREA).order_by("sort_order", "code"))
    keys: list[Any] = [area.pk for area in branch_areas] + [None]
    labels = {area.pk: area.name for area in branch_areas} | {None: str(UNKNOWN_AREA_LABEL)}
    columns = {
        "consultations": [per_area(found, "total") for found in areas],
        "community_sources": [per_area(found, "consulter", COMMUNITY_SOURCES) for found in areas],
        "new_households": [per_area(found, "total") for found in new],
        "cases_opened": [per_area(found, "total") for found in cases],
        "multi_issue": [per_area(found, "multi") for found in cases],
    }
    area_lines = []
    for key in keys:
        area_line = AreaLine(labels[key])
        for attr, (m, y) in columns.items():
            setattr(area_line, attr, Line(labels[key], m.get(key, EMPTY), y.get(key, EMPTY)))
        if key is not None or area_line.consultations.year.n or area_line.new_households.year.n:
            area_lines.append(area_line)

    kinds: dict[str, WindowKindLine] = {}
    for index, (found, by_source) in enumerate(zip(windows, window_sources, strict=True)):
        community: dict[Any, Cell] = {}
        for (org, _dim, code), cell in by_source.items():
            if code in COMMUNITY_SOURCES:
                community[org] = community.get(org, EMPTY) + cell
        for (org, _dim, _value), cell in found.items():
            kind = organisations.get(org, ("", ""))[1]
            kind_line = kinds.setdefault(kind, WindowKindLine(kind, kind, Line(kind), Line(kind)))
            parts = ((kind_line.consultations, cell), (kind_line.community_sources, community.get(org, EMPTY)))
            for target, value in parts:
                if index == 0:
                    target.month = target.month + value
                else:
                    target.year = target.year + value
    kind_labels = dict(AgencyType.objects.filter(pk__in=list(kinds)).values_list("pk", "label"))
    order = dict(AgencyType.objects.filter(pk__in=list(kinds)).values_list("pk", "sort_order"))
    kind_lines: list[WindowKindLine] = []
    for code in sorted(kinds, key=lambda c: (order.get(c, 0), c)):
        kinds[code].label = kind_labels.get(code, code)
        kind_lines.append(kinds[code])
    return MonthlyFigures(
        Period(this_month.start, this_month.end),
        Period(to_date.start, to_date.end),
        window_lines,
        source_list,
        area_lines,
        kind_lines,
        Line("", *(found.get(("total", ""), EMPTY) for found in totals)),
    )


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
    unknown = str(UNKNOWN_AREA_LABEL)
    cells: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row[area_lookup] or unknown, row[column_lookup] or "")
        cells[key] = cells.get(key, 0) + row["n"]
    row_labels = sorted({key[0] for key in cells}, key=lambda label: (label == unknown, label))
    column_labels = sorted({key[1] for key in cells})
    values = [[cells.get((r, c), 0) for c in column_labels] for r in row_labels]
    return CountMatrix(str(area_heading), row_labels, column_labels, values)


ROLLUP_LEVELS = {"branch": "branch_area", "junior_high": "junior_high_district", "elementary": "elementary_district"}
ROLLUP_DIMENSIONS = {"channel": "channel", "consulter_type": "consulter"}


@dataclass
class CellMatrix:
    """The count table as cells (count, key sum): each figure, totals included, a cell of its own."""

    row_heading: str
    row_labels: list[str]
    column_labels: list[str]
    cells: list[list[Cell]]
    row_totals: list[Cell]
    column_totals: list[Cell]
    grand_total: Cell


def consultation_cells(period: grid.GridPeriod, level: str, by: str) -> CellMatrix:
    """Consultations received in a grid period: areas (rows) × channel / consulter / window (columns),
    from the rollup (four queries, whatever the data)."""
    from tsunagiai.reference.models import ConsulterType, IntakeChannel

    rollup.ensure_fresh()
    area_level = ROLLUP_LEVELS[level]
    _lookup, area_heading = AREA_LEVELS[level]
    if by == "window":
        inner = rollup.read(
            INTAKE, period, dimensions=["total"], by=("organisation",), any_organisation=True, per_area=area_level
        )
        cells = {(area, org): cell for (area, org, _d, _v), cell in inner.items()}
        columns_found = rollup.read(INTAKE, period, dimensions=["total"], by=("organisation",), any_organisation=True)
        column_cells = {org: cell for (org, _d, _v), cell in columns_found.items()}
        labels: dict[Any, str] = dict(Organisation.objects.filter(pk__in=list(column_cells)).values_list("pk", "name"))
    else:
        dimension = ROLLUP_DIMENSIONS[by]
        inner = rollup.read(INTAKE, period, dimensions=[dimension], per_area=area_level)
        cells = {(area, value): cell for (area, _d, value), cell in inner.items()}
        column_cells = {
            value: cell for (_d, value), cell in rollup.read(INTAKE, period, dimensions=[dimension]).items()
        }
        model = IntakeChannel if by == "channel" else ConsulterType
        labels = dict(model.objects.filter(pk__in=list(column_cells)).values_list("pk", "label"))
    row_found = rollup.read(INTAKE, period, dimensions=["total"], per_area=area_level)
    unknown = str(UNKNOWN_AREA_LABEL)

    def area_key(area: Any) -> Any:
        return None if area in (None, UNKNOWN_AREA) else area

    row_cells: dict[Any, Cell] = {}
    for (area, _d, _v), cell in row_found.items():
        row_cells[area_key(area)] = row_cells.get(area_key(area), EMPTY) + cell
    merged: dict[tuple[Any, Any], Cell] = {}
    for (area, column), cell in cells.items():
        merged[(area_key(area), column)] = merged.get((area_key(area), column), EMPTY) + cell
    names = dict(Area.objects.filter(pk__in=[a for a in row_cells if a is not None]).values_list("pk", "name"))
    rows = sorted(row_cells, key=lambda a: (a is None, names.get(a, unknown)))
    columns = sorted(column_cells, key=lambda c: str(labels.get(c, c)))
    grand = rollup.read(INTAKE, period, dimensions=["total"]).get(("total", ""), EMPTY)
    return CellMatrix(
        str(area_heading),
        [names.get(a, unknown) if a is not None else unknown for a in rows],
        [str(labels.get(c, c)) for c in columns],
        [[merged.get((a, c), EMPTY) for c in columns] for a in rows],
        [row_cells[a] for a in rows],
        [column_cells[c] for c in columns],
        grand,
    )


# --- the national reporting items (重層的支援体制整備事業) ----------------------------


@dataclass(frozen=True)
class NationalItem:
    project: str  # 事業 (社会福祉法106条の4第2項の号)
    item: str
    value: Cell | None  # None: the system does not record it (said, never invented)
    definition: str
    unit: str
    public: bool = False  # counts of organisations and public places, not of people: never perturbed


def _keyed(queryset: QuerySet[Any], family: str) -> Cell:
    """Count and key sum (cellkey) of the records of a queryset, in one query."""
    from django.db.models import Sum

    from tsunagiai.analytics.cellkey import record_key_sql

    found = queryset.model.objects.filter(pk__in=queryset.values("pk")).aggregate(
        n=Count("pk"), k=Sum(record_key_sql(family))
    )
    return Cell(int(found["n"]), int(found["k"] or 0))


def _plain(count: int) -> Cell:
    return Cell(count)


NO_DATA = _("The system does not record this, so there is no figure (the city counts it separately).")


def national_items(fiscal_year: int) -> list[NationalItem]:
    """The items of the national reporting for one fiscal year (FORMS.md A-4 and B-3,
    REQUIREMENTS.md §1.2), each with its definition. Items the system does not record have no
    value and say so."""
    fy = fiscal_year_period(fiscal_year)
    rollup.ensure_fresh()
    year = grid.fiscal_year(fiscal_year)
    intakes_cell = rollup.read(INTAKE, year, dimensions=["total"]).get(("total", ""), EMPTY)
    new_households = rollup.read(NEW_HOUSEHOLD, year).get(("total", ""), EMPTY)
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
    people_supported = Person.objects.filter(pk__in=participations.values("person"))
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
            intakes_cell,
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
            _keyed(intakes.filter(first_response=Intake.FirstResponse.INFORMATION_ONLY), INTAKE),
            gettext('Consultations in the fiscal year whose first response was "ended with information".'),
            cases,
        ),
        NationalItem(
            comprehensive,
            gettext("Referrals to other schemes and agencies"),
            _keyed(Referral.objects.filter(_in(fy, "sent_at")), "referral"),
            gettext("Referrals sent in the fiscal year (whatever the receiver answered)."),
            cases,
        ),
        NationalItem(
            multi_agency_project,
            gettext("Cases of multi-agency collaboration"),
            _keyed(Case.objects.filter(pk__in=multi_agency.values("case")), CASE),
            gettext("Cases open in the fiscal year whose support team had two or more organisations at the same time."),
            cases,
        ),
        NationalItem(
            plans_project,
            gettext("Plans made"),
            _keyed(first_plans, "plan_revision"),
            gettext(
                "Cases whose first support plan (version 1) was made in the fiscal year (revisions are not counted)."
            ),
            cases,
        ),
        NationalItem(
            multi_agency_project,
            gettext("Multi-layered support meetings held"),
            _keyed(conferences.filter(kind=Conference.Kind.MULTI_LAYERED), "conference"),
            gettext(
                "Multi-layered support meetings (for matters where the person has consented) held in the fiscal year."
            ),
            meetings,
        ),
        NationalItem(
            multi_agency_project,
            gettext("Support conferences (Article 106-6) held"),
            _keyed(
                conferences.filter(Q(kind=Conference.Kind.SUPPORT_CONFERENCE_106_6) | Q(is_statutory_106_6=True)),
                "conference",
            ),
            gettext(
                "Support conferences (the statutory meetings that may handle matters without consent) held in the"
                " fiscal year."
            ),
            meetings,
        ),
        NationalItem(
            participation_project,
            gettext("People supported"),
            _keyed(people_supported, "person"),
            gettext("People who tried taking part in a community resource in the fiscal year (tried on a day in it)."),
            people,
        ),
        NationalItem(
            participation_project,
            gettext("Cooperating providers"),
            _plain(participations.values("service__provider").distinct().count()),
            gettext(
                "Providers (businesses and groups) of the resources taken part in through participation support"
                " in the fiscal year."
            ),
            pgettext("unit", "providers"),
            public=True,
        ),
        NationalItem(
            outreach_project,
            gettext("Consultations found through outreach"),
            _keyed(intakes.filter(channel_id="outreach"), INTAKE),
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
            _plain(bases.count()),
            gettext(
                "Resources registered as salons and places to be, children's meals, dementia cafés or places to be"
                ' active, and "in service" now (the number when exported; the number at a past fiscal year is'
                " not recorded)."
            ),
            pgettext("unit", "places"),
            public=True,
        ),
        NationalItem(
            community_project,
            gettext("Number of participating organisations"),
            _plain(bases.values("provider").distinct().count()),
            gettext("Providers (groups and businesses) running the bases above (when exported)."),
            pgettext("unit", "organisations"),
            public=True,
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
