"""Case pages: the list, opening a case from an intake, the case at a glance and its forms.

The case page shows the case; its forms load on demand (issue 14 item 3): each form's
URL answers GET with the form — the partial for htmx, which loads it into the case page,
its own page otherwise — and POST with the change. A form that is invalid or refused
comes back on the case page with what the user typed and the reason (400); one out of
date shows the conflict (409 for htmx, 200 with the message for a full page).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_list, record_read
from tsunagiai.cases import selectors
from tsunagiai.cases.actions import (
    BASIS_NOTE_MAX_LENGTH,
    ROLE_MAX_LENGTH,
    CaseConflict,
    do_add_team_member,
    do_change_case_status,
    do_change_lead,
    do_decide_lead_request,
    do_open_case,
    do_remove_team_member,
    do_request_lead,
    do_set_case_flags,
)
from tsunagiai.cases.forms import (
    CaseFilterForm,
    FlagsForm,
    LeadChangeForm,
    LeadDecisionForm,
    LeadRequestForm,
    OpenCaseForm,
    StatusForm,
    TeamMemberForm,
    TeamRemoveForm,
    VersionedForm,
)
from tsunagiai.cases.models import Case
from tsunagiai.cases.selectors import CaseFilters
from tsunagiai.consent.errors import ConsentMissing
from tsunagiai.consent.links import record_consent_links
from tsunagiai.consent.models import InformationScope
from tsunagiai.consent.views import MAX_NEXT
from tsunagiai.core.concurrency import EditConflict
from tsunagiai.core.errors import ActionRefused
from tsunagiai.core.forms import add_action_errors
from tsunagiai.core.http import AuthenticatedRequest

PAGE_SIZE = 25


# --- list ------------------------------------------------------------------------


@require_GET
def case_list(request: AuthenticatedRequest) -> HttpResponse:
    """The cases the user may see, filtered and paginated."""
    form = CaseFilterForm(request.GET or None)
    filters = CaseFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = CaseFilters(
            status=data["status"], lead_organisation=data["lead_organisation"], flag=data["flag"], area=data["area"]
        )
    page = Paginator(selectors.case_list(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    record_list(request, "case.listed", model=Case, count=page.paginator.count, filters=filters)
    context = {"form": form, "page": page}
    template = "cases/list.html#results" if request.htmx else "cases/list.html"
    return render(request, template, context)


# --- opening ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def open_from_intake(request: AuthenticatedRequest, intake_id: int) -> HttpResponse:
    """Open a case from an intake (and others about the same household), with the routing policy's lead."""
    intake = access.access_intake(request.user, intake_id)
    if request.method != "POST":
        record_read(request, intake, action="intake.viewed")
    household = selectors.household_of_intake(request.user, intake)
    if household is None:
        return render(request, "cases/open.html", {"intake": intake, "household": None})
    choices = selectors.open_case_choices(request.user, household)
    conflict: CaseConflict | None = None
    status = 200
    if request.method == "POST":
        form = OpenCaseForm(request.POST, intakes=choices.intakes, members=choices.members)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = do_open_case(
                    acting_user=request.user,
                    household=household,
                    intakes=list(data["intakes"]),
                    focus_members=list(data["focus_members"]),
                    title=data["title"],
                    lead_organisation=data["lead_organisation"],
                )
            except ActionRefused as exc:
                add_action_errors(form, exc)
            except CaseConflict as exc:
                conflict = exc
                status = _conflict_status(request)
            else:
                messages.success(request, _("The case was opened."))
                return redirect("cases:detail", case_id=case.pk)
        suggestion = selectors.lead_suggestion(list(form.cleaned_data.get("intakes") or [intake]), household)
    else:
        suggestion_for = [i for i in choices.intakes if i.pk == intake.pk]
        suggestion = selectors.lead_suggestion(suggestion_for, household)
        initial: dict[str, Any] = {
            "title": _("Support for %(household)s") % {"household": household},
            "intakes": [intake.pk],
            "focus_members": [intake.person_id] if intake.person_id else [],
        }
        if suggestion.organisations:
            initial["lead_organisation"] = suggestion.organisations[0].pk
        form = OpenCaseForm(initial=initial, intakes=choices.intakes, members=choices.members)
    open_cases, others_open = selectors.open_cases_for_intake(request.user, intake)
    context = {
        "intake": intake,
        "household": household,
        "form": form,
        "suggestion": suggestion,
        "conflict": conflict,
        "existing_case": next((c for c in open_cases if conflict and c.pk == conflict.existing.pk), None),
        "open_cases": open_cases,
        "others_open": others_open,
    }
    return render(request, "cases/open.html", context, status=status)


