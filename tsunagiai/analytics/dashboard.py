"""The dashboard: the KPIs for one scope (period, area, organisation), published, cached.

Two ways to compute it:

- **a period of the publication grid** (a month, fiscal quarter or fiscal year; the only periods users
  without exact access may choose): from the rollup (``rollup.read``), a fixed number of small queries
  whatever the amount of data. Figures are perturbed by the cell-key method (``cellkey.published``) —
  or exact for those who see every record anyway (the coordination section);
- **free dates** (the coordination section only): exact, computed from the records (``kpis``).

Tables are not additive: every figure, totals included, is perturbed as a cell of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tsunagiai.analytics import cellkey, kpis, rollup
from tsunagiai.analytics.cellkey import THRESHOLD, Figure, State
from tsunagiai.analytics.grid import GridPeriod
from tsunagiai.analytics.kpis import SOURCE_GROUP_LABELS, SOURCE_GROUP_ORDER, SOURCE_GROUPS, Counts, Filters
from tsunagiai.analytics.rollup import CASE, HOUSEHOLD, INTAKE, NEW_HOUSEHOLD, REFERRAL, Cell
from tsunagiai.core.eras import era_year

CACHE_PREFIX = "analytics:dashboard:v2"


def cache_seconds() -> int:
    return int(getattr(settings, "ANALYTICS_CACHE_SECONDS", 300))


@dataclass(frozen=True)
class Scope:
    """What the dashboard shows: a grid period or free dates, an area, an organisation; exact or not."""

    period: GridPeriod | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    area_level: str = ""
    area_id: int | None = None
    organisation_id: int | None = None
    exact: bool = False

    def filters(self) -> Filters:
        start = self.period.start if self.period else self.date_from
        last = self.period.last_day if self.period else self.date_to
        return Filters(start, last, self.area_level, self.area_id, self.organisation_id)

    def cache_key(self) -> str:
        period = self.period.code if self.period else f"{self.date_from or ''}~{self.date_to or ''}"
        return f"{period}|{self.area_id or ''}|{self.organisation_id or ''}|{int(self.exact)}"


@dataclass(frozen=True)
class Section:
    """One chart and its table."""

    key: str
    title: str
    labels: tuple[str, ...]
    figures: tuple[Figure, ...]
    total: Figure
    keys: tuple[str, ...]  # one per column: the value a drill-down link filters on
    chart: str = "bar"  # "bar" | "line"
    drill: str = ""  # the intake-list filter a column's key fills ("receiving_organisation", "channel", ...)

    def chart_data(self) -> dict[str, Any]:
        """What static/js/dashboard.js draws: a "<5" is drawn as nothing and labelled "<5"."""
        return {
            "id": f"chart-{self.key}",
            "type": self.chart,
            "title": self.title,
            "labels": list(self.labels),
            "values": [f.value if f.state is State.SHOWN else None for f in self.figures],
            "displays": [f.display for f in self.figures],
        }


@dataclass(frozen=True)
class Card:
    key: str
    title: str
    figure: Figure
    detail: str = ""
    percent: bool = False


@dataclass
class Dashboard:
    scope: Scope
    cards: list[Card] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    referral_rows: list[dict[str, Any]] = field(default_factory=list)

    def charts(self) -> list[dict[str, Any]]:
        return [s.chart_data() for s in self.sections]


def month_label(key: str, style: str) -> str:
    """ "2025-04" as 令和7年4月 (era) or 2025年4月 (western), the user's choice (User.date_style)."""
    try:
        first = dt.date(int(key[:4]), int(key[5:7]), 1)
    except ValueError:
        return key
    return f"{era_year(first) if style == 'era' else f'{first.year}年'}{first.month}月"


# --- publishing ------------------------------------------------------------------------------


