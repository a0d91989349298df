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

from tsunagiai.cases.models import Case, TeamMember
from tsunagiai.community.models import Participation
from tsunagiai.intake.models import Intake
from tsunagiai.people.models import Household
from tsunagiai.reference.models import Area, Organisation
from tsunagiai.referrals.models import Referral
from tsunagiai.resources.models import Service
from tsunagiai.support.models import Conference, PlanRevision

# Who brought the concern (consulter type) → the seed's comparison: community sources vs agencies.
SOURCE_GROUPS: dict[str, str] = {
    "community_volunteer": "民生委員・児童委員",
    "neighborhood_leader": "その他の地域（自治区役員・近隣住民）",
    "neighbor": "その他の地域（自治区役員・近隣住民）",
    "agency": "関係機関（消防・学校・医療を含む）",
    "fire_department": "関係機関（消防・学校・医療を含む）",
    "school": "関係機関（消防・学校・医療を含む）",
    "medical": "関係機関（消防・学校・医療を含む）",
    "self": "本人・家族",
    "family": "本人・家族",
    "anonymous": "匿名",
}
SOURCE_ORDER = list(dict.fromkeys(SOURCE_GROUPS.values())) + ["その他"]
COMMUNITY_SOURCES = frozenset({"community_volunteer", "neighborhood_leader", "neighbor"})
UNKNOWN_AREA = "地区不明"
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
class MonthlyFigures:
    month: Period
    year: Period
    windows: list[Line]
    sources: list[Line]
    areas: list[AreaLine]


