"""Writes for assessment, plans, support records and conferences. One transaction each, audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagiai.accounts import access
from tsunagiai.audit.actions import diff_fields, record_audit_event, snapshot, stored_snapshot
from tsunagiai.cases.models import Case
from tsunagiai.cases.selectors import consent_subjects
from tsunagiai.consent.selectors import consents_covering_people
from tsunagiai.core.concurrency import EditConflict, save_versioned
from tsunagiai.core.validation import PLANNING_HORIZON, plausible_date, plausible_datetime
from tsunagiai.inbox.actions import do_resolve_items_about
from tsunagiai.people.models import Household, Person
from tsunagiai.reference.models import Organisation
from tsunagiai.support import inbox_kinds
from tsunagiai.support.models import (
    TEXT_MAX,
    Assessment,
    Conference,
    ConferenceCase,
    ConferenceDecision,
    Domain,
    PlanAction,
    PlanRevision,
    SupportPlan,
    SupportRecord,
)

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

ASSESSMENT_FIELDS = ["situation", "strengths", "wishes_in_own_words", "assessed_on"]


class AgendaRefused(Exception):
    """A case may not go on this conference's agenda; ``missing`` names the organisations consent lacks."""

    def __init__(self, message: str, missing: Sequence[Organisation] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.missing = list(missing)


class DecisionNotApplied(Exception):
    """Confirming a decision failed because applying it to the case was refused."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AlreadyChanged(EditConflict):
    """Someone created the row this form expected not to exist yet (or corrected the record first).

    A conflict like any other (the page keeps the input, the API answers 409),
    with its own message and, where there is one, the row that won.
    """

    def __init__(self, obj: Any, message: str) -> None:
        Exception.__init__(self, message)
        self.obj = obj


def _check_date(
    errors: dict[str, str],
    field: str,
    value: dt.date | None,
    label: str,
    *,
    max_future: dt.timedelta = dt.timedelta(0),
    born_on: dt.date | None = None,
) -> None:
    """Record in ``errors`` why ``value`` is not a plausible date (core.validation), naming the field."""
    if value is None:
        return
    try:
        plausible_date(
            value, field_label=label, max_future=max_future, not_before=born_on, not_before_label=_("the date of birth")
        )
    except ValidationError as error:
        errors[field] = error.messages[0]


def _checked_moment(
    errors: dict[str, str], field: str, value: dt.datetime, label: str, *, born_on: dt.date | None = None
) -> dt.datetime:
    """``value`` made aware (a naive moment is Japan time) if plausible; else the reason goes to ``errors``."""
    try:
        return plausible_datetime(
            value,
            field_label=label,
            not_before=born_on,
            not_before_label=_("the date of birth of the eldest member"),
        )
    except ValidationError as error:
        errors[field] = error.messages[0]
        return value


# --- assessment ---------------------------------------------------------------


def assessment_fingerprint(situation: str, strengths: str, wishes_in_own_words: str) -> str:
    """A short digest of one domain's text, sent with the form: tells a domain the user changed from one
    they left as it was (which is then not written at all, so it cannot overwrite a colleague's newer text)."""
    text = "\x1f".join(v.replace("\r\n", "\n").strip() for v in (situation, strengths, wishes_in_own_words))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _assessment_conflict(case: Case, person: Person, domain: str, existing: Assessment | None) -> AlreadyChanged:
    label = dict(Domain.choices).get(domain, domain)
    return AlreadyChanged(
        existing or Assessment(case=case, person=person, domain=domain),
        _(
            "Someone else saved the assessment of %(domain)s while you were editing it. Your input is kept "
            "below, with what is saved now: check it and save again."
        )
        % {"domain": label},
    )


@transaction.atomic
def do_save_assessment(
    case: Case,
    person: Person,
    domain: str,
    *,
    acting_user: User,
    situation: str,
    strengths: str,
    wishes_in_own_words: str,
    assessed_on: dt.date,
    expected_version: int | None = None,
) -> Assessment | None:
    """Write one member's assessment in one domain; an empty, new domain is not stored.

    ``expected_version`` is the version the editor saw, ``0`` when the domain
    was still empty: a row written meanwhile (or two first saves at once, which
    the unique constraint settles) is a conflict, never overwritten. ``None``
    (internal callers only) takes whatever is saved now.
    """
    errors: dict[str, str] = {}
    if domain not in Domain.values:
        errors["domain"] = _("Domain: choose one of the listed domains.")
    _check_date(errors, "assessed_on", assessed_on, _("Assessed on"), born_on=person.birth_date)
    if errors:
        raise ValidationError(errors)
    values = {
        "situation": situation.strip(),
        "strengths": strengths.strip(),
        "wishes_in_own_words": wishes_in_own_words.strip(),
        "assessed_on": assessed_on,
    }
    existing = Assessment.objects.select_for_update().filter(case=case, person=person, domain=domain).first()
    if existing is None:
        if expected_version:
            # The editor saw a row that someone has since removed: never recreate silently.
            raise _assessment_conflict(case, person, domain, None)
        if not any(values[name] for name in ("situation", "strengths", "wishes_in_own_words")):
            return None
        try:
            with transaction.atomic():
                assessment = Assessment.objects.create(
                    case=case, person=person, domain=domain, created_by=acting_user, updated_by=acting_user, **values
                )
        except IntegrityError as error:  # the same first save from another editor, a moment earlier
            raise _assessment_conflict(case, person, domain, None) from error
        record_audit_event(
            "support.assessment_created",
            acting_user=acting_user,
            obj=assessment,
            changes=diff_fields({}, values),
        )
        return assessment
    before = stored_snapshot(existing, ASSESSMENT_FIELDS)
    if all(before[name] == values[name] for name in ASSESSMENT_FIELDS):
        return existing
    if expected_version is not None and expected_version != existing.version:
        raise _assessment_conflict(case, person, domain, existing)
    for name, value in values.items():
        setattr(existing, name, value)
    save_versioned(
        existing,
        expected_version=existing.version if expected_version is None else expected_version,
        fields=ASSESSMENT_FIELDS,
        acting_user=acting_user,
    )
    record_audit_event(
        "support.assessment_updated",
        acting_user=acting_user,
        obj=existing,
        changes=diff_fields(before, snapshot(existing, ASSESSMENT_FIELDS)),
    )
    return existing


@dataclass
class DomainEdit:
    """One domain as the editor left it, and the version they saw (0: it was empty)."""

    situation: str
    strengths: str
    wishes_in_own_words: str
    expected_version: int


@transaction.atomic
def do_save_member_assessment(
    case: Case, person: Person, *, acting_user: User, assessed_on: dt.date, domains: Mapping[str, DomainEdit]
) -> list[Assessment]:
    """Save the domains the editor changed, all or none: one conflict leaves every domain as it was."""
    saved = []
    for domain, edit in domains.items():
        found = do_save_assessment(
            case,
            person,
            domain,
            acting_user=acting_user,
            situation=edit.situation,
            strengths=edit.strengths,
            wishes_in_own_words=edit.wishes_in_own_words,
            assessed_on=assessed_on,
            expected_version=edit.expected_version,
        )
        if found is not None:
            saved.append(found)
    return saved


# --- plans --------------------------------------------------------------------


@dataclass
class ActionInput:
    """One row of a plan revision as entered; ``key`` set when it continues an earlier action."""

    owner_kind: str
    what: str
    due_on: dt.date
    owner_organisation: Organisation | None = None
    owner_user: User | None = None
    owner_text: str = ""
    status: str = PlanAction.Status.PLANNED
    key: int | None = None


def _check_action(index: int, row: ActionInput, errors: dict[str, str]) -> None:
    prefix = _("Action %(n)s") % {"n": index + 1}
    kinds = PlanAction.OwnerKind
    if row.owner_kind not in kinds.values:
        errors[f"actions.{index}.owner_kind"] = _("%(row)s – who: choose one of the listed kinds.") % {"row": prefix}
    elif row.owner_kind == kinds.ORGANISATION and row.owner_organisation is None:
        errors[f"actions.{index}.owner_organisation"] = _("%(row)s – organisation: choose the organisation.") % {
            "row": prefix
        }
    elif row.owner_kind == kinds.STAFF and row.owner_user is None:
        errors[f"actions.{index}.owner_user"] = _("%(row)s – staff member: choose the staff member.") % {"row": prefix}
    elif row.owner_kind in {kinds.COMMUNITY_RESOURCE, kinds.FAMILY} and not row.owner_text.strip():
        errors[f"actions.{index}.owner_text"] = _("%(row)s – name: enter the community resource or family member.") % {
            "row": prefix
        }
    if not row.what.strip() or len(row.what) > 500:
        errors[f"actions.{index}.what"] = _("%(row)s – what: enter up to 500 characters.") % {"row": prefix}
    if row.status not in PlanAction.Status.values:
        errors[f"actions.{index}.status"] = _("%(row)s – status: choose one of the listed statuses.") % {"row": prefix}
    _check_date(
        errors,
        f"actions.{index}.due_on",
        row.due_on,
        _("%(row)s – due date") % {"row": prefix},
        max_future=PLANNING_HORIZON,
    )


@transaction.atomic
def do_revise_plan(
    case: Case,
    *,
    acting_user: User,
    goals: str,
    review_on: dt.date,
    actions: Sequence[ActionInput],
    person_agreed: bool = False,
    agreed_on: dt.date | None = None,
    agreement_how: str = "",
    reason: str = "",
    expected_version: int | None = None,
) -> PlanRevision:
    """Write the next revision of the case's plan (the first makes the plan); earlier ones stay as they were.

    ``expected_version`` is the plan's version the editor saw (``None`` for a
    case without a plan): a revision written meanwhile makes this one a conflict.
    """
    errors: dict[str, str] = {}
    goals = goals.strip()
    if not goals or len(goals) > TEXT_MAX:
        errors["goals"] = _("Goals: enter up to %(max)s characters.") % {"max": TEXT_MAX}
    if person_agreed and agreed_on is None:
        errors["agreed_on"] = _("Agreed on: enter the date the person agreed.")
    _check_date(errors, "agreed_on", agreed_on, _("Agreed on"))
    _check_date(errors, "review_on", review_on, _("Review date"), max_future=PLANNING_HORIZON)
    if len(reason) > 500:
        errors["reason"] = _("Reason for the revision: enter up to 500 characters.")
    for index, row in enumerate(actions):
        _check_action(index, row, errors)
    if errors:
        raise ValidationError(errors)

    # The case row serialises revisions of its plan, the first included: two first plans
    # at once would otherwise both find no plan and collide on the one-plan constraint.
    Case.objects.select_for_update().filter(pk=case.pk).first()
    plan = SupportPlan.objects.select_for_update().filter(case=case).first()
    if plan is None:
        if expected_version:
            raise EditConflict(SupportPlan(case=case))
        try:
            with transaction.atomic():
                plan = SupportPlan.objects.create(
                    case=case, current_number=0, created_by=acting_user, updated_by=acting_user
                )
        except IntegrityError as error:
            raise EditConflict(SupportPlan(case=case)) from error
        expected_version = plan.version
    elif expected_version is None or expected_version != plan.version:
        raise EditConflict(plan)
    previous_actions = list(PlanAction.objects.filter(revision__plan=plan, revision__number=plan.current_number))
    previous_keys = {action.key for action in previous_actions}
    # The new revision answers the reminders about the one it replaces (the review is done; an action
    # still overdue in the new revision is reminded of again by the next sweep).
    previous_revision = PlanRevision.objects.filter(plan=plan, number=plan.current_number).first()
    if previous_revision is not None:
        do_resolve_items_about(previous_revision, acting_user=acting_user, kind=inbox_kinds.PLAN_REVIEW_DUE)
    for previous_action in previous_actions:
        do_resolve_items_about(previous_action, acting_user=acting_user, kind=inbox_kinds.ACTION_OVERDUE)
    next_key = (max(PlanAction.objects.filter(revision__plan=plan).values_list("key", flat=True), default=0) or 0) + 1
    plan.current_number += 1
    save_versioned(plan, expected_version=expected_version, fields=["current_number"], acting_user=acting_user)
    revision = PlanRevision.objects.create(
        plan=plan,
        number=plan.current_number,
        goals=goals,
        review_on=review_on,
        person_agreed=person_agreed,
        agreed_on=agreed_on if person_agreed else None,
        agreement_how=agreement_how.strip()[:200] if person_agreed else "",
        reason=reason.strip(),
        created_by=acting_user,
    )
    rows = []
    for row in actions:
        key = row.key if row.key in previous_keys else None
        if key is None:
            key, next_key = next_key, next_key + 1
        previous_keys.discard(key)
        rows.append(
            PlanAction(
                revision=revision,
                key=key,
                owner_kind=row.owner_kind,
                owner_organisation=row.owner_organisation
                if row.owner_kind in {PlanAction.OwnerKind.ORGANISATION, PlanAction.OwnerKind.STAFF}
                else None,
                owner_user=row.owner_user if row.owner_kind == PlanAction.OwnerKind.STAFF else None,
                owner_text=row.owner_text.strip()[:200]
                if row.owner_kind in {PlanAction.OwnerKind.COMMUNITY_RESOURCE, PlanAction.OwnerKind.FAMILY}
                else "",
                what=row.what.strip(),
                due_on=row.due_on,
                status=row.status,
            )
        )
    PlanAction.objects.bulk_create(rows)
    record_audit_event(
        "support.plan_revised",
        acting_user=acting_user,
        obj=plan,
        changes={"revision": revision.number, "review_on": review_on, "actions": len(rows)},
        note=reason[:500],
    )
    return revision


@transaction.atomic
def do_set_action_status(action: PlanAction, *, status: str, acting_user: User) -> PlanAction:
    """Mark an action of the current revision planned / in progress / done / dropped (progress, not a revision)."""
    if status not in PlanAction.Status.values:
        raise ValidationError({"status": _("Status: choose one of the listed statuses.")})
    before = action.status
    if before == status:
        return action
    action.status = status
    action.save(update_fields=["status"])
    if status in (PlanAction.Status.DONE, PlanAction.Status.DROPPED):  # the overdue reminder's work is done
        do_resolve_items_about(action, acting_user=acting_user, kind=inbox_kinds.ACTION_OVERDUE)
    record_audit_event(
        "support.plan_action_status",
        acting_user=acting_user,
        obj=action,
        changes=diff_fields({"status": before}, {"status": status}),
    )
    return action


# --- support records ------------------------------------------------------------


def _eldest_birth_date(household: Household) -> dt.date | None:
    """No record of a household can be older than its eldest member (where dates of birth are known)."""
    found: dt.date | None = Person.objects.filter(
        household_memberships__household=household, birth_date__isnull=False
    ).aggregate(eldest=Min("birth_date"))["eldest"]
    return found


def _record_values(
    household: Household,
    errors: dict[str, str],
    *,
    kind: str,
    occurred_at: dt.datetime,
    summary: str,
    case: Case | None,
) -> tuple[dt.datetime, str]:
    """Check a record's fields (kind, a plausible moment, summary, case of this household) into ``errors``."""
    if kind not in SupportRecord.Kind.values:
        errors["kind"] = _("Kind: choose one of the listed kinds.")
    occurred_at = _checked_moment(errors, "occurred_at", occurred_at, _("When"), born_on=_eldest_birth_date(household))
    summary = summary.strip()
    if not summary or len(summary) > TEXT_MAX:
        errors["summary"] = _("Summary: enter up to %(max)s characters.") % {"max": TEXT_MAX}
    if case is not None and case.household_id != household.pk:
        errors["case"] = _("Case: choose a case of this household.")
    return occurred_at, summary


@transaction.atomic
def do_record_support(
    household: Household,
    *,
    acting_user: User,
    organisation: Organisation,
    kind: str,
    occurred_at: dt.datetime,
    summary: str,
    case: Case | None = None,
) -> SupportRecord:
    """Add an entry to the household's timeline (経過記録), about one of its cases or the household."""
    access.refuse_emergency_only(acting_user, household=household, case=case)  # emergency access is read-only
    errors: dict[str, str] = {}
    occurred_at, summary = _record_values(
        household, errors, kind=kind, occurred_at=occurred_at, summary=summary, case=case
    )
    if errors:
        raise ValidationError(errors)
    if case is not None:  # the case is in contact again: its no-contact reminder is answered
        do_resolve_items_about(case, acting_user=acting_user, kind=inbox_kinds.NO_CONTACT)
    record = SupportRecord.objects.create(
        household=household,
        case=case,
        kind=kind,
        occurred_at=occurred_at,
        summary=summary,
        organisation=organisation,
        recorded_by=acting_user,
    )
    record_audit_event(
        "support.record_created",
        acting_user=acting_user,
        obj=record,
        changes={"household": household.pk, "case": getattr(case, "pk", None), "kind": kind},
    )
    return record


RECORD_FIELDS = ["case", "kind", "occurred_at", "summary", "organisation"]
CORRECTION_REASON_MAX = 500


def _already_corrected(record: SupportRecord) -> AlreadyChanged:
    return AlreadyChanged(
        record,
        _(
            "Someone else corrected this record while you were writing your correction. Your input is kept "
            "below: check their correction, and correct it in turn if it is still wrong."
        ),
    )


@transaction.atomic
def do_correct_support_record(
    original: SupportRecord,
    *,
    acting_user: User,
    organisation: Organisation,
    reason: str,
    kind: str,
    occurred_at: dt.datetime,
    summary: str,
    case: Case | None = None,
) -> SupportRecord:
    """Put a record right with a correcting entry: the original stays, marked corrected, and is linked to it.

    One correction per record: one written meanwhile (or at the same moment,
    which the constraint settles) makes this one a conflict; a correction may
    itself be corrected. Who may correct (the author's organisation or the
    coordination section) is decided by ``selectors.correctable_records``.
    """
    locked = SupportRecord.objects.select_for_update().select_related("household").get(pk=original.pk)
    if SupportRecord.objects.filter(corrects=locked).exists():
        raise _already_corrected(locked)
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if not reason or len(reason) > CORRECTION_REASON_MAX:
        errors["reason"] = _("Reason for the correction: enter up to %(max)s characters.") % {
            "max": CORRECTION_REASON_MAX
        }
    occurred_at, summary = _record_values(
        locked.household, errors, kind=kind, occurred_at=occurred_at, summary=summary, case=case
    )
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            correction = SupportRecord.objects.create(
                household=locked.household,
                case=case,
                kind=kind,
                occurred_at=occurred_at,
                summary=summary,
                organisation=organisation,
                recorded_by=acting_user,
                corrects=locked,
                correction_reason=reason,
            )
    except IntegrityError as error:
        raise _already_corrected(locked) from error
    record_audit_event(
        "support.record_corrected",
        acting_user=acting_user,
        obj=correction,
        changes={
            "corrects": locked.pk,
            **diff_fields(snapshot(locked, RECORD_FIELDS), snapshot(correction, RECORD_FIELDS)),
        },
        note=reason,
    )
    return correction


# --- conferences -----------------------------------------------------------------


@transaction.atomic
def do_create_conference(
    *,
    acting_user: User,
    convened_by: Organisation,
    held_on: dt.date,
    kind: str,
    title: str,
    participating_organisations: Iterable[Organisation],
    confidentiality_note: str = "",
) -> Conference:
    """Schedule (or record) a meeting; its kind fixes the legal flag and the consent rule."""
    orgs = list(dict.fromkeys(participating_organisations))
    errors: dict[str, str] = {}
    if kind not in Conference.Kind.values:
        errors["kind"] = _("Kind of meeting: choose one of the listed kinds.")
    title = title.strip()
    if not title or len(title) > 200:
        errors["title"] = _("Title: enter up to 200 characters.")
    if not orgs:
        errors["participating_organisations"] = _("Participating organisations: choose at least one organisation.")
    _check_date(errors, "held_on", held_on, _("date"), max_future=PLANNING_HORIZON)
    if errors:
        raise ValidationError(errors)
    if convened_by not in orgs:
        orgs.append(convened_by)
    conference = Conference.objects.create(
        held_on=held_on,
        kind=kind,
        is_statutory_106_6=kind == Conference.Kind.SUPPORT_CONFERENCE_106_6,
        title=title,
        convened_by=convened_by,
        confidentiality_note=confidentiality_note.strip()[:500],
        created_by=acting_user,
        updated_by=acting_user,
    )
    conference.participating_organisations.set(orgs)
    record_audit_event(
        "support.conference_created",
        acting_user=acting_user,
        obj=conference,
        changes={"kind": kind, "held_on": held_on, "participating_organisations": sorted(o.pk for o in orgs)},
    )
    return conference


@transaction.atomic
def do_update_minutes(conference: Conference, *, minutes: str, acting_user: User, expected_version: int) -> Conference:
    """Write the minutes (versioned: two people editing at once never overwrite each other)."""
    if len(minutes) > 20000:
        raise ValidationError({"minutes": _("Minutes: enter up to 20000 characters.")})
    before = stored_snapshot(conference, ["minutes"])
    conference.minutes = minutes
    save_versioned(conference, expected_version=expected_version, fields=["minutes"], acting_user=acting_user)
    record_audit_event(
        "support.conference_minutes",
        acting_user=acting_user,
        obj=conference,
        changes=diff_fields(before, snapshot(conference, ["minutes"])),
    )
    return conference


@transaction.atomic
def do_add_case_to_agenda(conference: Conference, case: Case, *, acting_user: User) -> ConferenceCase:
    """Put a case on the agenda. A 重層的支援会議 requires consent covering every participant
    for every person concerned (AgendaRefused names the organisations missing); a 支援会議
    (art. 106-6) shares under its statutory duty of confidentiality instead."""
    # The conference row serialises additions to its agenda: the same case added twice at once is added once.
    Conference.objects.select_for_update().filter(pk=conference.pk).first()
    access.refuse_emergency_only(acting_user, case=case)  # an emergency access is read-only
    existing = ConferenceCase.objects.filter(conference=conference, case=case).first()
    if existing is not None:
        return existing
    consent_ids: list[int] = []
    if conference.needs_consent:
        participants = list(conference.participating_organisations.all())
        subjects = consent_subjects(case)
        if not subjects:
            raise AgendaRefused(_("No household member is recorded for this case, so no consent can cover it."))
        checks = consents_covering_people(subjects, participants, on=conference.held_on)
        missing: dict[int, Organisation] = {}
        for check in checks.values():
            for org in check.missing:
                missing.setdefault(org.pk, org)
            if check.consent is not None:
                consent_ids.append(check.consent.pk)
        if missing:
            names = "、".join(o.name for o in missing.values())
            raise AgendaRefused(
                _(
                    "This case cannot be discussed at a multi-layered support conference: the person's consent "
                    "does not cover %(names)s. Record consent first, or discuss it at a support conference "
                    "(art. 106-6)."
                )
                % {"names": names},
                list(missing.values()),
            )
    try:
        with transaction.atomic():
            entry = ConferenceCase.objects.create(
                conference=conference,
                case=case,
                consent_checked=conference.needs_consent,
                consent_ids=sorted(set(consent_ids)),
                added_by=acting_user,
            )
    except IntegrityError:  # added by someone else at the same moment: it is on the agenda, as both wanted
        return ConferenceCase.objects.get(conference=conference, case=case)
    record_audit_event(
        "support.conference_case_added",
        acting_user=acting_user,
        obj=conference,
        changes={"case": case.pk, "consent_ids": entry.consent_ids, "kind": conference.kind},
    )
    return entry


@transaction.atomic
def do_propose_decision(
    conference: Conference,
    case: Case,
    *,
    acting_user: User,
    kind: str,
    details: str,
    target_organisation: Organisation | None = None,
) -> ConferenceDecision:
    """Record a decision about a case on the agenda; it changes nothing until it is confirmed."""
    errors: dict[str, str] = {}
    if not ConferenceCase.objects.filter(conference=conference, case=case).exists():
        errors["case"] = _("Case: put the case on the agenda first.")
    if kind not in ConferenceDecision.Kind.values:
        errors["kind"] = _("Kind of decision: choose one of the listed kinds.")
    details = details.strip()
    if not details or len(details) > TEXT_MAX:
        errors["details"] = _("Details: enter up to %(max)s characters.") % {"max": TEXT_MAX}
    if (
        kind in {ConferenceDecision.Kind.LEAD_CHANGE, ConferenceDecision.Kind.NEW_REFERRAL}
        and target_organisation is None
    ):
        errors["target_organisation"] = _("Target organisation: choose the organisation.")
    if errors:
        raise ValidationError(errors)
    decision = ConferenceDecision.objects.create(
        conference=conference,
        case=case,
        kind=kind,
        details=details,
        target_organisation=target_organisation
        if kind in {ConferenceDecision.Kind.LEAD_CHANGE, ConferenceDecision.Kind.NEW_REFERRAL}
        else None,
        created_by=acting_user,
    )
    record_audit_event(
        "support.decision_proposed",
        acting_user=acting_user,
        obj=decision,
        changes={"kind": kind, "case": case.pk, "target_organisation": getattr(target_organisation, "pk", None)},
    )
    return decision


def _optional_action(module: str, name: str) -> Any:
    """Another app's action, looked up at call time so that this app does not import it at load."""
    return getattr(importlib.import_module(module), name, None)


def _apply_lead_change(decision: ConferenceDecision, acting_user: User) -> str:
    change_lead = _optional_action("tsunagiai.cases.actions", "do_change_lead")
    if change_lead is None:
        raise DecisionNotApplied(_("Changing the lead is not available yet: change it on the case page."))
    case = Case.objects.select_for_update().get(pk=decision.case_id)
    change_lead(
        case,
        organisation=decision.target_organisation,
        reason=_("Decided at %(conference)s: %(details)s")
        % {"conference": decision.conference.title, "details": decision.details},
        acting_user=acting_user,
        expected_version=case.version,
    )
    return _("Lead changed to %(name)s.") % {"name": getattr(decision.target_organisation, "name", "")}


def _apply_plan_change(decision: ConferenceDecision, acting_user: User) -> str:
    plan = SupportPlan.objects.filter(case_id=decision.case_id).first()
    current = plan.revisions.filter(number=plan.current_number).first() if plan else None
    actions = (
        [
            ActionInput(
                key=a.key,
                owner_kind=a.owner_kind,
                owner_organisation=a.owner_organisation,
                owner_user=a.owner_user,
                owner_text=a.owner_text,
                what=a.what,
                due_on=a.due_on,
                status=a.status,
            )
            for a in current.actions.select_related("owner_organisation", "owner_user")
        ]
        if current
        else []
    )
    goals = (current.goals + "\n\n" if current else "") + decision.details
    review_on = current.review_on if current else timezone.localdate() + dt.timedelta(days=90)
    revision = do_revise_plan(
        decision.case,
        acting_user=acting_user,
        goals=goals[:TEXT_MAX],
        review_on=review_on,
        actions=actions,
        reason=(_("Decided at %(conference)s") % {"conference": decision.conference.title})[:500],
        expected_version=plan.version if plan else None,
    )
    return _("Plan revision %(number)s written.") % {"number": revision.number}


def _apply_new_referral(decision: ConferenceDecision, acting_user: User) -> str:
    send_referral = _optional_action("tsunagiai.referrals.actions", "do_send_referral")
    if send_referral is None:
        raise DecisionNotApplied(_("Sending referrals is not available yet: send it from the case page."))
    case = decision.case
    from tsunagiai.accounts import access

    own = access.organisation_ids(acting_user, access.EDIT_ROLES)
    from_org = case.lead_organisation if case.lead_organisation_id in own else None
    if from_org is None:
        from_org = next((o for o in access.staff_organisations(acting_user) if o.pk in own), None)
    if from_org is None:
        raise DecisionNotApplied(_("You do not work for an organisation that can send the referral."))
    focus = list(case.focus_members.all())
    send_referral(
        acting_user=acting_user,
        from_organisation=from_org,
        to_organisation=decision.target_organisation,
        reason=decision.details,
        request=decision.details,
        shared_sections=["concern", "person_basic", "household"],
        sharing_basis="support_conference_106_6" if decision.conference.is_statutory_106_6 else "consent",
        sharing_note=decision.conference.title,
        person=focus[0] if focus else None,
        household=case.household,
        case=case,
    )
    return _("Referral sent to %(name)s.") % {"name": getattr(decision.target_organisation, "name", "")}


@transaction.atomic
def do_confirm_decision(decision: ConferenceDecision, *, acting_user: User) -> ConferenceDecision:
    """Confirm a proposed decision and apply it to the case (lead, plan, referral) in one transaction.

    If applying is refused (e.g. the organisation is already lead), nothing is
    confirmed and ``DecisionNotApplied`` carries the reason.
    """
    locked = ConferenceDecision.objects.select_for_update().select_related("conference", "case").get(pk=decision.pk)
    if locked.status != ConferenceDecision.Status.PROPOSED:
        return locked
    try:
        with transaction.atomic():
            if locked.kind == ConferenceDecision.Kind.LEAD_CHANGE:
                result = _apply_lead_change(locked, acting_user)
            elif locked.kind == ConferenceDecision.Kind.PLAN_CHANGE:
                result = _apply_plan_change(locked, acting_user)
            elif locked.kind == ConferenceDecision.Kind.NEW_REFERRAL:
                result = _apply_new_referral(locked, acting_user)
            else:
                result = ""
    except EditConflict as error:
        raise DecisionNotApplied(str(error)) from error
    except ValidationError as error:
        raise DecisionNotApplied(" ".join(error.messages)) from error
    except ValueError as error:  # the other apps' refusals (ActionRefused)
        raise DecisionNotApplied(str(error)) from error
    locked.status = ConferenceDecision.Status.CONFIRMED
    locked.applied_at = timezone.now()
    locked.applied_by = acting_user
    locked.result_note = result[:300]
    locked.save(update_fields=["status", "applied_at", "applied_by", "result_note"])
    record_audit_event(
        "support.decision_confirmed",
        acting_user=acting_user,
        obj=locked,
        changes={"kind": locked.kind, "case": locked.case_id},
        note=result[:500],
    )
    return locked


@transaction.atomic
def do_withdraw_decision(decision: ConferenceDecision, *, acting_user: User) -> ConferenceDecision:
    """Withdraw a proposed decision; a confirmed one stays (it has been applied)."""
    locked = ConferenceDecision.objects.select_for_update().get(pk=decision.pk)
    if locked.status != ConferenceDecision.Status.PROPOSED:
        return locked
    locked.status = ConferenceDecision.Status.WITHDRAWN
    locked.save(update_fields=["status"])
    record_audit_event("support.decision_withdrawn", acting_user=acting_user, obj=locked, changes={})
    return locked