class Publisher:
    """Turns cells (count, key sum) into figures: perturbed, or exact for the coordination section."""

    def __init__(self, exact: bool) -> None:
        self.exact = exact

    def figure(self, cell: Cell) -> Figure:
        return cellkey.published(cell.n, cell.key_sum, exact=self.exact)

    def share_card(self, key: str, title: str, part: Cell, whole: Cell) -> Card:
        part_figure, whole_figure = self.figure(part), self.figure(whole)
        rate = cellkey.rate(part_figure, whole_figure)
        detail = _("%(part)s of %(whole)s") % {"part": part_figure.display, "whole": whole_figure.display}
        if rate is None:
            return Card(key, title, Figure(None, State.WITHHELD), detail, percent=True)
        return Card(key, title, Figure(round(rate * 100), State.SHOWN), detail, percent=True)

    def section(
        self,
        key: str,
        title: str,
        entries: Sequence[tuple[str, str, Cell]],
        whole: Cell,
        *,
        chart: str = "bar",
        drill: str = "",
    ) -> Section:
        """``entries``: (key, label, cell) for every label with records; ``whole``: the cell of the total."""
        return Section(
            key,
            title,
            tuple(label for _k, label, _c in entries),
            tuple(self.figure(cell) for _k, _l, cell in entries),
            self.figure(whole),
            tuple(k for k, _l, _c in entries),
            chart,
            drill,
        )

    def counts(self, key: str, title: str, counts: Counts, **kwargs: Any) -> Section:
        sums = counts.key_sums or [0] * len(counts.values)
        entries = [
            (k, label, Cell(n, s))
            for k, label, n, s in zip(counts.keys, counts.labels, counts.values, sums, strict=True)
        ]
        return self.section(key, title, entries, Cell(counts.total, counts.total_key_sum), **kwargs)


# --- labels (reference data) ------------------------------------------------------------------


def _labels(model: Any, keys: Iterable[Any], field: str, order: Sequence[str]) -> list[tuple[str, str]]:
    wanted = {str(k) for k in keys if k not in (None, "")}
    if not wanted:
        return []
    rows = model.objects.filter(pk__in=wanted).order_by(*order).values_list("pk", field)
    return [(str(pk), str(label)) for pk, label in rows]


def _entries(found: dict[str, Cell], labels: list[tuple[str, str]]) -> list[tuple[str, str, Cell]]:
    return [(k, label, found[k]) for k, label in labels if k in found and found[k].n]


# --- the grid: from the rollup ------------------------------------------------------------------


