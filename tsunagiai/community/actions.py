"""Writes of the community app: participation records, help requests, volunteers and group members.

Each action is atomic, records an audit event and, for an edit, checks the
version the user saw (``save_versioned``): a concurrent change is refused,
never overwritten. Refusals name the field at fault in Japanese.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagiai.accounts import access
from tsunagiai.audit.actions import diff_fields, record_audit_event, snapshot, stored_snapshot
from tsunagiai.cases.models import Case
from tsunagiai.community.models import GroupMember, HelpRequest, Participation, Skill, Volunteer
from tsunagiai.community.selectors import identity_may_be_shared, is_mutual_help_group
from tsunagiai.core.concurrency import save_versioned
from tsunagiai.core.errors import ActionRefused
from tsunagiai.core.validation import PLANNING_HORIZON, check_date
from tsunagiai.people.models import Person
from tsunagiai.reference.models import Area, Organisation, TownBlock
from tsunagiai.resources.models import Provider, Service

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

# Participation: the allowed moves (docs/community.md). A proposal the person declines stops without a try.
PARTICIPATION_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Participation.Status.PROPOSED: (Participation.Status.TRIED, Participation.Status.STOPPED),
    Participation.Status.TRIED: (Participation.Status.CONTINUING, Participation.Status.STOPPED),
    Participation.Status.CONTINUING: (Participation.Status.STOPPED,),
    Participation.Status.STOPPED: (),
}
HELP_TRANSITIONS: dict[str, tuple[str, ...]] = {
    HelpRequest.Status.REQUESTED: (
        HelpRequest.Status.ASSIGNED,
        HelpRequest.Status.DONE,
        HelpRequest.Status.COULD_NOT,
    ),
    HelpRequest.Status.ASSIGNED: (HelpRequest.Status.ASSIGNED, HelpRequest.Status.DONE, HelpRequest.Status.COULD_NOT),
    HelpRequest.Status.DONE: (),
    HelpRequest.Status.COULD_NOT: (),
}


def _refuse_implausible_date(field: str, value: dt.date | None, label: Any, **rule: Any) -> None:
    """A date outside the plausible range (core.validation) is refused here too, whatever sent it."""
    errors: dict[str, str] = {}
    check_date(errors, field, value, label=label, **rule)
    if errors:
        raise ActionRefused(errors[field], field=field)


def allowed_participation_moves(status: str) -> tuple[str, ...]:
    return PARTICIPATION_TRANSITIONS.get(status, ())


# --- participation ------------------------------------------------------------------


@transaction.atomic
def do_propose_participation(
    case: Case,
    *,
    person: Person,
    service: Service,
    organisation: Organisation,
    acting_user: User,
    proposed_on: dt.date | None = None,
    note: str = "",
) -> Participation:
    """Record that a resource was proposed to a person of the case.

    One open participation (not stopped) per person and resource in a case: proposals of one case are
    serialised on the case row, so two people proposing the same resource at once make one
    participation and a refusal on the field, not two rows.
    """
    access.refuse_emergency_only(acting_user, case=case, person=person)  # an emergency access is read-only
    Case.objects.select_for_update().filter(pk=case.pk).first()
    today = timezone.localdate()
    proposed_on = proposed_on or today
    _refuse_implausible_date(
        "proposed_on",
        proposed_on,
        Participation._meta.get_field("proposed_on").verbose_name,
        not_before=person.birth_date,
        not_before_label=_("the date of birth"),
    )
    if (
        not case.focus_members.filter(pk=person.pk).exists()
        and not case.household.memberships.filter(person=person, ended_on__isnull=True).exists()
    ):
        raise ActionRefused(_("Person: not a member of this case's household."), field="person")
    if service.status != Service.Status.ACTIVE:
        raise ActionRefused(_("Community resource: this resource is not active."), field="service")
    if (
        Participation.objects.filter(case=case, person=person, service=service)
        .exclude(status=Participation.Status.STOPPED)
        .exists()
    ):
        raise ActionRefused(
            _("Community resource: already proposed to this person and not stopped; move that participation on."),
            field="service",
        )
    participation = Participation.objects.create(
        case=case,
        person=person,
        service=service,
        organisation=organisation,
        proposed_on=proposed_on,
        note=note,
        created_by=acting_user,
        updated_by=acting_user,
    )
    record_audit_event(
        "community.participation_proposed",
        acting_user=acting_user,
        obj=participation,
        changes={"case": case.pk, "service": service.pk, "status": participation.status},
    )
    return participation


@transaction.atomic
def do_transition_participation(
    participation: Participation,
    *,
    to: str,
    acting_user: User,
    expected_version: int,
    on: dt.date | None = None,
    stop_reason: str = "",
    note: str | None = None,
) -> Participation:
    """Move a participation along proposed → tried → continuing | stopped (with a reason)."""
    today = timezone.localdate()
    on = on or today
    if to not in allowed_participation_moves(participation.status):
        raise ActionRefused(
            _("Status: cannot go from “%(from)s” to “%(to)s”.")
            % {
                "from": participation.get_status_display(),
                "to": dict(Participation.Status.choices).get(to, to),
            },
            field="to",
        )
    _refuse_implausible_date("on", on, _("Date"))
    if on < participation.proposed_on:
        raise ActionRefused(_("Date: earlier than the proposal."), field="on")
    if to == Participation.Status.STOPPED and stop_reason not in Participation.StopReason.values:
        raise ActionRefused(_("Reason for stopping: choose why the participation stopped."), field="stop_reason")
    fields = ["status"]
    before = stored_snapshot(
        participation, ["status", "tried_on", "continuing_since", "stopped_on", "stop_reason", "note"]
    )
    participation.status = to
    if to == Participation.Status.TRIED:
        participation.tried_on = on
        fields.append("tried_on")
    elif to == Participation.Status.CONTINUING:
        participation.continuing_since = on
        fields.append("continuing_since")
    elif to == Participation.Status.STOPPED:
        participation.stopped_on = on
        participation.stop_reason = stop_reason
        fields += ["stopped_on", "stop_reason"]
    if note is not None:
        participation.note = note
        fields.append("note")
    save_versioned(participation, expected_version=expected_version, fields=fields, acting_user=acting_user)
    after = snapshot(participation, ["status", "tried_on", "continuing_since", "stopped_on", "stop_reason", "note"])
    record_audit_event(
        "community.participation_" + to,
        acting_user=acting_user,
        obj=participation,
        changes=diff_fields(before, after),
    )
    return participation


# --- help requests ---------------------------------------------------------------------


@transaction.atomic
def do_create_help_request(
    *,
    acting_user: User,
    organisation: Organisation,
    group: Provider,
    task: str,
    description: str,
    town_block: TownBlock,
    preferred_date: dt.date | None = None,
    preferred_time: str = HelpRequest.TimeOfDay.ANY,
    person: Person | None = None,
    case: Case | None = None,
    share_identity: bool = False,
) -> HelpRequest:
    """Send a task to a mutual-help group; the name and contact go only with the person's consent."""
    access.refuse_emergency_only(acting_user, person=person, case=case)  # an emergency access is read-only
    if task not in HelpRequest.Task.values:
        raise ActionRefused(_("Task: unknown task."), field="task")
    if not is_mutual_help_group(group):
        raise ActionRefused(_("Group: not a mutual-help group."), field="group")
    if preferred_date is not None and preferred_date < timezone.localdate():
        raise ActionRefused(_("Preferred date: a date in the past is not allowed."), field="preferred_date")
    _refuse_implausible_date("preferred_date", preferred_date, _("Preferred date"), max_future=PLANNING_HORIZON)
    shared: dict[str, str] = {}
    if share_identity:
        if person is None:
            raise ActionRefused(_("Share the name and contact: choose the person first."), field="share_identity")
        if not identity_may_be_shared(person, group):
            raise ActionRefused(
                _(
                    "Share the name and contact: the person's consent does not cover this group; "
                    "send the request without the name (an anonymous description and the area only)."
                ),
                field="share_identity",
            )
        address_block = person.town_block.name if person.town_block_id and person.town_block else ""
        shared = {
            "shared_name": person.full_name,
            "shared_address": f"{address_block}{person.address_line}",
            "shared_phone": person.phone,
        }
    request = HelpRequest.objects.create(
        task=task,
        description=description,
        town_block=town_block,
        preferred_date=preferred_date,
        preferred_time=preferred_time,
        person=person,
        case=case,
        identity_shared=bool(shared),
        requested_by_organisation=organisation,
        group=group,
        requested_at=timezone.now(),
        created_by=acting_user,
        updated_by=acting_user,
        **shared,
    )
    record_audit_event(
        "community.help_requested",
        acting_user=acting_user,
        obj=request,
        changes={"group": group.pk, "task": task, "identity_shared": bool(shared)},
        person_id=person.pk if person else None,
    )
    return request


