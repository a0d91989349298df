"""Writes to referrals. Every function is one transaction with its event, audit record and inbox posts.

Each state change is a conditional UPDATE on the version the actor saw
(``save_versioned``): when two people act on one referral at once (accept and
decline), the first wins and the second gets ``EditConflict``, so a referral
never ends with two outcomes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_audit_event
from tsunagiai.core.concurrency import save_versioned
from tsunagiai.core.errors import ActionRefused
from tsunagiai.core.locks import sweep_lock
from tsunagiai.core.validation import moment_problem
from tsunagiai.core.workdays import add_working_days
from tsunagiai.inbox.actions import do_post_inbox_item, do_resolve_items_about
from tsunagiai.intake.models import Intake
from tsunagiai.reference.models import Organisation
from tsunagiai.referrals import inbox_kinds
from tsunagiai.referrals.models import (
    FINAL_STATES,
    REASON_REQUIRED,
    RECIPIENT,
    ConsentMissing,
    IllegalTransition,
    OutcomeCode,
    ReasonCode,
    Referral,
    ReferralEvent,
    SharedSection,
    SharingBasis,
    Status,
)
from tsunagiai.referrals.selectors import referral_alternatives
from tsunagiai.referrals.timers import referral_timers

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

TEXT_MAX = 2000
NOTE_MAX = 300
# A chain of referrals declined this many times goes to the coordination section (制度の狭間).
ESCALATE_AFTER_DECLINES = 2
CONSENTED_AT_INTAKE = frozenset({Intake.ConsentStatus.WRITTEN, Intake.ConsentStatus.ORAL})
# Moves that use or report on what was shared: only while the basis for sharing holds. Declining,
# putting on hold, "could not be completed" and cancelling stay possible, so a referral can be closed.
NEEDS_BASIS = frozenset({Status.ACCEPTED, Status.FIRST_CONTACT, Status.IN_PROGRESS, Status.COMPLETED})


def _referral_url(referral: Referral) -> str:
    return reverse("referrals:detail", args=[referral.pk])


def _lacking_consent(
    *, person: Any, intake: Intake | None, to_organisation: Organisation, case: Any = None
) -> list[Any] | None:
    """None when consent covers ``to_organisation``, else the people whose consent is missing.

    The person's consent records (for a case without a person, those of the case's people); for an
    unidentified person, the intake's answer (then nobody to record it for: an empty list).
    """
    from tsunagiai.consent.selectors import consent_covers, people_without_consent

    if person is not None:
        return None if consent_covers(person, [to_organisation]).ok else [person]
    if case is not None and intake is None:
        from tsunagiai.cases.selectors import consent_subjects

        subjects = consent_subjects(case)
        if not subjects:
            return []
        missing = people_without_consent(subjects, [to_organisation]).get(to_organisation.pk, [])
        return missing or None
    if intake is None or intake.consent_status not in CONSENTED_AT_INTAKE:
        return []
    # The intake's answer counts; when it names the organisations it covers, only for those.
    named = {org.pk for org in intake.consent_organisations.all()}
    return None if not named or to_organisation.pk in named else []


def _event(
    referral: Referral, before: str, *, acting_user: User, organisation: Any, reason_code: str, note: str
) -> None:
    ReferralEvent.objects.create(
        referral=referral,
        from_status=before,
        to_status=referral.status,
        at=referral.status_changed_at,
        by=acting_user,
        organisation=organisation,
        reason_code=reason_code,
        note=note,
    )


@transaction.atomic
def do_send_referral(
    *,
    acting_user: User,
    from_organisation: Organisation,
    to_organisation: Organisation,
    reason: str,
    request: str,
    shared_sections: Iterable[str],
    sharing_basis: str,
    sharing_note: str = "",
    person: Any = None,
    household: Any = None,
    intake: Intake | None = None,
    case: Any = None,
    previous: Referral | None = None,
) -> Referral:
    """Send a referral; the receiving organisation finds it in its inbox."""
    if from_organisation.pk not in access.organisation_ids(acting_user, access.EDIT_ROLES):
        raise ActionRefused(_("From: you do not work for this organisation."), field="from_organisation")
    if to_organisation.pk == from_organisation.pk or not to_organisation.active:
        raise ActionRefused(_("To: choose another, active organisation."), field="to_organisation")
    reason, request, sharing_note = reason.strip(), request.strip(), sharing_note.strip()
    if not reason or len(reason) > TEXT_MAX:
        raise ActionRefused(_("Reason: enter up to %(max)s characters.") % {"max": TEXT_MAX}, field="reason")
    if not request or len(request) > TEXT_MAX:
        raise ActionRefused(_("What is asked: enter up to %(max)s characters.") % {"max": TEXT_MAX}, field="request")
    if len(sharing_note) > NOTE_MAX:
        raise ActionRefused(
            _("Note on the basis: at most %(max)s characters.") % {"max": NOTE_MAX}, field="sharing_note"
        )
    sections = sorted(set(shared_sections))
    if any(code not in SharedSection.values for code in sections):
        raise ActionRefused(_("Shared sections: unknown section."), field="shared_sections")
    if sharing_basis not in SharingBasis.values:
        raise ActionRefused(_("Basis for sharing: choose one of the list."), field="sharing_basis")
    if person is None and household is None and intake is None and case is None:
        raise ActionRefused(_("Who: a referral is about a person, an intake or a case."), field="person")
    # Defence in depth: never a record the sender sees only through an emergency access (read-only).
    access.refuse_emergency_only(acting_user, person=person, household=household, case=case)
    lacking = (
        _lacking_consent(person=person, intake=intake, to_organisation=to_organisation, case=case)
        if sharing_basis == SharingBasis.CONSENT
        else None
    )
    if lacking is not None:
        raise ConsentMissing(
            _(
                "Basis for sharing: no consent on record covers %(organisation)s. "
                "Record the person's consent first, or choose a legal exception."
            )
            % {"organisation": to_organisation.name},
            people=lacking,
        )
    earlier_declines = 0
    if previous is not None:
        earlier_declines = previous.earlier_declines + (1 if previous.status == Status.DECLINED else 0)
    now = timezone.now()
    timers = referral_timers()
    referral = Referral.objects.create(
        from_organisation=from_organisation,
        to_organisation=to_organisation,
        sent_by=acting_user,
        sent_at=now,
        person=person,
        household=household,
        intake=intake,
        case=case,
        previous=previous,
        earlier_declines=earlier_declines,
        reason=reason,
        request=request,
        shared_sections=sections,
        sharing_basis=sharing_basis,
        sharing_note=sharing_note,
        status=Status.SENT,
        status_changed_at=now,
        seen_due_at=add_working_days(now, timers["not_seen"]),
        accept_due_at=add_working_days(now, timers["not_accepted"]),
        created_by=acting_user,
        updated_by=acting_user,
    )
    _event(referral, "", acting_user=acting_user, organisation=from_organisation, reason_code="", note="")
    record_audit_event(
        "referrals.sent",
        acting_user=acting_user,
        obj=referral,
        changes={"to_organisation": to_organisation.pk, "shared_sections": sections, "sharing_basis": sharing_basis},
    )
    do_post_inbox_item(
        organisation=to_organisation,
        kind=inbox_kinds.REFERRAL_RECEIVED,
        title=_("Referral #%(id)s from %(organisation)s") % {"id": referral.pk, "organisation": from_organisation.name},
        subject=referral,
        url=_referral_url(referral),
    )
    return referral


def _notify(referral: Referral, organisation: Organisation, title: str, *, kind: str = "") -> None:
    do_post_inbox_item(
        organisation=organisation,
        kind=kind or inbox_kinds.REFERRAL_UPDATED,
        title=title,
        subject=referral,
        url=_referral_url(referral),
    )


def _acting_organisation(referral: Referral, side: str) -> Organisation:
    return referral.to_organisation if side == RECIPIENT else referral.from_organisation


@transaction.atomic
def do_transition_referral(
    referral: Referral,
    to: str,
    *,
    acting_user: User,
    reason_code: str = "",
    note: str = "",
    outcome_code: str = "",
    outcome_text: str = "",
    expected_version: int | None = None,
    contact_at: dt.datetime | None = None,
) -> Referral:
    """Move a referral to ``to``: only legal moves, by the side allowed, with a reason where one is needed.

    ``contact_at`` back-dates a first contact (it happened on the phone before it was recorded):
    not before the referral was sent, not in the future; ignored for other moves.

    Raises ``IllegalTransition`` (the move is not possible from this state, or
    not for this user's side), ``ActionRefused`` (missing/unknown reason
    or outcome) or ``EditConflict`` (someone changed the referral first).
    """
    side = referral.check_transition(to)
    if to == Status.SEEN:
        allowed = access.referral_recipient_staff(acting_user, referral)
    else:
        allowed = side in access.referral_sides(acting_user, referral)
    if not allowed:
        raise IllegalTransition(
            _("Only the receiving organisation can do this.")
            if side == RECIPIENT
            else _("Only the referring organisation can do this.")
        )
    note = note.strip()
    if len(note) > TEXT_MAX:
        raise ActionRefused(_("Note: at most %(max)s characters.") % {"max": TEXT_MAX}, field="note")
    if to in NEEDS_BASIS and not access.referral_basis_holds(referral):
        raise ActionRefused(
            _(
                "Basis for sharing: the consent this referral rests on has been withdrawn or has expired, or no "
                "longer covers %(organisation)s, so the referral cannot go further. Decline it, put it on hold "
                "or record that it could not be completed; the referring organisation may record the person's "
                "consent again."
            )
            % {"organisation": referral.to_organisation.name},
            field="sharing_basis",
        )
    fields = ["status", "status_changed_at", "seen_at", "accepted_at", "first_contact_at", "closed_at"]
    if to in REASON_REQUIRED:
        if reason_code not in ReasonCode.values:
            raise ActionRefused(_("Reason: choose a reason from the list."), field="reason_code")
        if not note:
            raise ActionRefused(_("Reason in words: please explain the reason."), field="note")
        referral.close_reason_code, referral.close_reason_note = reason_code, note
        fields += ["close_reason_code", "close_reason_note"]
    else:
        reason_code = ""
    if to == Status.COMPLETED:
        outcome_text = outcome_text.strip()
        if outcome_code not in OutcomeCode.values:
            raise ActionRefused(_("Outcome: choose an outcome from the list."), field="outcome_code")
        if not outcome_text or len(outcome_text) > TEXT_MAX:
            raise ActionRefused(_("Outcome in words: describe the outcome for the referrer."), field="outcome_text")
        referral.outcome_code, referral.outcome_text = outcome_code, outcome_text
        fields += ["outcome_code", "outcome_text"]
    now = timezone.now()
    if to == Status.FIRST_CONTACT and contact_at is not None:
        contact_at = _check_contact_at(referral, contact_at, now=now)
    version = referral.version if expected_version is None else expected_version
    before = referral.transition_to(to, at=now)
    if to == Status.FIRST_CONTACT and contact_at is not None:
        referral.first_contact_at = contact_at
    if to == Status.ACCEPTED:
        referral.first_contact_due_at = add_working_days(now, referral_timers()["no_first_contact"])
        fields.append("first_contact_due_at")
    save_versioned(referral, expected_version=version, fields=fields, acting_user=acting_user)
    organisation = _acting_organisation(referral, side)
    _event(referral, before, acting_user=acting_user, organisation=organisation, reason_code=reason_code, note=note)
    record_audit_event(
        f"referrals.{to}",
        acting_user=acting_user,
        obj=referral,
        changes={"status": {"before": before, "after": to}, "reason_code": reason_code},
        note=note[:500],
    )
    _resolve_done_items(referral, to, acting_user=acting_user)
    _after_transition(referral, to, acting_user=acting_user)
    return referral


# The receiving side's answer (accepted, declined), first contact recorded, or the referral withdrawn:
# the items that asked for that answer are done. Resolved before the notices of the move are posted,
# so the notice to the other side stays open.
_ANSWERED = (Status.ACCEPTED, Status.DECLINED, Status.FIRST_CONTACT, Status.CANCELLED)


def _resolve_done_items(referral: Referral, to: str, *, acting_user: User) -> None:
    """Resolve the open items that waited for the receiving side (the arrival, its overdue alerts, escalation).

    The overdue alerts (also those posted to the referring organisation and the
    coordination section) and the escalation are about the receiving side's
    answer, so they go too; a decline keeps the escalation (nobody has accepted
    yet, the gap is still there). Notices to the referring organisation stay.
    """
    if to not in _ANSWERED:
        return
    waiting = [inbox_kinds.REFERRAL_RECEIVED, inbox_kinds.REFERRAL_OVERDUE]
    if to != Status.DECLINED:
        waiting.append(inbox_kinds.REFERRAL_ESCALATED)
    do_resolve_items_about(referral, acting_user=acting_user, kind=waiting)
    do_resolve_items_about(
        referral, acting_user=acting_user, kind=inbox_kinds.REFERRAL_UPDATED, organisation=referral.to_organisation
    )


def _check_contact_at(referral: Referral, contact_at: dt.datetime, *, now: dt.datetime) -> dt.datetime:
    """The first contact's time, checked; one typed in the minute the referral was sent is that moment.

    The form takes minutes (it offers the current minute): 10:05 for a referral sent at 10:05:30 is the same
    minute, not before it — it is kept as the send time, so the record never shows contact before sending.
    """
    label = _("First contact at")
    problem = moment_problem(contact_at, now=now)
    if problem is None and contact_at < referral.sent_at <= contact_at + dt.timedelta(minutes=1):
        contact_at = referral.sent_at
    if problem is None and contact_at < referral.sent_at:
        sent = timezone.localtime(referral.sent_at)
        problem = _("it cannot be before the referral was sent (%(sent)s).") % {
            "sent": f"{sent.year}年{sent.month}月{sent.day}日 {sent:%H:%M}"
        }
    if problem:
        raise ActionRefused(_("%(label)s: %(problem)s") % {"label": label, "problem": problem}, field="contact_at")
    return contact_at


def _after_transition(referral: Referral, to: str, *, acting_user: User) -> None:
    """Side effects: the team, the other side's inbox, the return path of a decline, escalation."""
    label = Status(to).label
    title = _("Referral #%(id)s to %(organisation)s: %(status)s") % {
        "id": referral.pk,
        "organisation": referral.to_organisation.name,
        "status": label,
    }
    if to == Status.SEEN:
        return
    if to == Status.ACCEPTED and referral.case_id is not None:
        from tsunagiai.cases.actions import do_add_team_member

        case: Any = referral.case
        try:
            # The referral's basis for sharing is the new member's basis: a consent
            # withdrawn since sending refuses the acceptance (docs/consent.md).
            do_add_team_member(
                case,
                referral.to_organisation,
                acting_user=acting_user,
                role=_("accepted a referral"),
                basis=referral.sharing_basis,
                basis_note=referral.sharing_note,
            )
        except ActionRefused as refused:
            raise ActionRefused(refused.message, field="sharing_basis") from refused
    if to == Status.DECLINED:
        alternatives = referral_alternatives(referral)
        if alternatives:
            title += _(" — alternatives: %(names)s") % {"names": "、".join(o.name for o in alternatives[:5])}
        _notify(referral, referral.from_organisation, title)
        if referral.earlier_declines + 1 >= ESCALATE_AFTER_DECLINES:
            _escalate_referral(referral, why=_("declined twice"))
        return
    if to == Status.CANCELLED:
        _notify(referral, referral.to_organisation, title)
        return
    if to == Status.COMPLETED:
        title = _("Referral #%(id)s completed by %(organisation)s: %(outcome)s") % {
            "id": referral.pk,
            "organisation": referral.to_organisation.name,
            "outcome": referral.get_outcome_code_display(),
        }
    _notify(referral, referral.from_organisation, title)


