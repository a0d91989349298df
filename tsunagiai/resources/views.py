"""Directory pages: the list with its filters, a resource at a glance, and the resource form.

Every signed-in user reads the directory (the public resource guide); staff also
see the staff-only resources. Creating and editing is for the social welfare
council (CSW, volunteer centre), the branch offices and the coordination section
(``access.may_edit_resources``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tsunagiai.accounts import access
from tsunagiai.core.concurrency import EditConflict
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.resources import selectors
from tsunagiai.resources.actions import do_create_resource, do_edit_resource
from tsunagiai.resources.forms import DirectoryFilterForm, ResourceForm
from tsunagiai.resources.hsds import schedule_text
from tsunagiai.resources.languages import language_names
from tsunagiai.resources.selectors import DirectoryFilters

PAGE_SIZE = 25


@require_GET
def service_list(request: AuthenticatedRequest) -> HttpResponse:
    staff = access.may_see_internal_resources(request.user)
    form = DirectoryFilterForm(request.GET or None, staff=staff)
    filters = DirectoryFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = DirectoryFilters(
            service_type=data["service_type"],
            target_group=data["target_group"],
            area=data["area"],
            category=data["category"],
            q=data["q"].strip(),
            kind=data["kind"],
            include_internal=bool(data.get("include_internal")),
            include_inactive=bool(data["include_inactive"]),
        )
    page = Paginator(selectors.directory(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    for service in page.object_list:
        service.schedule_texts = [schedule_text(s) for s in service.schedules.all()]  # type: ignore[attr-defined]
    context = {
        "form": form,
        "page": page,
        "may_edit": access.may_edit_resources(request.user),
    }
    template = "resources/list.html#results" if request.htmx else "resources/list.html"
    return render(request, template, context)


@require_GET
def service_detail(request: AuthenticatedRequest, service_id: int) -> HttpResponse:
    service = selectors.service_detail(request.user, service_id)
    context = {
        "service": service,
        "schedules": [schedule_text(s) for s in service.schedules.all()],
        "languages": language_names(service.languages),
        "may_edit": access.may_edit_resources(request.user),
    }
    return render(request, "resources/detail.html", context)


def _with_version(data: QueryDict, version: int) -> QueryDict:
    fresh = data.copy()
    fresh["version"] = str(version)
    return fresh


@require_http_methods(["GET", "POST"])
def service_create(request: AuthenticatedRequest) -> HttpResponse:
    form = ResourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        service = do_create_resource(form.resource_data(), acting_user=request.user)
        messages.success(request, _("The resource was added."))
        return redirect("resources:detail", service_id=service.pk)
    status = 422 if request.method == "POST" and request.htmx else 200
    return render(request, "resources/form.html", {"form": form, "service": None}, status=status)


@require_http_methods(["GET", "POST"])
def service_edit(request: AuthenticatedRequest, service_id: int) -> HttpResponse:
    service = access.access_service(request.user, service_id, for_edit=True)
    form = ResourceForm(request.POST or None, instance=service)
    context: dict[str, Any] = {"service": service}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            version = form.cleaned_data.get("version")
            if version is None:
                raise Http404
            try:
                do_edit_resource(service, form.resource_data(), expected_version=version, acting_user=request.user)
            except EditConflict as conflict:
                latest = access.access_service(request.user, service_id, for_edit=True)
                context["conflict"] = str(conflict)
                # The user's input stays; saving again applies it over the latest version.
                form = ResourceForm(_with_version(request.POST, latest.version), instance=latest)
                form.is_valid()
                context["service"] = latest
                status = 409 if request.htmx else 200
            else:
                messages.success(request, _("The changes were saved."))
                return redirect("resources:detail", service_id=service.pk)
        elif request.htmx:
            status = 422
    context["form"] = form
    return render(request, "resources/form.html", context, status=status)