@transaction.atomic
def do_assign_help_request(
    request: HelpRequest, *, volunteers: Iterable[Volunteer], acting_user: User, expected_version: int
) -> HelpRequest:
    """The group takes the request on, with the volunteers who will go."""
    if HelpRequest.Status.ASSIGNED not in HELP_TRANSITIONS[request.status]:
        raise ActionRefused(_("Status: this request is already closed."), field="status")
    chosen = list(volunteers)
    if any(not v.active for v in chosen):
        raise ActionRefused(_("Volunteers: an inactive volunteer cannot be assigned."), field="volunteers")
    before = {**stored_snapshot(request, ["status"]), "volunteers": sorted(v.pk for v in request.volunteers.all())}
    request.status = HelpRequest.Status.ASSIGNED
    request.assigned_at = request.assigned_at or timezone.now()
    save_versioned(
        request, expected_version=expected_version, fields=["status", "assigned_at"], acting_user=acting_user
    )
    request.volunteers.set(chosen)
    record_audit_event(
        "community.help_assigned",
        acting_user=acting_user,
        obj=request,
        changes=diff_fields(before, {"status": request.status, "volunteers": sorted(v.pk for v in chosen)}),
    )
    return request


@transaction.atomic
def do_close_help_request(
    request: HelpRequest, *, outcome: str, note: str, acting_user: User, expected_version: int
) -> HelpRequest:
    """Done, or could not help (with the reason)."""
    if outcome not in (HelpRequest.Status.DONE, HelpRequest.Status.COULD_NOT):
        raise ActionRefused(_("Outcome: choose done or could not help."), field="outcome")
    if outcome not in HELP_TRANSITIONS[request.status]:
        raise ActionRefused(_("Status: this request is already closed."), field="outcome")
    if outcome == HelpRequest.Status.COULD_NOT and not note.strip():
        raise ActionRefused(_("Outcome note: say why the group could not help."), field="note")
    before = stored_snapshot(request, ["status", "outcome_note"])
    request.status = outcome
    request.outcome_note = note
    request.closed_at = timezone.now()
    save_versioned(
        request,
        expected_version=expected_version,
        fields=["status", "outcome_note", "closed_at"],
        acting_user=acting_user,
    )
    record_audit_event(
        "community.help_" + outcome,
        acting_user=acting_user,
        obj=request,
        changes=diff_fields(before, snapshot(request, ["status", "outcome_note"])),
    )
    return request