def _escalate_referral(referral: Referral, *, why: str) -> None:
    """Put the referral in every coordination-section inbox (制度の狭間), once."""
    from tsunagiai.reference.selectors import coordination_organisations

    for organisation in coordination_organisations():
        do_post_inbox_item(
            organisation=organisation,
            kind=inbox_kinds.REFERRAL_ESCALATED,
            title=_("Referral #%(id)s nobody accepted (%(why)s)") % {"id": referral.pk, "why": why},
            subject=referral,
            url=_referral_url(referral),
            is_urgent=True,
            dedupe_key=f"referral:{referral.pk}:escalated:{organisation.pk}",
        )
    if referral.escalated_at is None:
        Referral.objects.filter(pk=referral.pk, escalated_at__isnull=True).update(escalated_at=timezone.now())
        referral.escalated_at = timezone.now()


def do_mark_seen(referral: Referral, *, acting_user: User) -> Referral:
    """Opening a sent referral as staff of the receiving organisation marks it seen (once)."""
    if referral.status != Status.SENT or not access.referral_recipient_staff(acting_user, referral):
        return referral
    from tsunagiai.core.concurrency import EditConflict

    try:
        return do_transition_referral(referral, Status.SEEN, acting_user=acting_user)
    except EditConflict:
        # Someone of the same organisation opened it at the same moment: it is seen.
        referral.refresh_from_db()
        return referral


