"""The dashboard: the KPIs for one set of filters, suppressed, cached per filter and data version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tsunagiai.analytics import kpis
from tsunagiai.analytics.kpis import Counts, Filters, Share
from tsunagiai.analytics.suppression import THRESHOLD, Figure, State, SuppressedTable, suppress
from tsunagiai.core.eras import era_year

CACHE_PREFIX = "analytics:dashboard:v1"


def cache_seconds() -> int:
    return int(getattr(settings, "ANALYTICS_CACHE_SECONDS", 300))


@dataclass(frozen=True)
class Section:
    """One chart and its table."""

    key: str
    title: str
    table: SuppressedTable
    keys: tuple[str, ...]  # one per column: the value a drill-down link filters on
    chart: str = "bar"  # "bar" | "line"
    drill: str = ""  # the intake-list filter a column's key fills ("receiving_organisation", "channel", ...)

    def chart_data(self) -> dict[str, Any]:
        """What static/js/dashboard.js draws: a suppressed figure is drawn as nothing and labelled "<5"/"x"."""
        cells = self.table.cells[0] if self.table.cells else ()
        return {
            "id": f"chart-{self.key}",
            "type": self.chart,
            "title": self.title,
            "labels": list(self.table.column_labels),
            "values": [f.value if f.state is State.SHOWN else None for f in cells],
            "displays": [f.display for f in cells],
        }


@dataclass(frozen=True)
class Card:
    key: str
    title: str
    figure: Figure
    detail: str = ""


@dataclass
class Dashboard:
    filters: Filters
    cards: list[Card] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    referral_rows: list[dict[str, Any]] = field(default_factory=list)

    def charts(self) -> list[dict[str, Any]]:
        return [s.chart_data() for s in self.sections]


def _figure(value: int) -> Figure:
    """A single count: "<5" under the threshold (a lone figure has no margins to hide it further)."""
    return Figure(None, State.SMALL) if 0 < value < THRESHOLD else Figure(value, State.SHOWN)


def _share_card(key: str, title: str, share: Share) -> Card:
    part, whole = _figure(share.part), _figure(share.whole)
    if part.state is State.SHOWN and whole.state is State.SHOWN and share.rate is not None:
        detail = _("%(part)s of %(whole)s (%(rate).0f%%)") % {
            "part": part.display,
            "whole": whole.display,
            "rate": share.rate * 100,
        }
        return Card(key, title, Figure(round(share.rate * 100), State.SHOWN), detail)
    detail = _("%(part)s of %(whole)s") % {"part": part.display, "whole": whole.display}
    return Card(key, title, Figure(None, State.WITHHELD), detail)


def _section(key: str, title: str, counts: Counts, *, chart: str = "bar", drill: str = "") -> Section:
    return Section(key, title, suppress(counts.table(title)), tuple(counts.keys), chart, drill)


def month_label(key: str, style: str) -> str:
    """ "2025-04" as 令和7年4月 (era) or 2025年4月 (western), the user's choice (User.date_style)."""
    try:
        first = dt.date(int(key[:4]), int(key[5:7]), 1)
    except ValueError:
        return key
    return f"{era_year(first) if style == 'era' else f'{first.year}年'}{first.month}月"


def _months(counts: Counts, style: str) -> Counts:
    return Counts(counts.keys, [month_label(k, style) for k in counts.keys], counts.values)


def build(filters: Filters, date_style: str = "era") -> Dashboard:
    """Every KPI for the filters, suppressed (a fixed number of aggregate queries)."""
    board = Dashboard(filters)
    by_window = kpis.consultations_by_window(filters)
    months = kpis.consultations_by_month(filters)
    board.cards = [
        Card("consultations", _("Consultations"), _figure(by_window.total)),
        Card("new_households", _("Households newly connected"), _figure(kpis.households_newly_connected(filters))),
        _share_card("multi_issue", _("Multi-issue share (intakes)"), kpis.multi_issue(filters)),
        _share_card(
            "multi_issue_households", _("Multi-issue share (households)"), kpis.multi_issue_households(filters)
        ),
        Card("overstay", _("Coordination-section overstay"), _figure(kpis.coordination_overstay_count(filters))),
    ]
    board.sections = [
        _section("window", _("Consultations by window"), by_window, drill="receiving_organisation"),
        _section("channel", _("Consultations by channel"), kpis.consultations_by_channel(filters), drill="channel"),
        _section("consulter", _("Consultations by consulter"), kpis.consultations_by_consulter_type(filters)),
        _section(
            "month",
            _("Consultations by month"),
            _months(months, date_style),
            chart="line",
        ),
        _section("sources", _("Referral sources"), kpis.referral_sources(filters)),
        _section("declines", _("Referral declines by reason"), kpis.declines_by_reason(filters)),
        _section("leads", _("Open cases by lead agency type"), kpis.leads_by_agency_type(filters)),
        _section("gap", _("Gap cases (制度の狭間) by status"), kpis.gap_cases(filters)),
        _section("unmet", _("Unmet needs by elementary district"), kpis.unmet_needs_by_district(filters)),
        _section("services", _("Services by elementary district"), kpis.services_by_district(filters)),
        _section("help", _("Help requests by status"), kpis.help_requests_by_status(filters)),
        _section("volunteers", _("Active volunteers by centre"), kpis.volunteers_by_centre(filters)),
        _section("participation", _("Participation by status"), kpis.participation_by_status(filters)),
    ]
    board.referral_rows = [
        {
            "organisation": m.organisation_name,
            "total": _figure(m.total),
            "hours_to_accept": m.hours_to_accept if m.total >= THRESHOLD else None,
            "hours_to_first_contact": m.hours_to_first_contact if m.total >= THRESHOLD else None,
            "closed_loop": (f"{m.closed_loop_rate * 100:.0f}%" if m.total >= THRESHOLD else "—"),
        }
        for m in kpis.referral_times(filters)
    ]
    return board


def cached(filters: Filters, date_style: str = "era") -> Dashboard:
    """The dashboard from the cache, keyed by the filters, the language and the data version (kpis.data_version).

    A change to an intake, referral or case changes the version, so the next request recomputes; other
    figures (community, resources) may lag by at most ANALYTICS_CACHE_SECONDS (300 s by default).
    """
    key = f"{CACHE_PREFIX}:{get_language()}:{date_style}:{kpis.data_version()}:{filters.cache_key()}"
    board = cache.get(key)
    if board is None:
        board = build(filters, date_style)
        cache.set(key, board, cache_seconds())
    return board  # type: ignore[no-any-return]
