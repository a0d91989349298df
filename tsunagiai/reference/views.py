"""The read-only directory: organisations, one organisation, and the area tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tsunagiai.accounts import access
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.reference import selectors
from tsunagiai.reference.forms import DirectoryFilterForm
from tsunagiai.reference.models import Area

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

PAGE_SIZE = 50


def _require_directory_access(user: User) -> None:
    """Staff of any organisation and administrators read the directory; others find nothing here."""
    if not (access.is_staff_member(user) or access.may_manage_reference(user)):
        raise Http404


@require_GET
def organisation_list(request: AuthenticatedRequest) -> HttpResponse:
    _require_directory_access(request.user)
    form = DirectoryFilterForm(request.GET)
    agency_type: str | None = None
    area: Area | None = None
    if form.is_valid():
        agency_type = form.cleaned_data["agency_type"] or None
        if form.cleaned_data["area"]:
            area = selectors.area_by_code(form.cleaned_data["area"])
    page = Paginator(selectors.organisation_directory(agency_type=agency_type, area=area), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"form": form, "page": page, "area": area}
    template = "reference/organisation_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, context)


@require_GET
def organisation_detail(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    _require_directory_access(request.user)
    organisation = selectors.organisation_detail(organisation_id)
    return render(request, "reference/organisation_detail.html", {"organisation": organisation})


@require_GET
def area_tree(request: AuthenticatedRequest) -> HttpResponse:
    _require_directory_access(request.user)
    tree = selectors.area_tree()
    flat = [(Area.Level(level).label, areas) for level, areas in tree.flat.items()]
    return render(request, "reference/area_tree.html", {"roots": tree.roots, "flat": flat})