# --- the case page ------------------------------------------------------------------


def _rebased(form: Any, case: Case) -> Any:
    """A case-page form with the user's input and the case's latest version."""
    if not isinstance(form, VersionedForm):
        return form
    data = dict(form.data.items())
    data["version"] = str(case.version)
    return type(form)(data, case=case)  # type: ignore[call-arg]


def _detail(
    request: AuthenticatedRequest,
    case: Case,
    *,
    status: int = 200,
    conflict: EditConflict | None = None,
    reload: bool = True,
    consent_needed: list[dict[str, Any]] | None = None,
    **bound: forms.Form,
) -> HttpResponse:
    if reload:  # after an action: the case as it is now
        case = selectors.case_for_page(request.user, case.pk)
    if conflict is not None and not isinstance(conflict, CaseConflict):
        # The input stays, now based on the latest version: saving again deliberately applies it.
        bound = {name: _rebased(form, case) for name, form in bound.items()}
    view = selectors.case_view(request.user, case)
    context: dict[str, Any] = {
        "case": case,
        "view": view,
        "conflict": conflict,
        # The forms load on demand; only one that comes back bound (or a lead decision) is on the page.
        "status_form": bound.get("status_form"),
        "lead_form": bound.get("lead_form"),
        "lead_request_form": bound.get("lead_request_form"),
        "decision_form": bound.get("decision_form"),  # shown only with its decision_request_id (bound)
        "decision_request_id": bound.get("decision_request_id"),
        "team_form": bound.get("team_form"),
        "consent_needed": consent_needed,
        "flags_form": bound.get("flags_form"),
        "overstay_days": selectors.overstay_days(),
    }
    return render(request, "cases/detail.html", context, status=status)