def do_accept_referral(referral: Referral, *, acting_user: User, note: str = "", **kw: Any) -> Referral:
    return do_transition_referral(referral, Status.ACCEPTED, acting_user=acting_user, note=note, **kw)


def do_decline_referral(referral: Referral, *, acting_user: User, reason_code: str, note: str, **kw: Any) -> Referral:
    return do_transition_referral(
        referral, Status.DECLINED, acting_user=acting_user, reason_code=reason_code, note=note, **kw
    )


def do_record_first_contact(referral: Referral, *, acting_user: User, note: str = "", **kw: Any) -> Referral:
    return do_transition_referral(referral, Status.FIRST_CONTACT, acting_user=acting_user, note=note, **kw)


def do_start(referral: Referral, *, acting_user: User, note: str = "", **kw: Any) -> Referral:
    return do_transition_referral(referral, Status.IN_PROGRESS, acting_user=acting_user, note=note, **kw)


def do_hold(referral: Referral, *, acting_user: User, note: str = "", **kw: Any) -> Referral:
    return do_transition_referral(referral, Status.ON_HOLD, acting_user=acting_user, note=note, **kw)


def do_resume(referral: Referral, *, acting_user: User, note: str = "", **kw: Any) -> Referral:
    if referral.status != Status.ON_HOLD:
        raise IllegalTransition(_("Only a referral on hold can be resumed."))
    return do_transition_referral(referral, Status.IN_PROGRESS, acting_user=acting_user, note=note, **kw)


