"""Regional pages: issues with their evidence and meetings, the network, the map; unmet needs in a case.

The pages are for the coordination section, the branch offices and the CSWs,
and (read-only) analysts: their declared rules ``REGIONAL`` / ``REGIONAL_EDITOR``
(``access.may_view_regional`` / ``may_edit_regional``) are the first gate, before
the method check, so a refused user gets 403 whatever the method.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_read
from tsunagiai.cases.models import Case
from tsunagiai.core.concurrency import EditConflict
from tsunagiai.core.errors import ActionRefused
from tsunagiai.core.forms import add_action_errors
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.reference.models import Area, Organisation
from tsunagiai.regional import selectors
from tsunagiai.regional.actions import (
    do_change_issue_status,
    do_create_regional_issue,
    do_record_meeting,
    do_record_network_event,
    do_record_unmet_need,
    do_set_issue_services,
)
from tsunagiai.regional.forms import EventForm, IssueForm, MeetingForm, ServicesForm, TransitionForm, UnmetNeedForm
from tsunagiai.regional.models import IssueStatus, RegionalIssue

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

LEVELS = (Area.Level.ELEMENTARY_DISTRICT, Area.Level.JUNIOR_HIGH_DISTRICT, Area.Level.BRANCH_AREA)


# --- regional issues -----------------------------------------------------------


@require_GET
def issue_list(request: AuthenticatedRequest, form: IssueForm | None = None, status: int = 200) -> HttpResponse:
    wanted = request.GET.get("status", "")
    if wanted not in IssueStatus.values:
        wanted = ""
    level = request.GET.get("level", Area.Level.ELEMENTARY_DISTRICT)
    if level not in LEVELS:
        level = Area.Level.ELEMENTARY_DISTRICT
    context = {
        "issues": selectors.issue_list(request.user, status=wanted),
        "statuses": IssueStatus.choices,
        "wanted_status": wanted,
        "levels": [(code, Area.Level(code).label) for code in LEVELS],
        "level": level,
        "counts": selectors.unmet_need_counts(level),
        "may_edit": access.may_edit_regional(request.user),
        "form": form or IssueForm(),
    }
    return render(request, "regional/issue_list.html", context, status=status)


@require_POST
def issue_create(request: AuthenticatedRequest) -> HttpResponse:
    form = IssueForm(request.POST)
    if not form.is_valid():
        request.method = "GET"
        return issue_list(request, form=form, status=400)
    data = form.cleaned_data
    issue = do_create_regional_issue(
        acting_user=request.user,
        title=data["title"],
        area=data["area"],
        categories=data["categories"],
        description=data["description"],
    )
    messages.success(request, _("The regional issue was recorded."))
    return redirect("regional:issue_detail", issue_id=issue.pk)


def _detail(request: AuthenticatedRequest, issue: RegionalIssue, *, status: int = 200, **forms: Any) -> HttpResponse:
    may_edit = access.may_edit_regional(request.user)
    transitions = [(code, IssueStatus(code).label) for code in issue.allowed_transitions()]
    transition_form = forms.get("transition_form") or TransitionForm(initial={"version": issue.version})
    transition_form.fields["to"].choices = transitions  # type: ignore[union-attr]
    context = {
        "issue": issue,
        "evidence": selectors.issue_evidence(issue),
        "may_edit": may_edit,
        "transitions": transitions,
        "transition_form": transition_form,
        "services_form": forms.get("services_form")
        or ServicesForm(initial={"version": issue.version, "services": list(issue.services.all())}),
        "meeting_form": forms.get("meeting_form") or MeetingForm(),
        "conflict": forms.get("conflict"),
    }
    return render(request, "regional/issue_detail.html", context, status=status)


@require_GET
def issue_detail(request: AuthenticatedRequest, issue_id: int) -> HttpResponse:
    return _detail(request, selectors.issue_detail(request.user, issue_id))


def _conflict_status(request: AuthenticatedRequest) -> int:
    return 409 if getattr(request, "htmx", False) else 200


@require_POST
def issue_transition(request: AuthenticatedRequest, issue_id: int) -> HttpResponse:
    issue = selectors.issue_detail(request.user, issue_id, for_edit=True)
    form = TransitionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_change_issue_status(
                issue, to=data["to"], reason=data["reason"], acting_user=request.user, expected_version=data["version"]
            )
        except ActionRefused as exc:
            add_action_errors(form, exc)
        except EditConflict as exc:
            issue = selectors.issue_detail(request.user, issue_id)
            return _detail(request, issue, status=_conflict_status(request), conflict=exc, transition_form=form)
        else:
            messages.success(request, _("The status was changed."))
            return redirect("regional:issue_detail", issue_id=issue.pk)
    return _detail(request, issue, status=400, transition_form=form)


@require_POST
def issue_services(request: AuthenticatedRequest, issue_id: int) -> HttpResponse:
    issue = selectors.issue_detail(request.user, issue_id, for_edit=True)
    form = ServicesForm(request.POST)
    if form.is_valid():
        try:
            do_set_issue_services(
                issue,
                services=form.cleaned_data["services"],
                acting_user=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except EditConflict as exc:
            issue = selectors.issue_detail(request.user, issue_id)
            return _detail(request, issue, status=_conflict_status(request), conflict=exc, services_form=form)
        messages.success(request, _("The resources created in answer were saved."))
        return redirect("regional:issue_detail", issue_id=issue.pk)
    return _detail(request, issue, status=400, services_form=form)


@require_POST
def meeting_create(request: AuthenticatedRequest, issue_id: int) -> HttpResponse:
    issue = selectors.issue_detail(request.user, issue_id, for_edit=True)
    form = MeetingForm(request.POST)
    if not form.is_valid():
        return _detail(request, issue, status=400, meeting_form=form)
    data = form.cleaned_data
    try:
        do_record_meeting(
            acting_user=request.user,
            kind=data["kind"],
            held_on=data["held_on"],
            title=data["title"],
            participating_organisations=data["participating_organisations"],
            decisions=data["decisions"],
            minutes=data["minutes"],
            area=issue.area,
            issues=[issue],
        )
    except ActionRefused as exc:
        add_action_errors(form, exc)
        return _detail(request, issue, status=400, meeting_form=form)
    messages.success(request, _("The meeting was recorded."))
    return redirect("regional:issue_detail", issue_id=issue.pk)


# --- the network -------------------------------------------------------------------


def _bar(index: int, quarter: selectors.Quarter, top: int) -> dict[str, Any]:
    org_h, link_h = round(quarter.organisations * 150 / top), round(quarter.links * 150 / top)
    return {
        "quarter": quarter,
        "x": 40 + index * 60,
        "org_h": org_h,
        "org_y": 170 - org_h,
        "link_h": link_h,
        "link_y": 170 - link_h,
    }


@require_GET
def network(request: AuthenticatedRequest, form: EventForm | None = None, status: int = 200) -> HttpResponse:
    picture = selectors.network()
    growth = selectors.network_growth()
    top = max([max(q.links, q.organisations) for q in growth] + [1])
    context = {
        "network": picture,
        "lines": picture.lines(),
        "growth": growth,
        "bars": [_bar(i, q, top) for i, q in enumerate(growth)],
        "chart_width": 40 + len(growth) * 60,
        "events": selectors.recent_events(),
        "may_edit": access.may_edit_regional(request.user),
        "form": form or EventForm(),
    }
    return render(request, "regional/network.html", context, status=status)


@require_POST
def event_create(request: AuthenticatedRequest) -> HttpResponse:
    form = EventForm(request.POST)
    if not form.is_valid():
        request.method = "GET"
        return network(request, form=form, status=400)
    data = form.cleaned_data
    try:
        do_record_network_event(
            acting_user=request.user,
            kind=data["kind"],
            held_on=data["held_on"],
            title=data["title"],
            participating_organisations=data["participating_organisations"],
            note=data["note"],
        )
    except ActionRefused as exc:
        add_action_errors(form, exc)
        request.method = "GET"
        return network(request, form=form, status=400)
    messages.success(request, _("The event was recorded."))
    return redirect("regional:network")


# --- the map ---------------------------------------------------------------------------


@require_GET
def district_map(request: AuthenticatedRequest) -> HttpResponse:
    rows = selectors.district_table()
    geojson = selectors.district_geojson()
    map_data = selectors.map_data(rows, geojson) if geojson else None
    context = {
        "rows": rows,
        "map_data": map_data,
        "map_payload": {
            "features": map_data,
            "labels": {"unmet_needs": _("Unmet needs"), "resources": _("Community resources")},
        },
    }
    return render(request, "regional/map.html", context)


# --- unmet needs in a case ------------------------------------------------------------


def _recording_organisation(user: User, case: Case) -> Organisation:
    """The user's organisation on the case's team, else their first staff organisation."""
    organisations = access.staff_organisations(user)
    team = set(case.team_members.filter(left_at__isnull=True).values_list("organisation_id", flat=True))
    for organisation in organisations:
        if organisation.pk in team:
            return organisation
    if organisations:
        return organisations[0]
    raise PermissionDenied


@require_http_methods(["GET", "POST"])
def unmet_need_create(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    """Record an unmet need of a case; GET gives the form (htmx: the form alone, into the case page)."""
    case = access.access_case(request.user, case_id, for_edit=True)
    if request.method != "POST":
        if request.htmx:
            return render(request, "regional/_unmet_need_form.html", {"case": case, "form": UnmetNeedForm()})
        context = {
            "case": case,
            "form": UnmetNeedForm(),
            "needs": selectors.case_unmet_needs(request.user, case),
            "may_record": True,
        }
        record_read(request, case, action="case.viewed")  # the form's own page lists the case's needs
        return render(request, "regional/unmet_need_form.html", context)
    form = UnmetNeedForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_record_unmet_need(
                case,
                acting_user=request.user,
                organisation=_recording_organisation(request.user, case),
                category=data["category"],
                what_was_missing=data["what_was_missing"],
                noted_on=data["noted_on"],
                area=data["area"],
            )
        except ActionRefused as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("The unmet need was recorded."))
            return redirect("cases:detail", case_id=case.pk)
    context = {"case": case, "form": form, "needs": selectors.case_unmet_needs(request.user, case), "may_record": True}
    return render(request, "regional/unmet_need_form.html", context, status=400)
