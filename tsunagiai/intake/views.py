"""Intake pages: record, list, read, correct; the short forms; drafts; the person search partials."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms.utils import ErrorDict
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_list, record_read
from tsunagiai.core.concurrency import EditConflict
from tsunagiai.core.forms import add_action_errors
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.intake import selectors
from tsunagiai.intake.actions import (
    do_discard_draft,
    do_link_intake_person,
    do_record_fire_report,
    do_record_intake,
    do_report_concern,
    do_save_draft,
    do_update_intake,
)
from tsunagiai.intake.forms import (
    FireReportForm,
    IntakeEditForm,
    IntakeFilterForm,
    IntakeForm,
    LinkPersonForm,
    VolunteerConcernForm,
    draft_data,
    draft_payload,
)
from tsunagiai.intake.models import Intake, IntakeDraft
from tsunagiai.intake.selectors import IntakeFilters
from tsunagiai.people.models import Person
from tsunagiai.people.selectors import current_household, search_people

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from tsunagiai.accounts.models import User

PAGE_SIZE = 25
SEARCH_MIN_LENGTH = 1
SEARCH_MAX_LENGTH = 100


def _require_staff(user: User) -> None:
    if not access.may_record_intake(user):
        raise PermissionDenied


def _require_volunteer(user: User) -> None:
    if not access.may_report_concern(user):
        raise PermissionDenied


def _quiet(form: Any) -> Any:
    """A form bound to a draft's data shows what was typed without complaining about it yet."""
    form._errors = ErrorDict()
    person_form = getattr(form, "person_form", None)
    if person_form is not None:
        person_form._errors = ErrorDict()
    return form


def _draft_from(request: AuthenticatedRequest, kind: str) -> IntakeDraft | None:
    draft_id = request.POST.get("draft_id") or request.GET.get("draft")
    if not draft_id:
        return None
    draft = selectors.draft_of(request.user, draft_id)
    return draft if draft.kind == kind else None


def _keep_draft(request: AuthenticatedRequest, kind: str, draft: IntakeDraft | None) -> IntakeDraft:
    return do_save_draft(acting_user=request.user, kind=kind, data=draft_payload(request.POST), draft=draft)


# --- list and detail -----------------------------------------------------------