def do_complete_referral(
    referral: Referral, *, acting_user: User, outcome_code: str, outcome_text: str, note: str = "", **kw: Any
) -> Referral:
    return do_transition_referral(
        referral,
        Status.COMPLETED,
        acting_user=acting_user,
        outcome_code=outcome_code,
        outcome_text=outcome_text,
        note=note,
        **kw,
    )


def do_fail_referral(referral: Referral, *, acting_user: User, reason_code: str, note: str, **kw: Any) -> Referral:
    return do_transition_referral(
        referral, Status.FAILED, acting_user=acting_user, reason_code=reason_code, note=note, **kw
    )


def do_cancel_referral(referral: Referral, *, acting_user: User, reason_code: str, note: str, **kw: Any) -> Referral:
    return do_transition_referral(
        referral, Status.CANCELLED, acting_user=acting_user, reason_code=reason_code, note=note, **kw
    )


def _overdue(referral: Referral, step: str, organisations: list[Organisation], title: str) -> None:
    for organisation in organisations:
        do_post_inbox_item(
            organisation=organisation,
            kind=inbox_kinds.REFERRAL_OVERDUE,
            title=title,
            subject=referral,
            url=_referral_url(referral),
            dedupe_key=f"referral:{referral.pk}:{step}:{organisation.pk}",
        )