def monthly_figures(year: int, month: int) -> MonthlyFigures:
    """Consultations per window, sources, and by branch area: consultations, newly connected
    households, cases opened and how many of them are multi-issue, concerns from community sources.
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
    source_lines = {label: Line(label) for label in SOURCE_ORDER}
    for code in set(sources_m) | set(sources_y):
        line = source_lines[SOURCE_GROUPS.get(code, "その他")]
        line.month += sources_m.get(code, 0)
        line.year += sources_y.get(code, 0)
    sources = [line for line in source_lines.values() if line.year or line.label != "その他"]

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
    labels = {area.pk: area.name for area in branch_areas} | {None: UNKNOWN_AREA}
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
    return MonthlyFigures(this_month, to_date, windows, sources, areas)


# --- count tables (analysts) ----------------------------------------------------------

COUNT_DIMENSIONS: dict[str, tuple[str, str]] = {
    # name → (lookup on Intake, Japanese column heading)
    "channel": ("channel__label", "相談経路"),
    "consulter_type": ("consulter_type__label", "相談者"),
    "window": ("receiving_organisation__name", "受付窓口"),
}
AREA_LEVELS: dict[str, tuple[str, str]] = {
    "branch": ("town_block__branch_area__name", "地区（支所）"),
    "junior_high": ("town_block__junior_high_district__name", "中学校区"),
    "elementary": ("town_block__elementary_district__name", "小学校区"),
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
    cells: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row[area_lookup] or UNKNOWN_AREA, row[column_lookup] or "")
        cells[key] = cells.get(key, 0) + row["n"]
    row_labels = sorted({key[0] for key in cells}, key=lambda label: (label == UNKNOWN_AREA, label))
    column_labels = sorted({key[1] for key in cells})
    values = [[cells.get((r, c), 0) for c in column_labels] for r in row_labels]
    return CountMatrix(area_heading, row_labels, column_labels, values)


# --- the national reporting items (重層的支援体制整備事業) ----------------------------


@dataclass(frozen=True)
class NationalItem:
    project: str  # 事業 (社会福祉法106条の4第2項の号)
    item: str
    value: int | None  # None: the system does not record it (said, never invented)
    definition: str
    unit: str = "件"


NO_DATA = "本システムでは記録していないため、数値はありません（市で別途集計してください）。"


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
    return [
        NationalItem(
            "包括的相談支援事業（1号）",
            "相談受付件数",
            intakes.count(),
            "年度内に受け付けた相談（全窓口・全経路、消防からの通報・民生委員の報告を含む）の件数。",
        ),
        NationalItem(
            "包括的相談支援事業（1号）",
            "新たに支援につながった世帯数",
            new_households,
            "最初の相談受付が年度内にある世帯の数（世帯が特定できない匿名の相談は含まない）。",
            "世帯",
        ),
        NationalItem(
            "包括的相談支援事業（1号）",
            "相談・情報提供のみで終了した件数",
            intakes.filter(first_response=Intake.FirstResponse.INFORMATION_ONLY).count(),
            "年度内の相談のうち、初期対応が「情報提供で終了」のもの。",
        ),
        NationalItem(
            "包括的相談支援事業（1号）",
            "他制度・他機関へのつなぎ件数",
            Referral.objects.filter(_in(fy, "sent_at")).count(),
            "年度内に送った紹介（つなぎ）の件数（受け手の応答を問わない）。",
        ),
        NationalItem(
            "多機関協働事業（5号）",
            "多機関協働の対象ケース数",
            multi_agency.count(),
            "年度内に開いていたケースのうち、支援チームに2つ以上の機関が同時期に加わっていたもの。",
        ),
        NationalItem(
            "支援プラン作成（6号）",
            "プラン作成件数",
            first_plans.count(),
            "初版（第1版）の支援プランが年度内に作成されたケースの数（改定は含まない）。",
        ),
        NationalItem(
            "多機関協働事業（5号）",
            "重層的支援会議の開催回数",
            conferences.filter(kind=Conference.Kind.MULTI_LAYERED).count(),
            "年度内に開催された重層的支援会議（本人同意のある案件を扱う会議）の回数。",
            "回",
        ),
        NationalItem(
            "多機関協働事業（5号）",
            "支援会議（法106条の6）の開催回数",
            conferences.filter(Q(kind=Conference.Kind.SUPPORT_CONFERENCE_106_6) | Q(is_statutory_106_6=True)).count(),
            "年度内に開催された支援会議（同意のない案件も扱える法定の会議）の回数。",
            "回",
        ),
        NationalItem(
            "参加支援事業（2号）",
            "支援対象者数",
            participations.values("person").distinct().count(),
            "年度内に地域の資源への参加を試みた（試行日が年度内の）人の数。",
            "人",
        ),
        NationalItem(
            "参加支援事業（2号）",
            "協力事業者数",
            participations.values("service__provider").distinct().count(),
            "年度内の参加支援で参加先となった資源の提供者（事業者・団体）の数。",
            "事業者",
        ),
        NationalItem(
            "アウトリーチ等を通じた継続的支援事業（4号）",
            "アウトリーチで把握した相談件数",
            intakes.filter(channel_id="outreach").count(),
            "年度内の相談のうち、経路が「アウトリーチ（地域での発見）」のもの。4号事業としての登録・終結は"
            "本システムでは記録していないため、対象者数ではなく把握件数です。",
        ),
        NationalItem(
            "地域づくり事業（3号）",
            "拠点数",
            bases.count(),
            "サロン・居場所、子ども食堂、認知症カフェ、活躍の場として登録され、現在「提供中」の資源の数"
            "（出力時点の数。過去の年度の時点の数は記録していません）。",
            "か所",
        ),
        NationalItem(
            "地域づくり事業（3号）",
            "参加機関数",
            bases.values("provider").distinct().count(),
            "上の拠点を運営する提供者（団体・事業者）の数（出力時点）。",
            "機関",
        ),
        NationalItem("地域づくり事業（3号）", "参加者数", None, "拠点への参加者数。" + NO_DATA, "人"),
        NationalItem("自立相談支援（参考）", "就労支援対象者数", None, "就労支援の対象者数。" + NO_DATA, "人"),
        NationalItem("自立相談支援（参考）", "就労者数・増収者数", None, "就労・増収した人の数。" + NO_DATA, "人"),
    ]
