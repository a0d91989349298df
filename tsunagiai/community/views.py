"""Community pages: finding resources for a case, participation records, help requests, groups and volunteers.

Group members and assigned volunteers hold no staff role: they reach only the
help-request pages, and there they see only what a request carries — never a
case, a person or an intake (docs/community.md).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_list, record_read
from tsunagiai.cases.models import Case
from tsunagiai.community import selectors
from tsunagiai.community.actions import (
    allowed_participation_moves,
    do_add_group_member,
    do_assign_help_request,
    do_close_help_request,
    do_create_help_request,
    do_end_group_membership,
    do_propose_participation,
    do_register_volunteer,
    do_transition_participation,
    do_update_volunteer,
)
from tsunagiai.community.forms import (
    AssignForm,
    CloseForm,
    GroupMemberForm,
    HelpFilterForm,
    HelpRequestForm,
    ParticipationForm,
    ParticipationTransitionForm,
    PeriodForm,
    ResourceSearchForm,
    VolunteerForm,
    availability_tokens,
)
from tsunagiai.community.models import GroupMember, HelpRequest, Participation, Volunteer
from tsunagiai.core.concurrency import EditConflict
from tsunagiai.core.errors import ActionRefused
from tsunagiai.core.forms import add_action_errors
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.emergency.views import read_only_refusal
from tsunagiai.reference.models import Organisation, TownBlock

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

PAGE_SIZE = 25


def _with_version(data: Any, version: int) -> Any:
    """The user's input with the latest version: saving again applies it over the newer record."""
    copy = data.copy()
    copy["version"] = str(version)
    return copy


def _acting_organisation(user: User, case: Case | None = None) -> Organisation:
    orgs = access.staff_organisations(user)
    if case is not None:
        for org in orgs:
            if org.pk == case.lead_organisation_id:
                return org
    if not orgs:
        raise PermissionDenied
    return orgs[0]


# --- participation support -------------------------------------------------------------


def _may_edit_case(user: User, case: Case) -> bool:
    return access.may_edit_case(user, case)


def _resources_page(
    request: AuthenticatedRequest, case: Case, *, proposal_form: ParticipationForm | None = None, status: int = 200
) -> HttpResponse:
    people = selectors.case_people(case)
    form = ResourceSearchForm(request.GET or None, people=people)
    search = selectors.ResourceSearch()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        search = selectors.ResourceSearch(
            person_id=data["person"].pk if data["person"] else None,
            weekday=int(data["weekday"]) if data["weekday"] != "" else None,
            service_type=data["service_type"].code if data["service_type"] else "",
            cannot_travel={"yes": True, "no": False}.get(data["mobility"]),
        )
    result = (
        selectors.find_resources(request.user, case, search)
        if not form.is_bound or form.is_valid()
        else selectors.ResourceResult(case=case, people=people, person=None, block=None, profile=None)
    )
    return render(
        request,
        "community/find_resources.html",
        {
            "case": case,
            "form": form,
            "result": result,
            "may_edit": _may_edit_case(request.user, case),
            "proposal_form": proposal_form,
            "participations": selectors.participations_of_case(request.user, case),
            "stop_reasons": Participation.StopReason.choices,
            "focus_person": people[0] if people else None,
        },
        status=status,
    )