@require_GET
def case_detail(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = selectors.case_for_page(request.user, case_id)
    record_read(request, case, action="case.viewed")
    return _detail(request, case, reload=False)


def _conflict_status(request: AuthenticatedRequest) -> int:
    return 409 if request.htmx else 200


def _form(request: AuthenticatedRequest, case: Case, partial: str, title: str, form: forms.Form) -> HttpResponse:
    """A case-page form on demand: the partial of cases/forms.html for htmx, the form's own page otherwise."""
    context: dict[str, Any] = {
        "case": case,
        "form": form,
        "form_title": title,
        "partial": f"cases/forms.html#{partial}",
    }
    if partial == "lead-request-form":
        context["requesting_organisation"] = selectors.requesting_organisation(case, request.user)
    if request.htmx:  # the form alone, into the case page whose view was audited: no record shown
        return render(request, context["partial"], context)
    record_read(request, case, action="case.viewed")  # the form's own page names the case
    return render(request, "cases/forms.html", context)


@require_http_methods(["GET", "POST"])
def change_status(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = selectors.case_detail(request.user, case_id, for_edit=True)
    if request.method != "POST":
        return _form(request, case, "status-form", _("Change the status"), StatusForm(case=case))
    form = StatusForm(request.POST, case=case)
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_change_case_status(
                case, to=data["to"], reason=data["reason"], acting_user=request.user, expected_version=data["version"]
            )
        except ActionRefused as exc:
            add_action_errors(form, exc)
        except EditConflict as exc:
            return _detail(request, case, status=_conflict_status(request), conflict=exc, status_form=form)
        else:
            messages.success(request, _("The status was changed."))
            return redirect("cases:detail", case_id=case.pk)
    return _detail(request, case, status=400, status_form=form)


@require_http_methods(["GET", "POST"])
def change_lead(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = selectors.case_detail(request.user, case_id, for_edit=True)
    if request.method != "POST":
        return _form(request, case, "lead-form", _("Change the lead"), LeadChangeForm(case=case))
    form = LeadChangeForm(request.POST, case=case)
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_change_lead(
                case,
                organisation=data["organisation"],
                reason=data["reason"],
                acting_user=request.user,
                expected_version=data["version"],
            )
        except ActionRefused as exc:
            add_action_errors(form, exc)
        except EditConflict as exc:
            return _detail(request, case, status=_conflict_status(request), conflict=exc, lead_form=form)
        else:
            messages.success(request, _("The lead was changed."))
            return redirect("cases:detail", case_id=case.pk)
    return _detail(request, case, status=400, lead_form=form)


@require_http_methods(["GET", "POST"])
def request_lead(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = selectors.case_detail(request.user, case_id, for_edit=True)
    if request.method != "POST":
        return _form(request, case, "lead-request-form", _("Ask to take the lead"), LeadRequestForm())
    form = LeadRequestForm(request.POST)
    if form.is_valid():
        try:
            do_request_lead(case, acting_user=request.user, reason=form.cleaned_data["reason"])
        except ActionRefused as exc:
            add_action_errors(form, exc)
        except CaseConflict as exc:
            return _detail(request, case, status=_conflict_status(request), conflict=exc, lead_request_form=form)
        else:
            messages.success(request, _("Your request to take the lead was sent to the current lead."))
            return redirect("cases:detail", case_id=case.pk)
    return _detail(request, case, status=400, lead_request_form=form)


@require_POST
def decide_lead_request(request: AuthenticatedRequest, case_id: int, request_id: int) -> HttpResponse:
    case = selectors.case_detail(request.user, case_id, for_edit=True)
    lead_request = selectors.lead_request_of(case, request_id)
    form = LeadDecisionForm(request.POST, case=case)
    bound: dict[str, Any] = {"decision_form": form, "decision_request_id": lead_request.pk}
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_decide_lead_request(
                lead_request,
                accept=data["decision"] == "accept",
                note=data["note"],
                acting_user=request.user,
                expected_version=data["version"],
            )
        except ActionRefused as exc:
            add_action_errors(form, exc)
        except EditConflict as exc:
            return _detail(request, case, status=_conflict_status(request), conflict=exc, **bound)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("cases:detail", case_id=case.pk)
    return _detail(request, case, status=400, **bound)


# What the team form takes from its address (a link back to it, e.g. after recording a consent): the
# fields as typed, each cut to the form's own limit; anything else in the query is ignored.
TEAM_FORM_CARRIED = {
    "organisation": 20,
    "user": 20,
    "role": ROLE_MAX_LENGTH,
    "basis": 40,
    "basis_note": BASIS_NOTE_MAX_LENGTH,
}


def _team_form_initial(request: AuthenticatedRequest) -> dict[str, str]:
    """The team form's fields given in the query (``?organisation=``: htmx, when the organisation is chosen)."""
    return {name: request.GET[name][:limit] for name, limit in TEAM_FORM_CARRIED.items() if name in request.GET}


def _team_form_address(case: Case, data: Any) -> str:
    """The team form's own page with what was typed in ``data``, for the consent form to return to.

    An address longer than the consent form accepts for ``next`` (consent.views.MAX_NEXT) drops the
    free texts, the note first, rather than the way back.
    """
    base = reverse("cases:add_team_member", args=[case.pk])
    values = {name: str(data.get(name, ""))[:limit] for name, limit in TEAM_FORM_CARRIED.items() if data.get(name)}
    address = f"{base}?{urlencode(values)}" if values else base
    for dropped in ("basis_note", "role"):
        if len(address) <= MAX_NEXT:
            break
        values.pop(dropped, None)
        address = f"{base}?{urlencode(values)}"
    return address


def _team_consent_links(request: AuthenticatedRequest, case: Case, refused: ConsentMissing, organisation: Any) -> Any:
    """「同意を記録する」 for the people whose consent does not cover the organisation joining the team.

    Joining the team shows the organisation the case's people and their support history, so the
    consent form comes with the organisation, basic facts and the support history preselected.
    """
    return record_consent_links(
        request,
        refused.people,
        organisations=[organisation],
        information=[InformationScope.HISTORY],
        next_url=_team_form_address(case, request.POST),
        reason=lambda person: (
            _("No consent of %(name)s in force covers %(organisation)s.")
            % {"name": person.full_name, "organisation": organisation.name}
        ),
    )


@require_http_methods(["GET", "POST"])
def add_team_member(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    """Add an organisation (and a member of its staff) to the team.

    Refused for want of consent, the case page offers 「同意を記録する」 for each person concerned
    whose record the user may edit (inline over htmx; without JavaScript the consent form returns
    to this form's page with what was typed).
    """
    case = selectors.case_detail(request.user, case_id, for_edit=True)
    if request.method != "POST":
        form = TeamMemberForm(case=case, initial=_team_form_initial(request))
        return _form(request, case, "team-form", _("Add to the team"), form)
    form = TeamMemberForm(request.POST, case=case)
    consent_needed: list[dict[str, Any]] | None = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_add_team_member(
                case,
                data["organisation"],
                user=data["user"],
                role=data["role"],
                basis=data["basis"],
                basis_note=data["basis_note"],
                acting_user=request.user,
                expected_version=data["version"],
            )
        except ConsentMissing as exc:
            add_action_errors(form, exc)
            consent_needed = _team_consent_links(request, case, exc, data["organisation"])
        except ActionRefused as exc:
            add_action_errors(form, exc)
        except EditConflict as exc:
            return _detail(request, case, status=_conflict_status(request), conflict=exc, team_form=form)
        else:
            messages.success(request, _("The team was changed."))
            return redirect("cases:detail", case_id=case.pk)
    return _detail(request, case, status=400, consent_needed=consent_needed, team_form=form)


@require_POST
def remove_team_member(request: AuthenticatedRequest, case_id: int, member_id: int) -> HttpResponse:
    case = selectors.case_detail(request.user, case_id, for_edit=True)
    member = selectors.team_member_of(case, member_id)
    form = TeamRemoveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_remove_team_member(
                member, reason=data["reason"], acting_user=request.user, expected_version=data["version"]
            )
        except ActionRefused as exc:
            messages.error(request, exc.message)
            return _detail(request, case)
        except EditConflict as exc:
            return _detail(request, case, status=_conflict_status(request), conflict=exc)
        messages.success(request, _("The team was changed."))
        if not access.visible_cases(request.user).filter(pk=case.pk).exists():
            return redirect("cases:list")
        return redirect("cases:detail", case_id=case.pk)
    messages.error(request, _("Please check the input."))
    return _detail(request, case)


@require_http_methods(["GET", "POST"])
def set_flags(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = selectors.case_detail(request.user, case_id, for_edit=True)
    if request.method != "POST":
        return _form(request, case, "flags-form", _("Change the flags"), FlagsForm(case=case))
    form = FlagsForm(request.POST, case=case)
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_set_case_flags(
                case,
                is_gap_case=data["is_gap_case"],
                is_difficult=data["is_difficult"],
                acting_user=request.user,
                expected_version=data["version"],
            )
        except EditConflict as exc:
            return _detail(request, case, status=_conflict_status(request), conflict=exc, flags_form=form)
        messages.success(request, _("The flags were saved."))
        return redirect("cases:detail", case_id=case.pk)
    return _detail(request, case, status=400, flags_form=form)