@require_GET
def intake_list(request: AuthenticatedRequest) -> HttpResponse:
    """The intakes the user may see, filtered and paginated."""
    form = IntakeFilterForm(request.GET or None, user=request.user)
    filters = IntakeFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = IntakeFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            receiving_organisation=data["receiving_organisation"],
            channel=data["channel"],
            category=data["category"],
            urgency=data["urgency"],
            status=data["status"],
            kind=data["kind"],
        )
    page = Paginator(selectors.intake_list(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    # The page shows values read for it, not model rows (selectors.list_rows).
    page.object_list = selectors.list_rows(cast("QuerySet[Intake]", page.object_list))  # type: ignore[assignment]
    record_list(request, "intake.listed", model=Intake, count=page.paginator.count, filters=filters)
    context = {"form": form, "page": page}
    template = "intake/list.html#results" if request.htmx else "intake/list.html"
    return render(request, template, context)


@require_GET
def intake_detail(request: AuthenticatedRequest, intake_id: int) -> HttpResponse:
    intake = selectors.intake_detail(request.user, intake_id)
    record_read(request, intake, action="intake.viewed")
    may_edit = access.editable_intakes(request.user).filter(pk=intake.pk).exists()
    context: dict[str, Any] = {
        "intake": intake,
        "may_edit": may_edit,
        # A fire department sees its report, but not who welfare staff later identified (access.people).
        "shows_person": intake.person_id is None
        or access.visible_people(request.user, among=[intake.person_id]).exists(),
        "shows_household": intake.household_id is None
        or access.visible_households(request.user, among=[intake.household_id]).exists(),
    }
    if _may_link(request.user, intake, may_edit=may_edit):
        context["link_form"] = LinkPersonForm(user=request.user, intake=intake)
    return render(request, "intake/detail.html", context)


def _may_link(user: User, intake: Intake, *, may_edit: bool) -> bool:
    """Whether the detail page offers 本人を特定する: no person yet, and the user edits records and this intake."""
    return intake.person_id is None and may_edit and access.may_edit_records(user)


@require_http_methods(["GET", "POST"])
def intake_link_person(request: AuthenticatedRequest, intake_id: int) -> HttpResponse:
    """Identify the person of an intake recorded without one: pick a person found, or register a new one.

    The route's rule (EDITOR) keeps reception and volunteers out; the intake must be one the user may edit
    (404 otherwise). An intake that already names a person is not linked again: the page says so.
    """
    intake = selectors.intake_detail(request.user, intake_id, for_edit=True)
    if request.method == "GET":
        record_read(request, intake, action="intake.viewed")
    conflict: EditConflict | None = None
    status = 200
    if request.method == "POST":
        form = LinkPersonForm(request.POST, user=request.user, intake=intake)
        if form.is_valid():
            try:
                do_link_intake_person(intake, user=request.user, **form.action_arguments())
            except EditConflict as exc:
                conflict = exc
                status = 409 if request.htmx else 200
                intake = selectors.intake_detail(request.user, intake_id, for_edit=True)
                form = _rebased_link_form(request, intake)
            except access.NotLinkable as refused:
                form.add_error("person_id", str(refused))
            except ValidationError as refused:
                add_action_errors(form, refused)
            else:
                messages.success(request, _("The person was linked to the intake."))
                return redirect("intake:detail", intake_id=intake.pk)
    else:
        form = LinkPersonForm(user=request.user, intake=intake)
    found = form.found_person if form.is_bound and not form.errors.get("person_id") else None
    if found is not None:
        record_read(request, found, action="person.viewed")
    context = {
        "intake": intake,
        "link_form": form,
        "conflict": conflict,
        "found": found,
        "found_household": current_household(found) if found else None,
    }
    if conflict is None and request.method == "POST":
        status = 400  # not linked: what was wrong is shown with everything typed
    return render(request, "intake/link_person.html", context, status=status)


def _rebased_link_form(request: AuthenticatedRequest, intake: Intake) -> LinkPersonForm:
    """The user's input again, now based on the latest version: sending it again deliberately links."""
    data = request.POST.copy()
    data["version"] = str(intake.version)
    form = LinkPersonForm(data, user=request.user, intake=intake)
    form.is_valid()  # shows what is still wrong with the input (the chosen person, the new person's fields)
    return form


# --- recording -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def intake_create(request: AuthenticatedRequest) -> HttpResponse:
    """Record a consultation; an invalid form comes back with everything typed (and kept as a draft)."""
    kind = Intake.Kind.STANDARD
    draft = _draft_from(request, kind)
    if request.method == "POST":
        form = IntakeForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                intake = do_record_intake(acting_user=request.user, **form.action_arguments())
            except access.NotLinkable as refused:
                form.add_error("person_id", str(refused))
            except ValidationError as refused:
                add_action_errors(form, refused)
            else:
                if draft is not None:
                    do_discard_draft(draft, acting_user=request.user)
                messages.success(request, _("The intake was recorded."))
                return redirect("intake:detail", intake_id=intake.pk)
        draft = _keep_draft(request, kind, draft)
    elif draft is not None:
        form = _quiet(IntakeForm(draft_data(draft.data), user=request.user))
    else:
        form = IntakeForm(user=request.user)
    found = form.found_person if form.is_bound and not form.errors.get("person_id") else None
    chosen_id = _int_or_none(form.data.get("person_id")) if form.is_bound else None
    if found is None and chosen_id is not None:
        found = access.linkable_people(request.user, among=[chosen_id]).first()
    if found is not None:  # the chosen person's card (from a draft, or the person_id the form sent)
        record_read(request, found, action="person.viewed")
    context = {
        "form": form,
        "draft": draft,
        "drafts": selectors.drafts_of(request.user, kind),
        "found": found,
        "found_household": current_household(found) if found else None,
    }
    return render(request, "intake/create.html", context, status=_sent_status(request, form))


def _sent_status(request: AuthenticatedRequest, form: Any) -> int:
    """400 when a sent form comes back with errors (everything typed kept, nothing recorded), else 200."""
    return 400 if request.method == "POST" and form.errors else 200


def _int_or_none(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**62 else None


@require_http_methods(["GET", "POST"])
def intake_edit(request: AuthenticatedRequest, intake_id: int) -> HttpResponse:
    """Correct an intake; if someone saved in between, the edit is refused and the input kept."""
    intake = selectors.intake_detail(request.user, intake_id, for_edit=True)
    conflict: EditConflict | None = None
    status = 200
    if request.method == "POST":
        form = IntakeEditForm(request.POST, user=request.user, intake=intake)
        if form.is_valid():
            try:
                do_update_intake(
                    intake,
                    acting_user=request.user,
                    expected_version=form.cleaned_data["version"],
                    training_opt_in=form.cleaned_data.get("triage_training_opt_in"),
                    **form.changes(),
                )
            except EditConflict as exc:
                conflict = exc
                status = 409 if request.htmx else 200
                intake = selectors.intake_detail(request.user, intake_id, for_edit=True)
            except ValidationError as refused:
                add_action_errors(form, refused)
            else:
                messages.success(request, _("The intake was saved."))
                return redirect("intake:detail", intake_id=intake.pk)
    else:
        record_read(request, intake, action="intake.viewed")
        form = IntakeEditForm(user=request.user, intake=intake)
    context = {"form": form, "intake": intake, "conflict": conflict}
    return render(request, "intake/edit.html", context, status=status if conflict else _sent_status(request, form))


@require_http_methods(["GET", "POST"])
def fire_create(request: AuthenticatedRequest) -> HttpResponse:
    """The fire department's short 消福連携 report."""
    fire_department = selectors.fire_department_of(request.user)
    if fire_department is None:
        raise PermissionDenied
    kind = Intake.Kind.FIRE_REPORT
    draft = _draft_from(request, kind)
    if request.method == "POST":
        form = FireReportForm(request.POST)
        if form.is_valid():
            try:
                intake = do_record_fire_report(
                    acting_user=request.user, fire_department=fire_department, **form.cleaned_data
                )
            except ValidationError as refused:
                add_action_errors(form, refused)
            else:
                if draft is not None:
                    do_discard_draft(draft, acting_user=request.user)
                messages.success(request, _("The report was sent to the coordination section."))
                return redirect("intake:detail", intake_id=intake.pk)
        draft = _keep_draft(request, kind, draft)
    elif draft is not None:
        form = _quiet(FireReportForm(draft_data(draft.data)))
    else:
        form = FireReportForm()
    context = {"form": form, "draft": draft, "drafts": selectors.drafts_of(request.user, kind), "kind": kind}
    title = _("Fire–welfare link report")
    return render(request, "intake/short_form.html", {**context, "title": title}, status=_sent_status(request, form))


@require_http_methods(["GET", "POST"])
def volunteer_create(request: AuthenticatedRequest) -> HttpResponse:
    """A community volunteer's short concern form."""
    kind = Intake.Kind.VOLUNTEER_CONCERN
    draft = _draft_from(request, kind)
    own = selectors.own_district_town_block_ids(request.user)
    if request.method == "POST":
        form = VolunteerConcernForm(request.POST, own_block_ids=own)
        if form.is_valid():
            do_report_concern(acting_user=request.user, **form.cleaned_data)
            if draft is not None:
                do_discard_draft(draft, acting_user=request.user)
            messages.success(request, _("Thank you. Your report was received."))
            return redirect("intake:my_reports")
        draft = _keep_draft(request, kind, draft)
    elif draft is not None:
        form = _quiet(VolunteerConcernForm(draft_data(draft.data), own_block_ids=own))
    else:
        form = VolunteerConcernForm(own_block_ids=own)
    context = {"form": form, "draft": draft, "drafts": selectors.drafts_of(request.user, kind), "kind": kind}
    title = _("Report a concern")
    return render(request, "intake/short_form.html", {**context, "title": title}, status=_sent_status(request, form))


@require_GET
def my_reports(request: AuthenticatedRequest) -> HttpResponse:
    """A volunteer's own reports: date, their short subject, and the status in words; nothing from the record."""
    page = Paginator(selectors.my_reports(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "intake/my_reports.html", {"page": page})


# --- drafts --------------------------------------------------------------------

_CREATE_PAGE: dict[str, str] = {
    Intake.Kind.STANDARD: "intake:create",
    Intake.Kind.FIRE_REPORT: "intake:fire_create",
    Intake.Kind.VOLUNTEER_CONCERN: "intake:volunteer_create",
}


def _check_draft_kind(user: User, kind: str) -> None:
    if kind == Intake.Kind.VOLUNTEER_CONCERN:
        _require_volunteer(user)
    elif kind == Intake.Kind.FIRE_REPORT:
        if selectors.fire_department_of(user) is None:
            raise PermissionDenied
    elif kind == Intake.Kind.STANDARD:
        _require_staff(user)
    else:
        raise Http404


@require_POST
def draft_save(request: AuthenticatedRequest) -> HttpResponse:
    """Autosave (htmx): keep what is typed so far and tell the user it is kept."""
    kind = request.POST.get("draft_kind", "")
    _check_draft_kind(request.user, kind)
    draft = _draft_from(request, kind)
    draft = _keep_draft(request, kind, draft)
    return render(request, "intake/draft_status.html", {"draft": draft, "oob": True})


@require_POST
def draft_discard(request: AuthenticatedRequest, draft_id: int) -> HttpResponse:
    draft = selectors.draft_of(request.user, draft_id)
    kind = draft.kind
    do_discard_draft(draft, acting_user=request.user)
    messages.success(request, _("The draft was discarded."))
    return redirect(_CREATE_PAGE.get(str(kind), "intake:create"))


# --- person search partials ------------------------------------------------------


@require_GET
def person_search(request: AuthenticatedRequest) -> HttpResponse:
    """As-you-type search among the people the user may see (htmx partial)."""
    query = (request.GET.get("q") or "").strip()[:SEARCH_MAX_LENGTH]
    # Only people an intake may name: not those open to the user through an emergency access alone.
    people = (
        search_people(request.user, query, linkable_only=True, names_only=True)
        if len(query) >= SEARCH_MIN_LENGTH
        else []
    )
    if query:
        record_list(request, "person.listed", model=Person, count=len(people), filters={"q": query})
    return render(request, "intake/create.html#search_results", {"people": people, "query": query})


@require_GET
def person_pick(request: AuthenticatedRequest, person_id: int) -> HttpResponse:
    """The chosen person (and their current household), with the hidden input the form posts."""
    person = access._get_or_404(access.linkable_people(request.user), person_id)
    record_read(request, person, action="person.viewed")
    context = {"found": person, "found_household": current_household(person)}
    return render(request, "intake/create.html#chosen_person", context)
