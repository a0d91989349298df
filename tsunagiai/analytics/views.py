"""The analytics dashboard (C10): counts only, perturbed (the cell-key method), for analysts and those who
oversee the work; exact figures and free dates for the coordination section, which sees every record."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
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
        cells = list(zip(section.labels, section.figures, hrefs, strict=True))
        sections.append({"section": section, "cells": cells})
    context = {
        "form": form,
        "board": board,
        "sections": sections,
        "charts": board.charts(),
        "exact": exact,
        "period_label": board.scope.period.label(style) if board.scope.period else "",
    }
    template = "analytics/dashboard.html#body" if request.htmx else "analytics/dashboard.html"
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, template, context, status=status)
