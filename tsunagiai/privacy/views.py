"""The coordination section's privacy page of a person: disclosure, use suspension and its history.

Only the coordination section reaches it (everyone else: 404, the page is not
advertised); every view is POST-only for a change, and every change and every
disclosure is audited with the person it concerns.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_read
from tsunagiai.core.errors import ActionRefused
from tsunagiai.core.forms import add_action_errors
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.people.models import Person
from tsunagiai.privacy.actions import (
    do_disclose_person,
    do_lift_use_suspension,
    do_suspend_use,
)
from tsunagiai.privacy.disclosure import render_html
from tsunagiai.privacy.forms import LiftForm, SuspendForm
from tsunagiai.privacy.models import UseSuspension
from tsunagiai.privacy.selectors import open_suspension

FORMATS = {"json": "application/json; charset=utf-8", "html": "text/html; charset=utf-8"}


def _person(request: AuthenticatedRequest, person_id: int) -> Person:
    """The person, for the coordination section only: 404 for everyone else, whatever the method."""
    if not access.is_coordination(request.user):  # the coordination section answers privacy requests
        raise Http404
    return access.access_person(request.user, person_id)


def _post_only(request: AuthenticatedRequest) -> HttpResponse | None:
    """405 for another method — checked after ``_person``, so that others learn nothing from it."""
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


def _page(
    request: AuthenticatedRequest,
    person: Person,
    *,
    suspend_form: SuspendForm | None = None,
    lift_form: LiftForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "person": person,
        "suspension": open_suspension(person),
        "history": UseSuspension.objects.filter(person=person).select_related("suspended_by", "lifted_by"),
        "suspend_form": suspend_form or SuspendForm(),
        "lift_form": lift_form or LiftForm(),
    }
    return render(request, "privacy/person.html", context, status=status)


@require_http_methods(["GET"])
def person_privacy(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = _person(request, person_id)
    record_read(request, person, action="person.privacy_viewed")
    return _page(request, person)


def suspend(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = _person(request, person_id)
    if not_allowed := _post_only(request):
        return not_allowed
    form = SuspendForm(request.POST)
    if form.is_valid():
        try:
            do_suspend_use(
                person,
                legal_reference=form.cleaned_data["legal_reference"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except ActionRefused as refused:
            add_action_errors(form, refused)
        else:
            messages.success(request, _("The use of this person's record is suspended."))
            return redirect("privacy:person", person_id=person.pk)
    return _page(request, person, suspend_form=form, status=422)


def lift(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = _person(request, person_id)
    if not_allowed := _post_only(request):
        return not_allowed
    form = LiftForm(request.POST)
    if form.is_valid():
        try:
            do_lift_use_suspension(person, reason=form.cleaned_data["lift_reason"], acting_user=request.user)
        except ActionRefused as refused:
            add_action_errors(form, refused)
        else:
            messages.success(request, _("The suspension is lifted."))
            return redirect("privacy:person", person_id=person.pk)
    return _page(request, person, lift_form=form, status=422)


def disclose(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    """Download everything held about the person (JSON, or a printable HTML page); audited."""
    person = _person(request, person_id)
    if not_allowed := _post_only(request):
        return not_allowed
    output_format = request.POST.get("format", "json")
    if output_format not in FORMATS:
        messages.error(request, _("Format: choose JSON or HTML."))
        return _page(request, person, status=422)
    document = do_disclose_person(person, acting_user=request.user, output_format=output_format)
    body = render_html(document) if output_format == "html" else json.dumps(document, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type=FORMATS[output_format])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="disclosure-person-{person.pk}-{stamp}.{output_format}"'
    return response
