"""Support pages: assessment, plan (revisions, compare), records and the household timeline, conferences."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagiai.accounts import access
from tsunagiai.accounts.models import User
from tsunagiai.audit.actions import record_list, record_read
from tsunagiai.cases.models import Case
from tsunagiai.core.concurrency import EditConflict
from tsunagiai.core.forms import add_action_errors
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.support import selectors
from tsunagiai.support.actions import (
    ActionInput,
    AgendaRefused,
    DecisionNotApplied,
    DomainEdit,
    assessment_fingerprint,
    do_add_case_to_agenda,
    do_confirm_decision,
    do_correct_support_record,
    do_create_conference,
    do_propose_decision,
    do_record_support,
    do_revise_plan,
    do_save_member_assessment,
    do_set_action_status,
    do_update_minutes,
    do_withdraw_decision,
)
from tsunagiai.support.forms import (
    ActionFormSet,
    AgendaForm,
    AssessmentDateForm,
    AssessmentDomainForm,
    ConferenceForm,
    DecisionForm,
    MinutesForm,
    PlanForm,
    RecordCorrectionForm,
    RecordForm,
    TimelineFilterForm,
)
from tsunagiai.support.models import Conference, Domain, PlanAction
from tsunagiai.support.selectors import TimelineFilters

TIMELINE_PAGE_SIZE = 30
CONFERENCE_PAGE_SIZE = 30


# --- assessment -----------------------------------------------------------------


@require_GET
def assessment(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = access.access_case(request.user, case_id)
    record_read(request, case, action="assessment.viewed")
    found = selectors.assessments_of(case)
    members = selectors.assessment_subjects(case)
    by_member = {m.pk: {a.domain: a for a in found if a.person_id == m.pk} for m in members}
    rows = [(m, [(d, label, by_member[m.pk].get(d)) for d, label in Domain.choices]) for m in members]
    return render(request, "support/assessment.html", {"case": case, "rows": rows})


def _domain_values(found: Any) -> dict[str, Any]:
    """What a domain's form starts from: the saved text, its version (0: empty) and its digest."""
    values = {name: getattr(found, name, "") for name in ("situation", "strengths", "wishes_in_own_words")}
    return {**values, "version": getattr(found, "version", 0), "seen": assessment_fingerprint(*values.values())}


def _sent_status(request: AuthenticatedRequest, *forms_: Any) -> int:
    """400 when a sent form comes back with errors (the input kept, nothing saved), else 200."""
    return 400 if request.method == "POST" and any(f.errors for f in forms_) else 200


@require_http_methods(["GET", "POST"])
def assessment_edit(request: AuthenticatedRequest, case_id: int, person_id: int) -> HttpResponse:
    case = access.access_case(request.user, case_id, for_edit=request.method == "POST")
    person = next((m for m in selectors.assessment_subjects(case) if m.pk == int(person_id)), None)
    if person is None:
        raise Http404
    if request.method != "POST":
        record_read(request, case, action="assessment.viewed", person_id=person.pk)
    existing = {a.domain: a for a in selectors.assessments_of(case) if a.person_id == person.pk}
    data = request.POST if request.method == "POST" else None
    date_form = AssessmentDateForm(data, initial={"assessed_on": timezone.localdate()})
    forms = {
        code: AssessmentDomainForm(data, prefix=code, initial=_domain_values(existing.get(code)))
        for code, _label in Domain.choices
    }
    conflict = ""
    saved_now: dict[str, Any] = {}
    status = 200
    if data is not None and date_form.is_valid() and all(f.is_valid() for f in forms.values()):
        edits = {
            code: DomainEdit(
                situation=form.cleaned_data["situation"],
                strengths=form.cleaned_data["strengths"],
                wishes_in_own_words=form.cleaned_data["wishes_in_own_words"],
                expected_version=form.cleaned_data["version"] or 0,
            )
            for code, form in forms.items()
            if form.changed_by_editor()
        }
        try:
            do_save_member_assessment(
                case, person, acting_user=request.user, assessed_on=date_form.cleaned_data["assessed_on"], domains=edits
            )
        except ValidationError as error:
            add_action_errors(date_form, error)
        except EditConflict as error:
            conflict = str(error)
            status = 409 if request.htmx else 200
            forms, saved_now = _after_assessment_conflict(case, person, data, forms, edits)
        else:
            if edits:
                messages.success(request, _("The assessment was saved."))
            else:
                messages.info(request, _("Nothing was changed, so nothing was saved."))
            return redirect("support:assessment", case_id=case.pk)
    rows = [(code, label, forms[code], saved_now.get(code)) for code, label in Domain.choices]
    return render(
        request,
        "support/assessment_edit.html",
        {"case": case, "person": person, "date_form": date_form, "forms": rows, "conflict": conflict},
        status=status if conflict else _sent_status(request, date_form, *forms.values()),
    )