def _grid(scope: Scope, style: str) -> Dashboard:
    from tsunagiai.reference.models import AgencyType, ConsulterType, IntakeChannel, Organisation
    from tsunagiai.referrals.models import ReasonCode

    if scope.period is None:
        raise ValueError("a grid period is needed")
    period, org = scope.period, scope.organisation_id
    area = (scope.area_level, scope.area_id) if scope.area_level and scope.area_id else None
    publish = Publisher(scope.exact)
    board = Dashboard(scope)

    intake = rollup.read(INTAKE, period, area=area, organisation=org)
    whole = intake.get(("total", ""), Cell())
    windows = rollup.read(INTAKE, period, area=area, dimensions=["total"], by=("organisation",), any_organisation=True)
    by_window = {str(o): c for (o, _d, _v), c in windows.items() if org is None or o == org}
    months = rollup.read(INTAKE, period, area=area, organisation=org, dimensions=["total"], by=("period",))
    households = rollup.read(HOUSEHOLD, period, area=area, organisation=org)
    new = rollup.read(NEW_HOUSEHOLD, period, area=area, organisation=org)
    referrals = rollup.read(REFERRAL, period, area=area, organisation=org)
    cases = rollup.read(CASE, period, area=area, organisation=org, dimensions=["gap"])
    open_cases = rollup.cumulative(CASE, period, area=area, organisation=org, dimensions=["open_lead_type"])

    def dimension(found: dict[tuple[Any, ...], Cell], name: str) -> dict[str, Cell]:
        return {str(value): cell for (dim, value), cell in found.items() if dim == name}

    filters = scope.filters()
    overstay = kpis.coordination_overstay(filters)
    today = timezone.localdate()
    board.cards = [
        Card("consultations", _("Consultations"), publish.figure(whole)),
        Card("new_households", _("Households newly connected"), publish.figure(new.get(("total", ""), Cell()))),
        publish.share_card("multi_issue", _("Multi-issue share (intakes)"), intake.get(("multi", "1"), Cell()), whole),
        publish.share_card(
            "multi_issue_households",
            _("Multi-issue share (households)"),
            households.get(("multi", "1"), Cell()),
            households.get(("total", ""), Cell()),
        ),
        Card("overstay", _("Coordination-section overstay"), publish.figure(Cell(*overstay))),
    ]
    channels = dimension(intake, "channel")
    consulters = dimension(intake, "consulter")
    sources: dict[str, Cell] = {}
    for code, cell in consulters.items():
        group = SOURCE_GROUPS.get(code, "other")
        sources[group] = sources.get(group, Cell()) + cell
    month_cells = {f"{m:%Y-%m}": c for (m, _d, _v), c in months.items()}
    declines = dimension(referrals, "declined")
    reasons = dict(ReasonCode.choices)
    leads = {str(v): c for (_d, v), c in open_cases.items()}
    gaps = {str(v): c for (_d, v), c in cases.items()}
    from tsunagiai.cases.models import Case

    statuses = dict(Case.Status.choices)
    board.sections = [
        publish.section(
            "window",
            _("Consultations by window"),
            _entries(by_window, _labels(Organisation, by_window, "name", ("code",))),
            whole,
            drill="receiving_organisation",
        ),
        publish.section(
            "channel",
            _("Consultations by channel"),
            _entries(channels, _labels(IntakeChannel, channels, "label", ("sort_order", "code"))),
            whole,
            drill="channel",
        ),
        publish.section(
            "consulter",
            _("Consultations by consulter"),
            _entries(consulters, _labels(ConsulterType, consulters, "label", ("sort_order", "code"))),
            whole,
        ),
        publish.section(
            "month",
            _("Consultations by month"),
            [
                (f"{m:%Y-%m}", month_label(f"{m:%Y-%m}", style), month_cells.get(f"{m:%Y-%m}", Cell()))
                for m in period.months()
                if m <= today
            ],
            whole,
            chart="line",
        ),
        publish.section(
            "sources",
            _("Referral sources"),
            [(g, str(SOURCE_GROUP_LABELS[g]), sources[g]) for g in SOURCE_GROUP_ORDER if g in sources],
            whole,
        ),
        publish.section(
            "declines",
            _("Referral declines by reason"),
            [(k, str(reasons.get(k, k or "—")), declines[k]) for k in sorted(declines)],
            rollup.total(declines.values()),
        ),
        publish.section(
            "leads",
            _("Open cases by lead agency type"),
            _entries(leads, _labels(AgencyType, leads, "label", ("sort_order", "code"))),
            rollup.total(leads.values()),
        ),
        publish.section(
            "gap",
            _("Gap cases (制度の狭間) by status"),
            [(s, str(statuses[s]), gaps[s]) for s in Case.Status.values if s in gaps],
            rollup.total(gaps.values()),
        ),
        *_live_sections(publish, filters, keyed=not scope.exact),
    ]
    board.referral_rows = _referral_rows(publish, referrals)
    return board


def _referral_rows(publish: Publisher, referrals: dict[tuple[Any, ...], Cell]) -> list[dict[str, Any]]:
    from tsunagiai.reference.models import Organisation

    per: dict[str, dict[str, Cell]] = {}
    for (dim, value), cell in referrals.items():
        if dim.startswith("to"):
            per.setdefault(str(value), {})[dim] = cell
    rows = []
    for pk, name in sorted(_labels(Organisation, per, "name", ("code",)), key=lambda item: item[1]):
        cells = per[pk]
        total = cells.get("to", Cell())
        figure = publish.figure(total)
        enough = total.n >= THRESHOLD and figure.state is State.SHOWN
        accepted, contacted = cells.get("to_accepted", Cell()), cells.get("to_contacted", Cell())
        rows.append(
            {
                "organisation": name,
                "total": figure,
                "hours_to_accept": round(accepted.amount / accepted.n, 1) if enough and accepted.n else None,
                "hours_to_first_contact": round(contacted.amount / contacted.n, 1) if enough and contacted.n else None,
                "closed_loop": cellkey.share(publish.figure(cells.get("to_loop", Cell())), figure)
                if enough
                else cellkey.NO_SHARE,
            }
        )
    return rows