# --- volunteers and group members -----------------------------------------------------

VOLUNTEER_FIELDS = ["name", "kana", "phone", "availability", "active", "note"]


@transaction.atomic
def do_register_volunteer(
    *,
    acting_user: User,
    centre: Organisation,
    name: str,
    kana: str = "",
    phone: str = "",
    skills: Iterable[Skill] = (),
    areas: Iterable[Area] = (),
    availability: int = 0,
    note: str = "",
    user: User | None = None,
) -> Volunteer:
    volunteer = Volunteer.objects.create(
        centre=centre,
        name=name,
        kana=kana,
        phone=phone,
        availability=availability,
        note=note,
        user=user,
        created_by=acting_user,
        updated_by=acting_user,
    )
    volunteer.skills.set(list(skills))
    volunteer.areas.set(list(areas))
    record_audit_event(
        "community.volunteer_registered",
        acting_user=acting_user,
        obj=volunteer,
        changes=snapshot(volunteer, [*VOLUNTEER_FIELDS, "skills", "areas"]),
    )
    return volunteer


@transaction.atomic
def do_update_volunteer(
    volunteer: Volunteer,
    *,
    acting_user: User,
    expected_version: int,
    skills: Iterable[Skill],
    areas: Iterable[Area],
    **values: Any,
) -> Volunteer:
    before = stored_snapshot(volunteer, [*VOLUNTEER_FIELDS, "skills", "areas"])
    for name in VOLUNTEER_FIELDS:
        if name in values:
            setattr(volunteer, name, values[name])
    save_versioned(volunteer, expected_version=expected_version, fields=VOLUNTEER_FIELDS, acting_user=acting_user)
    volunteer.skills.set(list(skills))
    volunteer.areas.set(list(areas))
    record_audit_event(
        "community.volunteer_changed",
        acting_user=acting_user,
        obj=volunteer,
        changes=diff_fields(before, snapshot(volunteer, [*VOLUNTEER_FIELDS, "skills", "areas"])),
    )
    return volunteer


