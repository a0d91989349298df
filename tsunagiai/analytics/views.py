"""The analytics dashboard (C10): counts only, suppressed, for analysts and those who oversee the work."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from tsunagiai.accounts import access
from tsunagiai.analytics import dashboard
from tsunagiai.analytics.forms import DashboardFilterForm
from tsunagiai.intake.views import AuthenticatedRequest


def _drill_links(board: dashboard.Dashboard, request: AuthenticatedRequest) -> dict[str, list[str]]:
    """For staff: each count links to the intake list (which shows only what the user may see). None for analysts."""
    if not access.is_staff_member(request.user):
        return {}
    base = reverse("intake:list")
    period = {k: str(v) for k, v in (("date_from", board.filters.date_from), ("date_to", board.filters.date_to)) if v}
    links: dict[str, list[str]] = {}
    for section in board.sections:
        if section.drill:
            links[section.key] = [f"{base}?{urlencode({**period, section.drill: key})}" for key in section.keys]
    return links


@require_GET
def dashboard_page(request: AuthenticatedRequest) -> HttpResponse:
    if not access.may_view_dashboard(request.user):
        raise PermissionDenied
    form = DashboardFilterForm(request.GET or None)
    board = dashboard.cached(form.filters(), getattr(request.user, "date_style", "era") or "era")
    links = _drill_links(board, request)
    sections = []
    for section in board.sections:
        figures = section.table.cells[0] if section.table.cells else ()
        hrefs = links.get(section.key) or [""] * len(figures)
        cells = list(zip(section.table.column_labels, figures, hrefs, strict=True))
        sections.append({"section": section, "cells": cells})
    context = {"form": form, "board": board, "sections": sections, "charts": board.charts()}
    template = "analytics/dashboard.html#body" if request.htmx else "analytics/dashboard.html"
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, template, context, status=status)
