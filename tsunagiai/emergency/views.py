"""The break-the-glass form: a reason, then the record for a few hours."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from tsunagiai.accounts import access
from tsunagiai.accounts.access.messages import TITLE
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.emergency.actions import do_start_emergency_access
from tsunagiai.emergency.forms import EmergencyAccessForm
from tsunagiai.emergency.selectors import emergency_hours, record_url


@access.access_rule(access.STAFF)
@require_http_methods(["GET", "POST"])
def start(request: AuthenticatedRequest, kind: str, object_id: int) -> HttpResponse:
    if kind not in access.EMERGENCY_KINDS or not access.may_break_the_glass(request.user):
        raise Http404
    form = EmergencyAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = access.emergency_target(kind, object_id)
        try:
            do_start_emergency_access(target, reason=form.cleaned_data["reason"], acting_user=request.user)
        except ValidationError as error:
            form.add_error("reason", error.message_dict.get("reason", error.messages))
        else:
            return redirect(record_url(target))
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "emergency/start.html",
        {"form": form, "kind": kind, "object_id": object_id, "hours": emergency_hours()},
        status=status,
    )


def read_only_refusal(request: HttpRequest, refused: access.NotLinkable) -> HttpResponse:
    """The 403 page of a write that named a record open to the user only through an emergency access."""
    back = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""
    context = {"title": TITLE, "message": str(refused), "back_url": back}
    return render(request, "emergency/read_only.html", context, status=403)
