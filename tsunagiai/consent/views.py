"""Consent pages on a person: the list, recording one, withdrawing one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_read
from tsunagiai.consent import selectors
from tsunagiai.consent.actions import do_record_consent, do_withdraw_consent
from tsunagiai.consent.forms import ConsentForm, WithdrawForm
from tsunagiai.consent.models import InformationScope
from tsunagiai.core.forms import add_action_errors
from tsunagiai.core.http import AuthenticatedRequest


@require_GET
def person_consents(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = access.access_person(request.user, person_id)
    record_read(request, person, action="consent.viewed")
    today = timezone.localdate()
    consents = [(c, selectors.status_of(c, today)) for c in selectors.consents_of(person)]
    return render(
        request,
        "consent/person_consents.html",
        {"person": person, "consents": consents, "withdraw_form": WithdrawForm()},
    )


MAX_NEXT = 2000


def safe_next(request: AuthenticatedRequest, raw: str | None) -> str:
    """``raw`` when it is a path on this site (where to return after saving), else "".

    One "/" then not "/" or "\\" (which browsers read as another host), no scheme, no host, no control
    characters, at most ``MAX_NEXT`` characters.
    """
    if not raw or len(raw) > MAX_NEXT or not raw.startswith("/") or raw.startswith(("//", "/\\")):
        return ""
    if any(ord(char) < 32 for char in raw):
        return ""
    allowed = url_has_allowed_host_and_scheme(raw, allowed_hosts={request.get_host()}, require_https=False)
    return raw if allowed else ""


def _preselected(request: AuthenticatedRequest) -> tuple[list[int], list[str]]:
    """The organisations and kinds of information a link asks to preselect (unknown or malformed ones dropped)."""
    raw_ids = [
        value
        for value in request.GET.getlist("organisations")[:20]
        if value.isascii() and value.isdigit() and len(value) < 10
    ]
    ids = list(selectors.active_organisation_ids([int(value) for value in raw_ids])) if raw_ids else []
    kinds = [code for code in request.GET.getlist("information")[:20] if code in InformationScope.values]
    return ids, list(dict.fromkeys(kinds))


@require_http_methods(["GET", "POST"])
def record(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    """Record a consent; from a link with ``organisations``, ``information`` and ``next``, preselected and returning.

    An htmx request (the inline form on the referral page) gets the form alone and, once saved, a
    confirmation in its place, so the page around it keeps what was typed there.
    """
    person = access.access_person(request.user, person_id, for_edit=True)
    organisations = access.staff_organisations(request.user)
    if not organisations:
        raise PermissionDenied
    if request.method != "POST":
        record_read(request, person, action="consent.viewed")
    preselected, kinds = _preselected(request)
    next_url = safe_next(request, request.POST.get("next") if request.method == "POST" else request.GET.get("next"))
    initial: dict[str, object] = {}
    if preselected:
        initial["scope_organisations"] = preselected
    if kinds:
        initial["scope_information"] = kinds
    form = ConsentForm(request.POST or None, organisations=organisations, preselected=preselected, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consent = do_record_consent(
                person,
                acting_user=request.user,
                organisation=data["organisation"],
                given_on=data["given_on"],
                expires_on=data["expires_on"],
                method=data["method"],
                witness=data["witness"],
                given_by=data["given_by"],
                proxy_name=data["proxy_name"],
                proxy_relationship=data["proxy_relationship"],
                purpose=data["purpose"],
                policy_explained=data["policy_explained"],
                scope_organisations=data["scope_organisations"],
                scope_agency_types=data["scope_agency_types"],
                scope_information=data["scope_information"],
                notes=data["notes"],
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            if request.htmx:
                context = {"person": person, "consent": consent, "next": next_url}
                return render(request, "consent/record.html#recorded", context)
            messages.success(request, _("The consent was recorded."))
            if next_url:
                return redirect(next_url)
            return redirect("consent:person_consents", person_id=person.pk)
    status = 400 if request.method == "POST" and form.errors else 200  # the input kept, nothing recorded
    # The form posts back with the checked preselection only (the order of the groups); next goes in the body.
    query = urlencode({"organisations": preselected}, doseq=True)
    context = {"person": person, "form": form, "next": next_url, "query": query}
    template = "consent/record.html#consent_form" if request.htmx else "consent/record.html"
    return render(request, template, context, status=status)


@require_POST
def withdraw(request: AuthenticatedRequest, consent_id: int) -> HttpResponse:
    consent = access.access_consent(request.user, consent_id, for_edit=True)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "consent/person_consents.html",
            {
                "person": consent.person,
                "consents": [(c, selectors.status_of(c)) for c in selectors.consents_of(consent.person)],
                "withdraw_form": form,
                "error": _("Withdrawal note: enter at most 500 characters."),
            },
            status=422,
        )
    do_withdraw_consent(consent, acting_user=request.user, note=form.cleaned_data["note"])
    return redirect("consent:person_consents", person_id=consent.person_id)
