"""Writes to cases. Every function is one transaction with its audit event.

Refusals a user can fix (an illegal status change, a missing reason, a lead
that may not lead) raise ``ActionRefused`` with a Japanese message that
names the field; the pages show it beside the form, the API answers 422.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagiai.accounts import access
from tsunagiai.audit.actions import diff_fields, record_audit_event, stored_snapshot
from tsunagiai.cases import inbox_kinds
from tsunagiai.cases.models import Case, CaseStatusChange, LeadChange, LeadRequest, TeamMember
from tsunagiai.cases.selectors import (
    consent_subjects,
    coordination_overstays,
    derive_multi_issue,
    open_cases_of_intakes,
    overstay_days,
    requesting_organisation,
    requesting_organisation_ok,
    team_without_basis,
)
from tsunagiai.consent.errors import ConsentMissing
from tsunagiai.consent.selectors import people_without_consent
from tsunagiai.core.concurrency import EditConflict, save_versioned
from tsunagiai.core.errors import ActionRefused
from tsunagiai.core.locks import sweep_lock
from tsunagiai.inbox.models import InboxItem
from tsunagiai.intake.actions import do_resolve_intake_items
from tsunagiai.intake.models import Intake
from tsunagiai.people.models import Household, HouseholdMembership, Person
from tsunagiai.reference.models import Organisation

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

S = Case.Status

# The status machine (docs/cases.md). Forward one step at a time; a step back
# where the work really goes back (a plan that needs a new assessment, an
# active case whose plan must be redone, monitoring that finds new needs);
# closing only once support has run (active or monitoring); reopening from
# closed goes back to assessment and needs a reason.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.INTAKE: (S.ASSESSMENT,),
    S.ASSESSMENT: (S.PLANNING,),
    S.PLANNING: (S.ACTIVE, S.ASSESSMENT),
    S.ACTIVE: (S.MONITORING, S.PLANNING, S.CLOSED),
    S.MONITORING: (S.ACTIVE, S.CLOSED),
    S.CLOSED: (S.ASSESSMENT,),
}

REASON_MAX_LENGTH = 1000
ROLE_MAX_LENGTH = 100
BASIS_NOTE_MAX_LENGTH = 300
TITLE_MAX_LENGTH = 200


class CaseConflict(EditConflict):
    """Someone created, a moment earlier, the row this change would duplicate (a case for the same intake,
    a lead request of the same organisation). A conflict like any other: the page keeps the input, the API
    answers 409; ``existing`` is the row that won, for a link where the user may see it."""

    is_duplicate = True

    def __init__(self, existing: Any, message: str) -> None:
        Exception.__init__(self, message)
        self.obj = existing
        self.existing = existing


def _lock_case(case: Case) -> None:
    """Serialise changes that create rows under one case (team members, lead requests) on its row."""
    Case.objects.select_for_update().filter(pk=case.pk).first()


def allowed_transitions(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def _status_label(status: str) -> str:
    return str(S(status).label) if status in S.values else status


def _clean_reason(reason: str, *, required: bool, label: str) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ActionRefused(_("%(field)s: enter the reason.") % {"field": label}, field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ActionRefused(
            _("%(field)s: enter at most %(max)s characters.") % {"field": label, "max": REASON_MAX_LENGTH},
            field="reason",
        )
    return reason


def _bump_version(case: Case, *, acting_user: User, expected_version: int | None) -> None:
    """Record a change to the case's team or lead: checked against ``expected_version`` when given."""
    if expected_version is not None:
        save_versioned(case, expected_version=expected_version, fields=[], acting_user=acting_user)
        return
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1, updated_at=timezone.now(), updated_by=acting_user)
    case.refresh_from_db(fields=["version", "updated_at", "updated_by"])


# --- team ---------------------------------------------------------------------