def _after_assessment_conflict(
    case: Case, person: Any, data: Any, forms: dict[str, AssessmentDomainForm], edits: dict[str, DomainEdit]
) -> tuple[dict[str, AssessmentDomainForm], dict[str, Any]]:
    """The form again after a conflict: the editor's own changes kept (now based on the latest version, so
    saving again applies them deliberately, with what is saved now shown beside them); the domains they
    did not touch show the latest text."""
    latest = {a.domain: a for a in selectors.assessments_of(case) if a.person_id == person.pk}
    rebound = data.copy()
    saved_now: dict[str, Any] = {}
    for code in forms:
        values = _domain_values(latest.get(code))
        keep = (
            ("version", "seen")
            if code in edits
            else ("situation", "strengths", "wishes_in_own_words", "version", "seen")
        )
        for name in keep:
            rebound[f"{code}-{name}"] = values[name]
        if code in edits and latest.get(code) is not None and edits[code].expected_version != values["version"]:
            saved_now[code] = latest[code]
    fresh = {
        code: AssessmentDomainForm(rebound, prefix=code, initial=_domain_values(latest.get(code))) for code in forms
    }
    for form in fresh.values():
        form.is_valid()
    return fresh, saved_now


# --- plan ---------------------------------------------------------------------------


@require_GET
def plan(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = access.access_case(request.user, case_id)
    record_read(request, case, action="plan.viewed")
    revisions = selectors.plan_revisions(case)
    return render(
        request,
        "support/plan.html",
        {
            "case": case,
            "current": revisions[0] if revisions else None,
            "revisions": revisions,
            "today": timezone.localdate(),
            "statuses": PlanAction.Status.choices,
        },
    )


def _team_users(case: Case) -> QuerySet[User]:
    from tsunagiai.cases.models import TeamMember

    org_ids = TeamMember.objects.filter(case=case, left_at__isnull=True).values("organisation_id")
    return (
        User.objects.filter(is_active=True, memberships__organisation_id__in=org_ids, memberships__active=True)
        .distinct()
        .order_by("full_name", "id")
    )


@require_http_methods(["GET", "POST"])
def plan_revise(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = access.access_case(request.user, case_id, for_edit=True)
    if request.method != "POST":
        record_read(request, case, action="plan.viewed")
    plan_obj = selectors.plan_of(case)
    current = selectors.current_revision(case)
    users = _team_users(case)
    # Each row's staff picker lists its owner organisation's staff; choosing one reloads it (htmx, this GET).
    picker: dict[str, Any] = {
        "team_staff": selectors.team_staff(case),
        "reload_url": reverse("support:plan_revise", args=[case.pk]),
        "chosen": request.GET,
    }
    if request.method == "POST":
        form = PlanForm(request.POST)
        formset = ActionFormSet(request.POST, prefix="actions", users=users, **picker)
    else:
        initial: dict[str, Any] = {"version": plan_obj.version if plan_obj else 0}
        action_initial: list[dict[str, Any]] = []
        if current is not None:
            initial.update(
                goals=current.goals,
                review_on=current.review_on,
                person_agreed=current.person_agreed,
                agreed_on=current.agreed_on,
                agreement_how=current.agreement_how,
            )
            action_initial = [
                {
                    "key": a.key,
                    "what": a.what,
                    "owner_kind": a.owner_kind,
                    "owner_organisation": a.owner_organisation_id,
                    "owner_user": a.owner_user_id,
                    "owner_text": a.owner_text,
                    "due_on": a.due_on,
                    "status": a.status,
                }
                for a in current.actions.all()
            ]
        form = PlanForm(initial=initial)
        formset = ActionFormSet(prefix="actions", users=users, initial=action_initial, **picker)
    conflict = ""
    status = 200
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        rows = [
            ActionInput(
                key=f.cleaned_data.get("key"),
                owner_kind=f.cleaned_data["owner_kind"],
                owner_organisation=f.cleaned_data.get("owner_organisation"),
                owner_user=f.cleaned_data.get("owner_user"),
                owner_text=f.cleaned_data.get("owner_text", ""),
                what=f.cleaned_data["what"],
                due_on=f.cleaned_data["due_on"],
                status=f.cleaned_data["status"],
            )
            for f in formset.forms
            if f.has_changed() or f.cleaned_data.get("key")
            if not f.is_blank()
        ]
        data = form.cleaned_data
        try:
            do_revise_plan(
                case,
                acting_user=request.user,
                goals=data["goals"],
                review_on=data["review_on"],
                actions=rows,
                person_agreed=data["person_agreed"],
                agreed_on=data["agreed_on"],
                agreement_how=data["agreement_how"],
                reason=data["reason"],
                expected_version=data["version"] or None,
            )
        except ValidationError as error:
            add_action_errors(form, error)
        except EditConflict as error:
            conflict = str(error)
            status = 409 if request.htmx else 200
            # The input stays; it is now based on the revision saved meanwhile (shown on the page),
            # so saving again deliberately writes it as the next revision.
            current = selectors.current_revision(case)
            latest = selectors.plan_of(case)
            rebound = request.POST.copy()
            rebound["version"] = str(latest.version if latest else 0)
            form = PlanForm(rebound)
            form.is_valid()
        else:
            messages.success(request, _("The new plan revision was saved."))
            return redirect("support:plan", case_id=case.pk)
    return render(
        request,
        "support/plan_revise.html",
        {
            "case": case,
            "form": form,
            "formset": formset,
            "current": current,
            "conflict": conflict,
            "saved_now": current if conflict else None,
        },
        status=status if conflict else _sent_status(request, form, *formset.forms),
    )


@require_GET
def plan_compare(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = access.access_case(request.user, case_id)
    try:
        old, new = int(request.GET.get("old", "")), int(request.GET.get("new", ""))
    except ValueError:
        raise Http404 from None
    pair = selectors.revision_pair(case, old, new)
    if pair is None:
        raise Http404
    record_read(request, case, action="plan.viewed", details={"compared": [old, new]})
    return render(
        request, "support/plan_compare.html", {"case": case, "comparison": selectors.compare_revisions(*pair)}
    )


@require_POST
def action_status(request: AuthenticatedRequest, case_id: int, action_id: int) -> HttpResponse:
    case = access.access_case(request.user, case_id, for_edit=True)
    current = selectors.current_revision(case)
    action = next((a for a in (current.actions.all() if current else []) if a.pk == int(action_id)), None)
    if action is None:
        raise Http404
    try:
        do_set_action_status(action, status=request.POST.get("status", ""), acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("support:plan", case_id=case.pk)


# --- records and timeline ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def record_create(request: AuthenticatedRequest, household_id: int) -> HttpResponse:
    household = access.access_household(request.user, household_id, for_edit=True)
    organisations = access.staff_organisations(request.user)
    if not organisations:
        raise PermissionDenied
    if request.method != "POST":
        record_read(request, household, action="household.viewed")
    cases = list(access.editable_cases(request.user).filter(household=household).order_by("-opened_at"))
    initial = {"occurred_at": timezone.localtime().replace(second=0, microsecond=0), "case": request.GET.get("case")}
    form = RecordForm(request.POST or None, cases=cases, organisations=organisations, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            do_record_support(
                household,
                acting_user=request.user,
                organisation=data["organisation"],
                kind=data["kind"],
                occurred_at=data["occurred_at"],
                summary=data["summary"],
                case=data["case"],
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            messages.success(request, _("The support record was saved."))
            return redirect("support:household_timeline", household_id=household.pk)
    context = {"household": household, "form": form}
    return render(request, "support/record_create.html", context, status=_sent_status(request, form))


@require_http_methods(["GET", "POST"])
def record_correct(request: AuthenticatedRequest, record_id: int) -> HttpResponse:
    """Correct a support record with a correcting entry (the author's organisation or the coordination section)."""
    original = selectors.record_to_correct(request.user, record_id)
    household = original.household
    organisations = access.staff_organisations(request.user)
    if not organisations:
        raise Http404
    if request.method != "POST":
        record_read(request, original, action="support_record.viewed")
    own = [o for o in organisations if o.pk == original.organisation_id]
    cases = list(access.editable_cases(request.user).filter(household=household).order_by("-opened_at"))
    if original.case is not None and original.case not in cases:
        cases.append(original.case)
    initial = {
        "case": original.case_id,
        "kind": original.kind,
        "occurred_at": timezone.localtime(original.occurred_at).replace(second=0, microsecond=0),
        "summary": original.summary,
        "organisation": (own or organisations)[0].pk,
    }
    form = RecordCorrectionForm(request.POST or None, cases=cases, organisations=organisations, initial=initial)
    conflict = ""
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            do_correct_support_record(
                original,
                acting_user=request.user,
                organisation=data["organisation"],
                reason=data["reason"],
                kind=data["kind"],
                occurred_at=data["occurred_at"],
                summary=data["summary"],
                case=data["case"],
            )
        except ValidationError as error:
            add_action_errors(form, error)
        except EditConflict as error:
            conflict = str(error)
            status = 409 if request.htmx else 200
            original = selectors.record_to_correct(request.user, record_id)
        else:
            messages.success(request, _("The correction was saved; the original record is kept, marked corrected."))
            return redirect("support:household_timeline", household_id=household.pk)
    return render(
        request,
        "support/record_correct.html",
        {"household": household, "original": original, "form": form, "conflict": conflict},
        status=status if conflict else _sent_status(request, form),
    )


@require_GET
def household_timeline(request: AuthenticatedRequest, household_id: int) -> HttpResponse:
    household = access.access_household(request.user, household_id)
    record_read(request, household, action="timeline.viewed")
    cases = selectors.household_cases(request.user, household)
    form = TimelineFilterForm(request.GET or None, cases=cases)
    filters = TimelineFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = TimelineFilters(
            kind=data["kind"] or "", case_id=data["case"], date_from=data["date_from"], date_to=data["date_to"]
        )
    page = Paginator(selectors.household_records(request.user, household, filters), TIMELINE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # Intakes are not about one case and have no kind: they show when the list is not filtered by either.
    intakes = (
        list(selectors.household_intakes(request.user, household, filters)[:TIMELINE_PAGE_SIZE])
        if not filters.kind and not filters.case_id and page.number == 1
        else []
    )
    entries = sorted(
        [("record", r.occurred_at, r) for r in page.object_list] + [("intake", i.received_at, i) for i in intakes],
        key=lambda entry: entry[1],
        reverse=True,
    )
    may_correct_all = access.is_coordination(request.user)
    own_ids = access.organisation_ids(request.user, access.EDIT_ROLES)
    correctable = {
        r.pk
        for r in page.object_list
        if r.correcting_entry is None and (may_correct_all or r.organisation_id in own_ids)
    }
    # A correction may have moved the record to a case this user is not on: show only those they may see.
    visible_corrections = set(
        access.visible_support_records(request.user)
        .filter(corrects_id__in=[r.pk for r in page.object_list])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "support/household_timeline.html",
        {
            "household": household,
            "form": form,
            "page": page,
            "entries": entries,
            "correctable": correctable,
            "visible_corrections": visible_corrections,
        },
    )


# --- conferences -------------------------------------------------------------------------


@require_GET
def conference_list(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(selectors.conference_list(request.user), CONFERENCE_PAGE_SIZE).get_page(request.GET.get("page"))
    record_list(request, "conference.listed", model=Conference, count=page.paginator.count)
    return render(request, "support/conference_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
def conference_create(request: AuthenticatedRequest) -> HttpResponse:
    organisations = [
        o
        for o in access.staff_organisations(request.user)
        if o.pk in access.organisation_ids(request.user, access.EDIT_ROLES)
    ]
    if not organisations:
        raise PermissionDenied
    form = ConferenceForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            conference = do_create_conference(
                acting_user=request.user,
                convened_by=data["convened_by"],
                held_on=data["held_on"],
                kind=data["kind"],
                title=data["title"],
                participating_organisations=data["participating_organisations"],
                confidentiality_note=data["confidentiality_note"],
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("support:conference_detail", conference_id=conference.pk)
    return render(request, "support/conference_create.html", {"form": form}, status=_sent_status(request, form))


def _agenda_candidates(request: AuthenticatedRequest, agenda: Any) -> list[Any]:
    """Open cases the user may see that are not on the agenda yet, newest first (not those open to the
    user only through an emergency access: the grant is for reading)."""
    on_agenda = {entry.case_id for entry in agenda}
    cases = access.linkable_cases(request.user).exclude(status="closed").order_by("-opened_at")[:200]
    return [case for case in cases if case.pk not in on_agenda]


def _conference_page(
    request: AuthenticatedRequest, conference: Any, *, status: int = 200, **extra: Any
) -> HttpResponse:
    agenda = selectors.agenda_of(conference)
    context: dict[str, Any] = {
        "conference": conference,
        "participants": list(conference.participating_organisations.all()),
        "agenda": agenda,
        "decisions": selectors.decisions_of(conference),
        "minutes_form": MinutesForm(initial={"minutes": conference.minutes, "version": conference.version}),
        "agenda_form": AgendaForm(cases=_agenda_candidates(request, agenda)),
        "decision_form": DecisionForm(cases=[entry.case for entry in agenda]),
        "refusal": "",
        "conflict": "",
        "saved_minutes": None,
    }
    context.update(extra)
    return render(request, "support/conference_detail.html", context, status=status)


@require_GET
def conference_detail(request: AuthenticatedRequest, conference_id: int) -> HttpResponse:
    conference = access.access_conference(request.user, conference_id)
    record_read(request, conference, action="conference.viewed")
    return _conference_page(request, conference)


@require_POST
def conference_minutes(request: AuthenticatedRequest, conference_id: int) -> HttpResponse:
    conference = access.access_conference(request.user, conference_id, for_edit=True)
    form = MinutesForm(request.POST)
    if not form.is_valid():
        return _conference_page(request, conference, minutes_form=form)
    try:
        do_update_minutes(
            conference,
            minutes=form.cleaned_data["minutes"],
            acting_user=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except EditConflict as error:
        conference.refresh_from_db()
        # The input stays, now based on the latest version (its minutes shown beside): saving again applies it.
        rebased = MinutesForm({"minutes": form.cleaned_data["minutes"], "version": conference.version})
        rebased.is_valid()
        return _conference_page(
            request,
            conference,
            minutes_form=rebased,
            conflict=str(error),
            saved_minutes=conference.minutes,
            status=409 if request.htmx else 200,
        )
    except ValidationError as error:
        add_action_errors(form, error)
        return _conference_page(request, conference, minutes_form=form)
    return redirect("support:conference_detail", conference_id=conference.pk)


@require_POST
def conference_add_case(request: AuthenticatedRequest, conference_id: int) -> HttpResponse:
    conference = access.access_conference(request.user, conference_id, for_edit=True)
    form = AgendaForm(request.POST, cases=_agenda_candidates(request, selectors.agenda_of(conference)))
    if not form.is_valid():
        return _conference_page(request, conference, agenda_form=form, status=422)
    try:
        case = access._get_or_404(access.linkable_cases(request.user), form.cleaned_data["case_id"])
    except Http404:
        form.add_error("case_id", _("Case: choose one of the listed cases."))
        return _conference_page(request, conference, agenda_form=form, status=422)
    try:
        do_add_case_to_agenda(conference, case, acting_user=request.user)
    except AgendaRefused as refusal:
        return _conference_page(request, conference, agenda_form=form, refusal=refusal.message, status=422)
    return redirect("support:conference_detail", conference_id=conference.pk)


@require_POST
def conference_decision_create(request: AuthenticatedRequest, conference_id: int) -> HttpResponse:
    conference = access.access_conference(request.user, conference_id, for_edit=True)
    agenda = selectors.agenda_of(conference)
    form = DecisionForm(request.POST, cases=[entry.case for entry in agenda])
    if form.is_valid():
        case = next(entry.case for entry in agenda if entry.case_id == form.cleaned_data["case"])
        try:
            do_propose_decision(
                conference,
                case,
                acting_user=request.user,
                kind=form.cleaned_data["kind"],
                details=form.cleaned_data["details"],
                target_organisation=form.cleaned_data["target_organisation"],
            )
        except ValidationError as error:
            add_action_errors(form, error)
        else:
            return redirect("support:conference_detail", conference_id=conference.pk)
    return _conference_page(request, conference, decision_form=form, status=422)


def _decision(request: AuthenticatedRequest, conference_id: int, decision_id: int) -> Any:
    conference = access.access_conference(request.user, conference_id, for_edit=True)
    decision = next((d for d in selectors.decisions_of(conference) if d.pk == int(decision_id)), None)
    if decision is None:
        raise Http404
    # Applying a decision changes the case: only those who may edit it confirm it.
    access.access_case(request.user, decision.case_id, for_edit=True)
    return conference, decision


@require_POST
def conference_decision_confirm(request: AuthenticatedRequest, conference_id: int, decision_id: int) -> HttpResponse:
    conference, decision = _decision(request, conference_id, decision_id)
    try:
        do_confirm_decision(decision, acting_user=request.user)
    except DecisionNotApplied as error:
        return _conference_page(request, conference, refusal=error.message, status=409)
    return redirect("support:conference_detail", conference_id=conference.pk)


@require_POST
def conference_decision_withdraw(request: AuthenticatedRequest, conference_id: int, decision_id: int) -> HttpResponse:
    conference, decision = _decision(request, conference_id, decision_id)
    do_withdraw_decision(decision, acting_user=request.user)
    return redirect("support:conference_detail", conference_id=conference.pk)