@require_GET
def find_resources(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = access.access_case(request.user, case_id)
    record_read(request, case, action="community.resources_searched")
    return _resources_page(request, case)


@require_POST
def participation_create(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    case = access.access_case(request.user, case_id, for_edit=True)
    form = ParticipationForm(request.POST, services=selectors.proposable_services(request.user))
    if form.is_valid():
        people = {p.pk: p for p in selectors.case_people(case)}
        person = people.get(form.cleaned_data["person"])
        if person is None:
            form.add_error("person", _("Not a member of this case's household."))
        else:
            try:
                do_propose_participation(
                    case,
                    person=person,
                    service=form.cleaned_data["service"],
                    organisation=_acting_organisation(request.user, case),
                    acting_user=request.user,
                    note=form.cleaned_data["note"],
                )
            except ActionRefused as exc:
                add_action_errors(form, exc)
            else:
                messages.success(request, _("The participation was recorded as proposed."))
                return redirect("cases:detail", case_id=case.pk)
    return _resources_page(request, case, proposal_form=form, status=400)


@require_http_methods(["POST"])
def participation_transition(request: AuthenticatedRequest, participation_id: int) -> HttpResponse:
    participation: Participation = access.access_participation(request.user, participation_id, for_edit=True)
    form = ParticipationTransitionForm(request.POST)
    conflict = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_transition_participation(
                participation,
                to=data["to"],
                on=data["on"],
                stop_reason=data["stop_reason"],
                note=data["note"] or None,
                acting_user=request.user,
                expected_version=data["version"],
            )
        except ActionRefused as exc:
            add_action_errors(form, exc)
        except EditConflict as exc:
            conflict = exc
            participation.refresh_from_db()
            form = ParticipationTransitionForm(_with_version(request.POST, participation.version))
        else:
            messages.success(request, _("The participation was updated."))
            return redirect("cases:detail", case_id=participation.case_id)
    status = (409 if request.htmx else 200) if conflict else 400
    return render(
        request,
        "community/participation_transition.html",
        {
            "participation": participation,
            "form": form,
            "conflict": conflict,
            "moves": allowed_participation_moves(participation.status),
        },
        status=status,
    )


# --- help requests ----------------------------------------------------------------------


@require_GET
def help_list(request: AuthenticatedRequest) -> HttpResponse:
    form = HelpFilterForm(request.GET or None)
    filters = selectors.HelpFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.HelpFilters(status=form.cleaned_data["status"], task=form.cleaned_data["task"])
    page = Paginator(selectors.help_queue(request.user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    if access.is_staff_member(request.user):  # the staff side: names and cases (a group sees its own tasks)
        record_list(request, "help_request.listed", model=HelpRequest, count=page.paginator.count, filters=filters)
    return render(
        request,
        "community/help_list.html",
        {
            "form": form,
            "page": page,
            "requests": list(page.object_list),
            "is_staff": access.is_staff_member(request.user),
            "coordinates": access.may_coordinate_help(request.user),
            "group_ids": access.help_group_ids(request.user),
        },
    )


def _help_create_context(request: AuthenticatedRequest) -> dict[str, Any]:
    return {
        "groups": selectors.mutual_help_groups(),
        "blocks": TownBlock.objects.filter(active=True).order_by("code"),
    }


@require_http_methods(["GET", "POST"])
def help_create(request: AuthenticatedRequest) -> HttpResponse:
    choices = _help_create_context(request)
    person = None
    case = None
    initial: dict[str, Any] = {"preferred_time": HelpRequest.TimeOfDay.ANY}
    source = request.POST if request.method == "POST" else request.GET
    if source.get("case"):
        try:
            case = access.visible_cases(request.user).filter(pk=int(source["case"])).first()
        except (TypeError, ValueError):
            case = None
    if source.get("person"):
        try:
            person = access.visible_people(request.user, among=[int(source["person"])]).first()
        except (TypeError, ValueError):
            person = None
        if person is not None:
            initial.update({"person": person.pk, "town_block": person.town_block_id})
    # A record open to the user only through an emergency access cannot be named (the grant is for reading).
    for kind, record in (("case", case), ("person", person)):
        if access.emergency_only(request.user, record):
            return read_only_refusal(request, access.NotLinkable(kind, kind))
    shown = person or case
    if request.method != "POST" and shown is not None:
        record_read(request, shown, action="person.viewed" if person is not None else "case.viewed")
    form = HelpRequestForm(request.POST or None, initial=initial, **choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["person"] and person is None:
            form.add_error("person", _("Not found among the people you may see."))
        else:
            try:
                help_request = do_create_help_request(
                    acting_user=request.user,
                    organisation=_acting_organisation(request.user, case),
                    group=data["group"],
                    task=data["task"],
                    description=data["description"],
                    town_block=data["town_block"],
                    preferred_date=data["preferred_date"],
                    preferred_time=data["preferred_time"],
                    person=person,
                    case=case,
                    share_identity=data["share_identity"],
                )
            except ActionRefused as exc:
                add_action_errors(form, exc)
            except access.NotLinkable as refused:
                return read_only_refusal(request, refused)
            else:
                messages.success(request, _("The request was sent to the group."))
                return redirect("community:help_detail", help_request_id=help_request.pk)
    consent_ok = None
    if person is not None and form.is_bound and form.data.get("group"):
        group = choices["groups"].filter(pk=form.data.get("group")).first() if form.data["group"].isdigit() else None
        consent_ok = selectors.identity_may_be_shared(person, group) if group else None
    return render(
        request,
        "community/help_create.html",
        {"form": form, "person": person, "case": case, "consent_ok": consent_ok},
        status=400 if form.is_bound and form.errors else 200,
    )


def _help_detail(
    request: AuthenticatedRequest,
    help_request: HelpRequest,
    *,
    assign_form: AssignForm | None = None,
    close_form: CloseForm | None = None,
    conflict: EditConflict | None = None,
    status: int = 200,
) -> HttpResponse:
    staff_view = access.sees_help_request_as_staff(request.user, help_request)
    may_act = access.may_act_on_help_request(request.user, help_request)
    volunteers = Volunteer.objects.filter(active=True).order_by("kana", "pk")
    suggestions = selectors.suggest_volunteers(help_request) if may_act and help_request.is_open else []
    assigned = list(help_request.volunteers.all())
    return render(
        request,
        "community/help_detail.html",
        {
            "item": help_request,
            "staff_view": staff_view,
            "may_act": may_act,
            "suggestions": suggestions,
            "assigned": assigned,
            "assign_form": assign_form
            or AssignForm(
                volunteers=volunteers,
                initial={"volunteers": [v.pk for v in assigned], "version": help_request.version},
            ),
            "close_form": close_form or CloseForm(initial={"version": help_request.version}),
            "conflict": conflict,
        },
        status=status,
    )


def _visible_request(request: AuthenticatedRequest, help_request_id: int) -> HelpRequest:
    return _with_related(access.access_help_request(request.user, help_request_id))


def _actionable_request(request: AuthenticatedRequest, help_request_id: int) -> HelpRequest:
    """One the user may act on (404 if unseen, 403 if neither their group's nor theirs to steer)."""
    return _with_related(access.actionable_help_request(request.user, help_request_id))


def _with_related(help_request: HelpRequest) -> HelpRequest:
    return (
        HelpRequest.objects.select_related(
            "town_block", "group", "requested_by_organisation", "person", "case", "town_block__elementary_district"
        )
        .filter(pk=help_request.pk)
        .get()
    )


@require_GET
def help_detail(request: AuthenticatedRequest, help_request_id: int) -> HttpResponse:
    help_request = _visible_request(request, help_request_id)
    if access.sees_help_request_as_staff(request.user, help_request) and help_request.person_id:
        record_read(request, help_request, action="community.help_request_viewed")
    return _help_detail(request, help_request)


@require_POST
def help_assign(request: AuthenticatedRequest, help_request_id: int) -> HttpResponse:
    help_request = _actionable_request(request, help_request_id)
    form = AssignForm(request.POST, volunteers=Volunteer.objects.filter(active=True))
    if form.is_valid():
        try:
            do_assign_help_request(
                help_request,
                volunteers=form.cleaned_data["volunteers"],
                acting_user=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except ActionRefused as exc:
            add_action_errors(form, exc)
        except EditConflict as exc:
            help_request.refresh_from_db()
            form = AssignForm(
                _with_version(request.POST, help_request.version), volunteers=Volunteer.objects.filter(active=True)
            )
            return _help_detail(
                request, help_request, assign_form=form, conflict=exc, status=409 if request.htmx else 200
            )
        else:
            messages.success(request, _("The volunteers were assigned."))
            return redirect("community:help_detail", help_request_id=help_request.pk)
    return _help_detail(request, help_request, assign_form=form, status=400)


@require_POST
def help_close(request: AuthenticatedRequest, help_request_id: int) -> HttpResponse:
    help_request = _actionable_request(request, help_request_id)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            do_close_help_request(
                help_request,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
                expected_version=form.cleaned_data["version"],
            )
        except ActionRefused as exc:
            add_action_errors(form, exc)
        except EditConflict as exc:
            help_request.refresh_from_db()
            form = CloseForm(_with_version(request.POST, help_request.version))
            return _help_detail(
                request, help_request, close_form=form, conflict=exc, status=409 if request.htmx else 200
            )
        else:
            messages.success(request, _("The request was closed."))
            return redirect("community:help_detail", help_request_id=help_request.pk)
    return _help_detail(request, help_request, close_form=form, status=400)


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve months, today included."""
    return today - dt.timedelta(days=364), today


def _group_stats_page(
    request: AuthenticatedRequest, *, member_form: GroupMemberForm | None = None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    date_from, date_to = default_period(today)
    form = PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        date_from = form.cleaned_data["date_from"] or date_from
        date_to = form.cleaned_data["date_to"] or date_to
    stats = selectors.group_stats(request.user, date_from, date_to) if not form.errors else []
    may_manage = access.may_manage_volunteers(request.user)
    shown = None
    members: list[GroupMember] = []
    if may_manage and request.GET.get("group", "").isdigit():
        shown = next((s.group for s in stats if s.group.pk == int(request.GET["group"])), None)
        if shown is not None:
            members = selectors.group_members(shown)
    if may_manage and member_form is None:
        member_form = GroupMemberForm(groups=selectors.mutual_help_groups(), initial={"group": shown})
    return render(
        request,
        "community/group_stats.html",
        {
            "form": form,
            "stats": stats,
            "date_from": date_from,
            "date_to": date_to,
            "may_manage": may_manage,
            "shown": shown,
            "members": members,
            "member_form": member_form,
        },
        status=400 if form.errors else status,
    )


@require_GET
def group_stats(request: AuthenticatedRequest) -> HttpResponse:
    return _group_stats_page(request)


@require_POST
def group_member_add(request: AuthenticatedRequest) -> HttpResponse:
    """The volunteer centre adds a member to a group, with the login of an existing user if they have one."""
    form = GroupMemberForm(request.POST, groups=selectors.mutual_help_groups())
    if form.is_valid():
        data = form.cleaned_data
        try:
            do_add_group_member(
                data["group"],
                name=data["name"],
                user=data["login"],
                role=data["role"],
                joined_on=data["joined_on"],
                acting_user=request.user,
            )
        except ActionRefused as exc:
            add_action_errors(form, exc)
        else:
            messages.success(request, _("The member was added to the group."))
            return redirect(f"{reverse('community:group_stats')}?group={data['group'].pk}")
    return _group_stats_page(request, member_form=form, status=400)


@require_POST
def group_member_leave(request: AuthenticatedRequest) -> HttpResponse:
    """A member leaves the group (the row stays, with the date, for the figures of past periods)."""
    try:
        member = GroupMember.objects.get(pk=int(request.POST.get("member", "")), left_on__isnull=True)
    except (GroupMember.DoesNotExist, ValueError, OverflowError):
        raise Http404 from None
    try:
        do_end_group_membership(member, acting_user=request.user)
    except ActionRefused:
        raise Http404 from None  # left meanwhile (someone pressed the button at the same moment): as if gone
    messages.success(request, _("The member left the group."))
    return redirect(f"{reverse('community:group_stats')}?group={member.provider_id}")


# --- volunteers ----------------------------------------------------------------------------


def _centre_of(user: User) -> Organisation:
    for membership in access.memberships(user):
        if membership.organisation.agency_type_id in access.HELP_COORDINATING_AGENCY_TYPES:
            return membership.organisation
    return _acting_organisation(user)


def _volunteer_list_page(
    request: AuthenticatedRequest, *, form: VolunteerForm | None = None, status: int = 200
) -> HttpResponse:
    may_manage = access.may_manage_volunteers(request.user)
    page = Paginator(selectors.volunteer_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "community/volunteer_list.html",
        {
            "page": page,
            "volunteers": list(page.object_list),
            "may_manage": may_manage,
            "form": form or (VolunteerForm() if may_manage else None),
        },
        status=status,
    )


@require_GET
def volunteer_list(request: AuthenticatedRequest) -> HttpResponse:
    return _volunteer_list_page(request)


@require_POST
def volunteer_create(request: AuthenticatedRequest) -> HttpResponse:
    form = VolunteerForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        do_register_volunteer(
            acting_user=request.user,
            centre=_centre_of(request.user),
            name=data["name"],
            kana=data["kana"],
            phone=data["phone"],
            skills=data["skills"],
            areas=data["areas"],
            availability=form.availability_bits(),
            note=data["note"],
        )
        messages.success(request, _("The volunteer was registered."))
        return redirect("community:volunteer_list")
    return _volunteer_list_page(request, form=form, status=400)


@require_http_methods(["GET", "POST"])
def volunteer_edit(request: AuthenticatedRequest, volunteer_id: int) -> HttpResponse:
    try:
        volunteer = access.visible_volunteers(request.user).get(pk=int(volunteer_id))
    except (Volunteer.DoesNotExist, ValueError, OverflowError):
        raise Http404 from None
    conflict = None
    if request.method == "POST":
        form = VolunteerForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                do_update_volunteer(
                    volunteer,
                    acting_user=request.user,
                    expected_version=data["version"] or 0,
                    skills=data["skills"],
                    areas=data["areas"],
                    name=data["name"],
                    kana=data["kana"],
                    phone=data["phone"],
                    availability=form.availability_bits(),
                    active=data["active"],
                    note=data["note"],
                )
            except EditConflict as exc:
                conflict = exc
                volunteer.refresh_from_db()
                form = VolunteerForm(_with_version(request.POST, volunteer.version))
                form.is_valid()
            else:
                messages.success(request, _("The volunteer was updated."))
                return redirect("community:volunteer_list")
    else:
        form = VolunteerForm(
            initial={
                "name": volunteer.name,
                "kana": volunteer.kana,
                "phone": volunteer.phone,
                "skills": list(volunteer.skills.all()),
                "areas": list(volunteer.areas.all()),
                "availability": availability_tokens(volunteer.availability),
                "active": volunteer.active,
                "note": volunteer.note,
                "version": volunteer.version,
            }
        )
    status = 200 if request.method == "GET" or conflict else 400
    return render(
        request,
        "community/volunteer_edit.html",
        {"volunteer": volunteer, "form": form, "conflict": conflict},
        status=status,
    )
