"""The analytics dashboard (C10): counts only, perturbed (the cell-key method), for analysts and those who
oversee the work; exact figures and free dates for the coordination section, which sees every record."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from tsunagiai.accounts import access
from tsunagiai.analytics import dashboard
from tsunagiai.analytics.forms import DashboardFilterForm
from tsunagiai.core.http import AuthenticatedRequest


def _drill_links(board: dashboard.Dashboard, request: AuthenticatedRequest) -> dict[str, list[str]]:
    """For staff: each count links to the intake list (which shows only what the user may see). None for analysts."""
    if not access.is_staff_member(request.user):
        return {}
    base = reverse("intake:list")
    filters = board.scope.filters()
    period = {k: str(v) for k, v in (("date_from", filters.date_from), ("date_to", filters.date_to)) if v}
    links: dict[str, list[str]] = {}
    for section in board.sections:
        if section.drill:
            links[section.key] = [f"{base}?{urlencode({**period, section.drill: key})}" for key in section.keys]
    return links


# The tables' rows are written here rather than by template loops: a few hundred cells, each several template
# nodes, were a good part of the page's time (issue 14). Every value is escaped as the template escaped it.


def _rows(section: dashboard.Section, hrefs: list[str]) -> SafeString:
    """A section's rows: the label as row header; the figure, linked to the intake list where it is a shown
    number and a link exists."""
    esc = conditional_escape
    rows = []
    for label, figure, href in zip(section.labels, section.figures, hrefs, strict=True):
        shown: str = esc(figure.display)
        if href and figure.value is not None:
            shown = f'<a href="{esc(href)}">{shown}</a>'
        rows.append(f'<tr><th scope="row">{esc(label)}</th><td>{shown}</td></tr>')
    return mark_safe("\n".join(rows))  # noqa: S308 - every value is escaped above


def _referral_rows(board: dashboard.Dashboard) -> SafeString:
    """The referral-times table's rows (numbers localized as the template did; "—" for a time withheld)."""

    def cell(value: Any) -> str:
        return str(conditional_escape("—" if value is None else localize(value)))

    return mark_safe(  # noqa: S308 - every value is escaped by cell()
        "".join(
            f'<tr><th scope="row">{cell(row["organisation"])}</th><td>{cell(row["total"].display)}</td>'
            f"<td>{cell(row['hours_to_accept'])}</td><td>{cell(row['hours_to_first_contact'])}</td>"
            f"<td>{cell(row['closed_loop'])}</td></tr>"
            for row in board.referral_rows
        )
    )


@require_GET
def dashboard_page(request: AuthenticatedRequest) -> HttpResponse:
    style = getattr(request.user, "date_style", "era") or "era"
    exact = access.is_coordination(request.user)  # sees every record anyway: exact figures, free dates
    form = DashboardFilterForm(request.GET or None, exact=exact, date_style=style)
    board = dashboard.cached(form.scope(), style)
    links = _drill_links(board, request)
    sections = []
    for section in board.sections:
        hrefs = links.get(section.key) or [""] * len(section.figures)
        sections.append({"section": section, "rows": _rows(section, hrefs) if section.figures else ""})
    context = {
        "form": form,
        "board": board,
        "sections": sections,
        "charts": board.charts(),
        "referral_rows": _referral_rows(board),
        "exact": exact,
        "period_label": board.scope.period.label(style) if board.scope.period else "",
    }
    template = "analytics/dashboard.html#body" if request.htmx else "analytics/dashboard.html"
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, template, context, status=status)
