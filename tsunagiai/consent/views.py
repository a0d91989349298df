"""Consent pages on a person: the list, recording one, withdrawing one."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_read
from tsunagiai.consent import selectors
from tsunagiai.consent.actions import do_record_consent, do_withdraw_consent
from tsunagiai.consent.forms import ConsentForm, WithdrawForm
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


@require_http_methods(["GET", "POST"])
def record(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    person = access.access_person(request.user, person_id, for_edit=True)
    organisations = access.staff_organisations(request.user)
    if not organisations:
        raise PermissionDenied
    if request.method != "POST":
        record_read(request, person, action="consent.viewed")
    form = ConsentForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            do_record_consent(
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
            return redirect("consent:person_consents", person_id=person.pk)
    status = 400 if request.method == "POST" and form.errors else 200  # the input kept, nothing recorded
    return render(request, "consent/record.html", {"person": person, "form": form}, status=status)


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