@transaction.atomic
def do_add_group_member(
    provider: Provider,
    *,
    name: str,
    acting_user: User,
    user: User | None = None,
    role: str = GroupMember.GroupRole.MEMBER,
    joined_on: dt.date | None = None,
) -> GroupMember:
    if not is_mutual_help_group(provider):
        raise ActionRefused(_("Group: not a mutual-help group."), field="provider")
    # Additions to one group are serialised on its row: two adds of one login at once make one member
    # and a refusal on the field; the constraint (one current membership per login) catches any other path.
    Provider.objects.select_for_update().filter(pk=provider.pk).first()
    if user is not None and GroupMember.objects.filter(provider=provider, user=user, left_on__isnull=True).exists():
        raise ActionRefused(_("Login: already a member of this group."), field="login")
    _refuse_implausible_date("joined_on", joined_on, _("Joined on"))
    try:
        with transaction.atomic():  # a savepoint: the refusal leaves the transaction usable
            member = GroupMember.objects.create(
                provider=provider, user=user, name=name, role=role, joined_on=joined_on or timezone.localdate()
            )
    except IntegrityError as error:
        raise ActionRefused(_("Login: already a member of this group."), field="login") from error
    record_audit_event(
        "community.group_member_added",
        acting_user=acting_user,
        obj=member,
        changes={"provider": provider.pk, "user": getattr(user, "pk", None), "role": role},
    )
    return member


@transaction.atomic
def do_end_group_membership(member: GroupMember, *, acting_user: User, left_on: dt.date | None = None) -> GroupMember:
    left_on = left_on or timezone.localdate()
    _refuse_implausible_date("left_on", left_on, GroupMember._meta.get_field("left_on").verbose_name)
    if left_on < member.joined_on:
        raise ActionRefused(_("Left on: earlier than the day they joined."), field="left_on")
    # Only a current member leaves, once: a second leave at the same moment finds nobody to change.
    if not GroupMember.objects.filter(pk=member.pk, left_on__isnull=True).update(
        left_on=left_on, updated_at=timezone.now()
    ):
        raise ActionRefused(_("Member: has already left the group."), field="member")
    member.left_on = left_on
    record_audit_event(
        "community.group_member_left",
        acting_user=acting_user,
        obj=member,
        changes={"provider": member.provider_id, "left_on": left_on},
    )
    return member