@transaction.atomic
def sweep_referral_timers(now: dt.datetime | None = None) -> int:
    """Post overdue referrals to the inboxes and escalate the ones nobody accepted in time.

    Idempotent: every post has a dedupe key, so running it twice (or twice at
    once) posts nothing twice; on PostgreSQL a second run at once finds the
    sweep's lock taken and skips (returns 0). Returns the number of referrals
    found overdue.
    """
    with sweep_lock("referral_timers") as acquired:  # a second run at once skips (PostgreSQL advisory lock)
        return _sweep_referral_timers(now) if acquired else 0


def _sweep_referral_timers(now: dt.datetime | None) -> int:
    from tsunagiai.reference.selectors import coordination_organisations

    now = now or timezone.now()
    coordination = list(coordination_organisations())
    found = 0
    open_referrals = Referral.objects.exclude(status__in=FINAL_STATES).select_related(
        "from_organisation", "to_organisation"
    )
    not_seen = open_referrals.filter(status=Status.SENT, seen_due_at__lt=now)
    for referral in not_seen:
        found += 1
        _overdue(
            referral,
            "not_seen",
            [referral.from_organisation, *coordination],
            _("Referral #%(id)s has not been seen by %(organisation)s")
            % {"id": referral.pk, "organisation": referral.to_organisation.name},
        )
    not_accepted = open_referrals.filter(status__in=[Status.SENT, Status.SEEN], accept_due_at__lt=now)
    for referral in not_accepted:
        found += 1
        _overdue(
            referral,
            "not_accepted",
            [referral.from_organisation],
            _("Referral #%(id)s has not been accepted by %(organisation)s")
            % {"id": referral.pk, "organisation": referral.to_organisation.name},
        )
        _escalate_referral(referral, why=_("not accepted in time"))
    no_contact = open_referrals.filter(status=Status.ACCEPTED, first_contact_due_at__lt=now)
    for referral in no_contact:
        found += 1
        _overdue(
            referral,
            "no_first_contact",
            [referral.from_organisation, referral.to_organisation],
            _("Referral #%(id)s: no first contact yet by %(organisation)s")
            % {"id": referral.pk, "organisation": referral.to_organisation.name},
        )
    return found