@transaction.atomic
def do_add_team_member(
    case: Case,
    organisation: Organisation,
    *,
    acting_user: User,
    user: User | None = None,
    role: str = "",
    basis: str = TeamMember.Basis.CONSENT,
    basis_note: str = "",
    expected_version: int | None = None,
) -> TeamMember:
    """Put ``organisation`` (and ``user``) on the case's team; a current member is not added twice.

    Joining the team discloses the case's people to the organisation, so it needs
    a basis (docs/consent.md): the consent in force of every person concerned
    covering the organisation, or a recorded legal basis. Without one it is
    refused (``ConsentMissing``), naming the people and the organisation.
    """
    role = (role or "").strip()
    if len(role) > ROLE_MAX_LENGTH:
        raise ActionRefused(
            _("Role in the team: enter at most %(max)s characters.") % {"max": ROLE_MAX_LENGTH}, field="role"
        )
    basis_note = (basis_note or "").strip()
    if basis not in TeamMember.Basis.values:
        raise ActionRefused(_("Basis for sharing: choose one of the list."), field="basis")
    if len(basis_note) > BASIS_NOTE_MAX_LENGTH:
        raise ActionRefused(
            _("Note on the basis: enter at most %(max)s characters.") % {"max": BASIS_NOTE_MAX_LENGTH},
            field="basis_note",
        )
    if basis == TeamMember.Basis.CONSENT:
        uncovered = people_without_consent(consent_subjects(case), [organisation]).get(organisation.pk, [])
        if uncovered:
            raise ConsentMissing(
                _(
                    "Basis for sharing: no consent in force of %(names)s covers %(organisation)s. "
                    "Record the consent first, or choose a legal basis."
                )
                % {"names": "、".join(p.full_name for p in uncovered), "organisation": organisation.name},
                people=uncovered,
                field="basis",
            )
    if user is not None and not any(
        m.organisation_id == organisation.pk and m.role in access.STAFF_ROLES for m in access.memberships(user)
    ):
        raise ActionRefused(
            _("Staff member: %(user)s does not work for %(organisation)s.")
            % {"user": user, "organisation": organisation.name},
            field="user",
        )
    _lock_case(case)  # two additions of the same member at once add it once
    existing = TeamMember.objects.filter(case=case, organisation=organisation, user=user, left_at__isnull=True).first()
    if existing is not None:
        if expected_version is not None:
            _bump_version(case, acting_user=acting_user, expected_version=expected_version)
        return existing
    _bump_version(case, acting_user=acting_user, expected_version=expected_version)
    member = TeamMember.objects.create(
        case=case,
        organisation=organisation,
        user=user,
        role=role,
        basis=basis,
        basis_note=basis_note,
        joined_at=timezone.now(),
        added_by=acting_user,
    )
    record_audit_event(
        "cases.team_member_added",
        acting_user=acting_user,
        obj=case,
        changes={
            "organisation": organisation.pk,
            "user": getattr(user, "pk", None),
            "role": role,
            "basis": basis,
            "basis_note": basis_note,
        },
    )
    return member


def do_end_team_access_without_consent(*, acting_user: User | None, person: Person | None = None) -> int:
    """Take off their teams the organisations whose only basis was a consent no longer in force.

    Called when a consent is withdrawn (for that person's open cases) and by
    the periodic sweep (every open case: consents also expire). Withdrawal
    thereby takes effect at once: the organisation leaves the team, so its
    access to the case and the household ends, and the history keeps why. The
    lead organisation stays (someone must hold the case); the case page warns
    until a new consent or a legal basis is recorded. Returns the number of
    memberships ended.
    """
    cases = Case.objects.exclude(status=Case.Status.CLOSED).filter(
        team_members__basis=TeamMember.Basis.CONSENT, team_members__left_at__isnull=True
    )
    if person is not None:
        cases = cases.filter(
            Q(focus_members=person)
            | Q(household__memberships__person=person, household__memberships__ended_on__isnull=True)
        )
    ended = 0
    now = timezone.now()
    for case in cases.distinct().prefetch_related("focus_members"):
        members = list(case.team_members.filter(left_at__isnull=True).select_related("organisation"))
        for member, people in team_without_basis(case, members):
            if member.organisation_id == case.lead_organisation_id:
                continue
            with transaction.atomic():  # each membership ends with its audit event, or not at all
                if not TeamMember.objects.filter(pk=member.pk, left_at__isnull=True).update(left_at=now):
                    continue  # another run (a concurrent sweep, a withdrawal) ended it first: audited there, once
                ended += 1
                record_audit_event(
                    "cases.team_member_left_without_consent",
                    acting_user=acting_user,
                    obj=case,
                    changes={"organisation": member.organisation_id, "people": [p.pk for p in people]},
                    note="consent no longer in force",
                )
    return ended