def _live_sections(publish: Publisher, filters: Filters, *, keyed: bool) -> list[Section]:
    """Figures from tables outside the rollup (small: resources, the community, unmet needs)."""
    services = kpis.services_by_district(filters)
    return [
        publish.counts("unmet", _("Unmet needs by elementary district"), kpis.unmet_needs_by_district(filters, keyed)),
        # Services are the public resource directory, not people: exact for everyone.
        Publisher(exact=True).counts("services", _("Services by elementary district"), services),
        publish.counts("help", _("Help requests by status"), kpis.help_requests_by_status(filters, keyed)),
        publish.counts("volunteers", _("Active volunteers by centre"), kpis.volunteers_by_centre(filters, keyed)),
        publish.counts("participation", _("Participation by status"), kpis.participation_by_status(filters, keyed)),
    ]


# --- free dates: exact, from the records ---------------------------------------------------------


def _months(counts: Counts, style: str) -> Counts:
    return Counts(counts.keys, [month_label(k, style) for k in counts.keys], counts.values)


def _free(scope: Scope, style: str) -> Dashboard:
    """Exact figures for any dates (the coordination section only; never perturbed)."""
    filters = scope.filters()
    publish = Publisher(exact=True)
    board = Dashboard(scope)
    by_window = kpis.consultations_by_window(filters)

    def share(key: str, title: str, found: kpis.Share) -> Card:
        return publish.share_card(key, title, Cell(found.part), Cell(found.whole))

    board.cards = [
        Card("consultations", _("Consultations"), publish.figure(Cell(by_window.total))),
        Card(
            "new_households",
            _("Households newly connected"),
            publish.figure(Cell(kpis.households_newly_connected(filters))),
        ),
        share("multi_issue", _("Multi-issue share (intakes)"), kpis.multi_issue(filters)),
        share("multi_issue_households", _("Multi-issue share (households)"), kpis.multi_issue_households(filters)),
        Card(
            "overstay",
            _("Coordination-section overstay"),
            publish.figure(Cell(kpis.coordination_overstay_count(filters))),
        ),
    ]
    board.sections = [
        publish.counts("window", _("Consultations by window"), by_window, drill="receiving_organisation"),
        publish.counts(
            "channel", _("Consultations by channel"), kpis.consultations_by_channel(filters), drill="channel"
        ),
        publish.counts("consulter", _("Consultations by consulter"), kpis.consultations_by_consulter_type(filters)),
        publish.counts(
            "month", _("Consultations by month"), _months(kpis.consultations_by_month(filters), style), chart="line"
        ),
        publish.counts("sources", _("Referral sources"), kpis.referral_sources(filters)),
        publish.counts("declines", _("Referral declines by reason"), kpis.declines_by_reason(filters)),
        publish.counts("leads", _("Open cases by lead agency type"), kpis.leads_by_agency_type(filters)),
        publish.counts("gap", _("Gap cases (制度の狭間) by status"), kpis.gap_cases(filters)),
        *_live_sections(publish, filters, keyed=False),
    ]
    board.referral_rows = [
        {
            "organisation": m.organisation_name,
            "total": Figure(m.total, State.SHOWN),
            "hours_to_accept": m.hours_to_accept,
            "hours_to_first_contact": m.hours_to_first_contact,
            "closed_loop": f"{m.closed_loop_rate * 100:.1f}%",
        }
        for m in kpis.referral_times(filters)
    ]
    return board


def build(scope: Scope, date_style: str = "era") -> Dashboard:
    """Every KPI for the scope (a fixed number of aggregate queries)."""
    if scope.period is not None:
        rollup.ensure_fresh()
        return _grid(scope, date_style)
    if not scope.exact:
        raise ValueError("free periods are for users who see exact figures")
    return _free(scope, date_style)


def cached(scope: Scope, date_style: str = "era") -> Dashboard:
    """The dashboard from the cache, keyed by the scope, the language, the date style and the version of
    the rollup months it covers: a change in April leaves the dashboards of earlier periods cached (and
    of later ones, unless they count open cases). Figures from tables outside the rollup (the community,
    resources, unmet needs) may lag by at most ANALYTICS_CACHE_SECONDS (300 s by default).
    """
    rollup.ensure_fresh()
    end = scope.period.end if scope.period else (scope.date_to + dt.timedelta(days=1) if scope.date_to else None)
    version = rollup.version(end=end)
    key = f"{CACHE_PREFIX}:{get_language()}:{date_style}:{version}:{scope.cache_key()}"
    board = cache.get(key)
    if board is None:
        board = build(scope, date_style)
        cache.set(key, board, cache_seconds())
    return board  # type: ignore[no-any-return]