@transaction.atomic
def do_remove_team_member(
    member: TeamMember, *, acting_user: User, expected_version: int | None = None, reason: str = ""
) -> TeamMember:
    """Take a member off the team (kept in the history with ``left_at``).

    Removing an organisation's own row removes its named staff too. The lead
    organisation stays on the team: change the lead first.
    """
    case = member.case
    if member.left_at is not None:
        return member
    reason = _clean_reason(reason, required=False, label=_("Reason"))
    if member.organisation_id == case.lead_organisation_id:
        others = TeamMember.objects.filter(
            case=case, organisation_id=member.organisation_id, left_at__isnull=True
        ).exclude(pk=member.pk)
        if member.user_id is None or not others.exists():
            raise ActionRefused(
                _("Team: the lead organisation cannot leave the team. Change the lead first."), field="member"
            )
    _bump_version(case, acting_user=acting_user, expected_version=expected_version)
    now = timezone.now()
    rows = TeamMember.objects.filter(pk=member.pk)
    if member.user_id is None:
        rows = TeamMember.objects.filter(case=case, organisation_id=member.organisation_id, left_at__isnull=True)
    rows.update(left_at=now)
    member.left_at = now
    record_audit_event(
        "cases.team_member_removed",
        acting_user=acting_user,
        obj=case,
        changes={"organisation": member.organisation_id, "user": member.user_id},
        note=reason,
    )
    return member


# --- opening ----------------------------------------------------------------------


def _opener_organisation(acting_user: User, intakes: Sequence[Intake]) -> Organisation | None:
    """The organisation the user opens the case for: the one that received an intake, else their first."""
    orgs = {o.pk: o for o in access.staff_organisations(acting_user)}
    edit_ids = access.organisation_ids(acting_user, access.EDIT_ROLES)
    for intake in intakes:
        if intake.receiving_organisation_id in edit_ids:
            return orgs[intake.receiving_organisation_id]
    for org_id, organisation in orgs.items():
        if org_id in edit_ids:
            return organisation
    return None


@transaction.atomic
def do_open_case(
    *,
    acting_user: User,
    household: Household,
    intakes: Sequence[Intake],
    focus_members: Iterable[Person] = (),
    title: str,
    lead_organisation: Organisation,
) -> Case:
    """Open a case about ``household`` from one or more intakes about it; the opener and the lead join the team."""
    title = (title or "").strip()
    if not title:
        raise ActionRefused(_("Title: this field is required."), field="title")
    if len(title) > TITLE_MAX_LENGTH:
        raise ActionRefused(_("Title: enter at most %(max)s characters.") % {"max": TITLE_MAX_LENGTH}, field="title")
    if not intakes:
        raise ActionRefused(_("Intakes: choose at least one intake."), field="intake_ids")
    # Never a household or person the opener sees only through an emergency access (read-only).
    focus_members = list(focus_members)
    access.refuse_emergency_only(acting_user, household=household)
    access.refuse_emergency_only(acting_user, people=focus_members, field="focus_member_ids")
    if not lead_organisation.active:
        raise ActionRefused(_("Lead organisation: this organisation is not active."), field="lead_organisation")
    intake_ids = {i.pk for i in intakes}
    if access.visible_intakes(acting_user).filter(pk__in=intake_ids).count() != len(intake_ids):
        raise ActionRefused(_("Intakes: an intake was not found."), field="intake_ids")
    member_ids = set(HouseholdMembership.objects.filter(household=household).values_list("person_id", flat=True))
    for intake in intakes:
        if intake.household_id != household.pk and intake.person_id not in member_ids:
            raise ActionRefused(
                _("Intakes: intake #%(id)s is not about this household or its members.") % {"id": intake.pk},
                field="intake_ids",
            )
    focus = list(focus_members)
    current_ids = set(
        HouseholdMembership.objects.filter(household=household, ended_on__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    for person in focus:
        if person.pk not in current_ids:
            raise ActionRefused(
                _("Focus members: %(name)s is not a current member of this household.") % {"name": person.full_name},
                field="focus_member_ids",
            )
    opener = _opener_organisation(acting_user, intakes)
    if opener is None and not access.is_coordination(acting_user):
        raise ActionRefused(_("You may not open a case."), field="")
    # The intakes' rows serialise openings: of two cases opened from one intake at once, one wins and the
    # other finds it here, exactly as a second opening from a page left open does.
    list(Intake.objects.select_for_update().filter(pk__in=intake_ids).order_by("pk").values_list("pk", flat=True))
    already = open_cases_of_intakes(intake_ids).first()
    if already is not None:
        raise CaseConflict(
            already,
            _(
                "A case is already open for this intake (opened meanwhile, or earlier). "
                "Your input is kept below: add to that case instead, or close it before opening another."
            ),
        )
    now = timezone.now()
    case = Case.objects.create(
        household=household,
        title=title,
        status=S.INTAKE,
        lead_organisation=lead_organisation,
        lead_since=now,
        opened_at=now,
        created_by=acting_user,
        updated_by=acting_user,
    )
    case.intakes.set(intakes)
    case.focus_members.set(focus)
    case.is_multi_issue = derive_multi_issue(case)
    case.save(update_fields=["is_multi_issue"])
    LeadChange.objects.create(
        case=case,
        from_organisation=None,
        to_organisation=lead_organisation,
        reason=_("Lead when the case was opened."),
        changed_at=now,
        changed_by=acting_user,
    )
    CaseStatusChange.objects.create(
        case=case, from_status="", to_status=S.INTAKE, changed_at=now, changed_by=acting_user
    )
    # An organisation that took one of the intakes holds the information itself;
    # any other (a lead named by the opener) is there on the person's consent.
    receivers = {i.receiving_organisation_id for i in intakes}

    def basis_of(organisation: Organisation) -> str:
        return TeamMember.Basis.INTAKE if organisation.pk in receivers else TeamMember.Basis.CONSENT

    for organisation in dict.fromkeys(o for o in (opener, lead_organisation) if o is not None):
        TeamMember.objects.create(
            case=case, organisation=organisation, basis=basis_of(organisation), joined_at=now, added_by=acting_user
        )
    if opener is not None:
        TeamMember.objects.create(
            case=case,
            organisation=opener,
            user=acting_user,
            basis=basis_of(opener),
            joined_at=now,
            added_by=acting_user,
        )
    Intake.objects.filter(pk__in=intake_ids, first_response=Intake.FirstResponse.UNDECIDED).update(
        first_response=Intake.FirstResponse.OPEN_CASE, version=F("version") + 1, updated_at=now, updated_by=acting_user
    )
    # The intakes are taken up by the case: their alerts are done (inside this transaction, audited).
    for intake in intakes:
        do_resolve_intake_items(intake, acting_user=acting_user)
    record_audit_event(
        "cases.opened",
        acting_user=acting_user,
        obj=case,
        changes={
            "household": household.pk,
            "intakes": sorted(intake_ids),
            "focus_members": sorted(p.pk for p in focus),
            "lead_organisation": lead_organisation.pk,
            "title": title,
        },
    )
    return case


# --- status -----------------------------------------------------------------------


@transaction.atomic
def do_change_case_status(case: Case, *, to: str, acting_user: User, expected_version: int, reason: str = "") -> Case:
    """Move the case along the status machine (TRANSITIONS); reopening a closed case needs a reason."""
    if to not in S.values:
        raise ActionRefused(_("Status: choose one of the allowed values."), field="to")
    allowed = allowed_transitions(case.status)
    if to not in allowed:
        raise ActionRefused(
            _("Status: a case cannot go from “%(from)s” to “%(to)s”. Allowed next: %(allowed)s.")
            % {
                "from": _status_label(case.status),
                "to": _status_label(to),
                "allowed": "、".join(f"「{_status_label(s)}」" for s in allowed) or "—",
            },
            field="to",
        )
    reopening = case.status == S.CLOSED
    reason = _clean_reason(reason, required=reopening, label=_("Reason for reopening") if reopening else _("Reason"))
    before = stored_snapshot(case, ["status", "closed_at"])
    from_status = case.status
    now = timezone.now()
    case.status = to
    case.closed_at = now if to == S.CLOSED else None
    save_versioned(case, expected_version=expected_version, fields=["status", "closed_at"], acting_user=acting_user)
    CaseStatusChange.objects.create(
        case=case, from_status=from_status, to_status=to, reason=reason, changed_at=now, changed_by=acting_user
    )
    if to == S.CLOSED:
        LeadRequest.objects.filter(case=case, status=LeadRequest.Status.PENDING).update(
            status=LeadRequest.Status.WITHDRAWN, decided_at=now, decision_note=_("The case was closed.")
        )
        # Nothing is left to do about a closed case: its lead requests, overstay and no-contact items go.
        from tsunagiai.inbox.actions import do_resolve_items_about

        do_resolve_items_about(case, acting_user=acting_user)
    record_audit_event(
        "cases.reopened" if reopening else "cases.status_changed",
        acting_user=acting_user,
        obj=case,
        changes=diff_fields(before, {"status": case.status, "closed_at": case.closed_at}),
        note=reason,
    )
    return case


# --- lead ---------------------------------------------------------------------------


@transaction.atomic
def do_change_lead(
    case: Case, *, organisation: Organisation, reason: str, acting_user: User, expected_version: int
) -> LeadChange:
    """Hand the lead (主導役) to ``organisation`` with a reason; it joins the team; the history keeps every change."""
    reason = _clean_reason(reason, required=True, label=_("Reason for the change of lead"))
    if case.status == S.CLOSED:
        raise ActionRefused(_("Lead: the case is closed. Reopen it first."), field="organisation_id")
    if not organisation.active:
        raise ActionRefused(_("Lead organisation: this organisation is not active."), field="organisation_id")
    if organisation.pk == case.lead_organisation_id:
        raise ActionRefused(
            _("Lead organisation: %(name)s is already the lead.") % {"name": organisation.name}, field="organisation_id"
        )
    previous_id = case.lead_organisation_id
    now = timezone.now()
    case.lead_organisation = organisation
    case.lead_since = now
    save_versioned(
        case, expected_version=expected_version, fields=["lead_organisation", "lead_since"], acting_user=acting_user
    )
    change = LeadChange.objects.create(
        case=case,
        from_organisation_id=previous_id,
        to_organisation=organisation,
        reason=reason,
        changed_at=now,
        changed_by=acting_user,
    )
    if not TeamMember.objects.filter(case=case, organisation=organisation, left_at__isnull=True).exists():
        TeamMember.objects.create(
            case=case, organisation=organisation, joined_at=now, added_by=acting_user, role=_("lead")
        )
    # A pending request of the new lead is answered by the change itself, and so is its inbox item.
    answered = LeadRequest.objects.filter(case=case, organisation=organisation, status=LeadRequest.Status.PENDING)
    answered_ids = list(answered.values_list("pk", flat=True))
    answered.update(status=LeadRequest.Status.ACCEPTED, decided_by=acting_user, decided_at=now)
    _resolve_lead_request_items(answered_ids, acting_user=acting_user)
    # The overstay warning's work is done once the lead has moved.
    from tsunagiai.inbox.actions import do_resolve_items_about

    do_resolve_items_about(case, acting_user=acting_user, kind=inbox_kinds.COORDINATION_OVERSTAY)
    record_audit_event(
        "cases.lead_changed",
        acting_user=acting_user,
        obj=case,
        changes=diff_fields({"lead_organisation": previous_id}, {"lead_organisation": organisation.pk}),
        note=reason,
    )
    return change


@transaction.atomic
def do_request_lead(
    case: Case, *, acting_user: User, reason: str, organisation: Organisation | None = None
) -> LeadRequest:
    """A team member asks to take the lead; the current lead's inbox is told."""
    reason = _clean_reason(reason, required=True, label=_("Reason for the request"))
    if case.status == S.CLOSED:
        raise ActionRefused(_("Lead: the case is closed. Reopen it first."), field="reason")
    if organisation is None:
        own = requesting_organisation(case, acting_user)
    else:
        own = organisation if requesting_organisation_ok(case, acting_user, organisation) else None
    if own is None:
        raise ActionRefused(
            _("Lead request: only a team member other than the lead may ask to take the lead."), field="organisation_id"
        )
    _lock_case(case)  # two requests at once: the second finds the first here
    pending = LeadRequest.objects.filter(case=case, organisation=own, status=LeadRequest.Status.PENDING).first()
    if pending is not None:
        raise _lead_request_pending(pending)
    try:
        with transaction.atomic():
            request = LeadRequest.objects.create(
                case=case, organisation=own, requested_by=acting_user, requested_at=timezone.now(), reason=reason
            )
    except IntegrityError as error:
        raise _lead_request_pending(
            LeadRequest.objects.filter(case=case, organisation=own, status=LeadRequest.Status.PENDING).first()
        ) from error
    from tsunagiai.inbox.actions import do_post_inbox_item

    do_post_inbox_item(
        organisation=case.lead_organisation,
        kind=inbox_kinds.LEAD_REQUEST,
        title=_("%(organisation)s asks to take the lead: %(case)s") % {"organisation": own.name, "case": case.title},
        subject=case,
        url=reverse("cases:detail", args=[case.pk]),
        dedupe_key=f"lead_request:{request.pk}",
    )
    record_audit_event(
        "cases.lead_requested", acting_user=acting_user, obj=case, changes={"organisation": own.pk}, note=reason
    )
    return request


def _resolve_lead_request_items(request_ids: Iterable[int], *, acting_user: User) -> None:
    """Resolve (audited) the open inbox items of decided lead requests."""
    from tsunagiai.inbox.actions import do_resolve_inbox_item

    keys = [f"lead_request:{pk}" for pk in request_ids]
    for item in InboxItem.objects.filter(dedupe_key__in=keys, resolved_at__isnull=True).select_for_update():
        do_resolve_inbox_item(item, acting_user=acting_user)


def _lead_request_pending(pending: LeadRequest | None) -> CaseConflict:
    name = pending.organisation.name if pending is not None else ""
    return CaseConflict(
        pending,
        _(
            "%(name)s has already asked to take the lead (perhaps a colleague, a moment ago); wait for the "
            "decision. Your reason is kept below."
        )
        % {"name": name},
    )


@transaction.atomic
def do_decide_lead_request(
    lead_request: LeadRequest, *, accept: bool, acting_user: User, expected_version: int, note: str = ""
) -> LeadRequest:
    """Accept (the lead moves, with the request's reason) or decline (a note is required) a pending request."""
    case = lead_request.case
    if lead_request.status != LeadRequest.Status.PENDING:
        raise ActionRefused(_("Lead request: this request has already been decided."), field="accept")
    if not access.may_decide_lead_requests(acting_user, case):
        raise ActionRefused(
            _("Lead request: only the current lead or the coordination section may decide."), field="accept"
        )
    note = _clean_reason(note, required=not accept, label=_("Reason for declining") if not accept else _("Note"))
    if accept:
        organisation = lead_request.organisation
        reason = _("Lead request accepted: %(reason)s") % {"reason": lead_request.reason}
        if note:
            reason = f"{reason}\n{note}"
        do_change_lead(
            case,
            organisation=organisation,
            reason=reason[:REASON_MAX_LENGTH],
            acting_user=acting_user,
            expected_version=expected_version,
        )
    else:
        _bump_version(case, acting_user=acting_user, expected_version=expected_version)
    lead_request.status = LeadRequest.Status.ACCEPTED if accept else LeadRequest.Status.DECLINED
    lead_request.decided_by = acting_user
    lead_request.decided_at = timezone.now()
    lead_request.decision_note = note
    lead_request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _resolve_lead_request_items([lead_request.pk], acting_user=acting_user)
    record_audit_event(
        "cases.lead_request_accepted" if accept else "cases.lead_request_declined",
        acting_user=acting_user,
        obj=case,
        changes={"lead_request": lead_request.pk, "organisation": lead_request.organisation_id},
        note=note,
    )
    return lead_request


# --- flags -----------------------------------------------------------------------------


@transaction.atomic
def do_set_case_flags(
    case: Case, *, is_gap_case: bool, is_difficult: bool, acting_user: User, expected_version: int
) -> Case:
    """Set 制度の狭間 and 支援困難; multi_issue is derived again from the intakes at the same time."""
    fields = ["is_gap_case", "is_difficult", "is_multi_issue"]
    before = stored_snapshot(case, fields)
    case.is_gap_case = is_gap_case
    case.is_difficult = is_difficult
    case.is_multi_issue = derive_multi_issue(case)
    save_versioned(case, expected_version=expected_version, fields=fields, acting_user=acting_user)
    record_audit_event(
        "cases.flags_changed",
        acting_user=acting_user,
        obj=case,
        changes=diff_fields(before, {name: getattr(case, name) for name in fields}),
    )
    return case


# --- the coordination section's overstay ------------------------------------------------


def sweep_coordination_overstay(now: dt.datetime | None = None) -> int:
    """Warn the coordination section once per lead period where it stayed lead too long; returns items posted.

    On PostgreSQL a second run at once finds the sweep's lock taken and skips (returns 0).
    """
    with sweep_lock("coordination_overstay") as acquired:
        return _sweep_coordination_overstay(now) if acquired else 0


def _sweep_coordination_overstay(now: dt.datetime | None) -> int:
    from tsunagiai.inbox.actions import do_post_inbox_item

    posted = 0
    for case, _since in coordination_overstays(now):
        key = f"case:{case.pk}:coordination_overstay:{int((case.lead_since or case.opened_at).timestamp())}"
        # Once per lead period: a resolved warning is not posted again every day.
        if InboxItem.objects.filter(dedupe_key=key).exists():
            continue
        with transaction.atomic():
            do_post_inbox_item(
                organisation=case.lead_organisation,
                kind=inbox_kinds.COORDINATION_OVERSTAY,
                title=_("Still lead more than %(days)s days after a specialist agency joined: %(case)s")
                % {"days": overstay_days(), "case": case.title},
                subject=case,
                url=reverse("cases:detail", args=[case.pk]),
                dedupe_key=key,
            )
        posted += 1
    return posted
