"""Every change to intakes: transactional, audited, versioned, with the inbox alerts they raise."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagiai.accounts import access
from tsunagiai.audit.actions import diff_fields, record_audit_event, snapshot, stored_snapshot
from tsunagiai.core.concurrency import EditConflict, save_versioned
from tsunagiai.core.validation import CLOCK_SKEW, moment_problem
from tsunagiai.inbox.actions import do_post_inbox_item, do_resolve_items_about
from tsunagiai.inbox.selectors import items_about
from tsunagiai.intake import inbox_kinds, selectors
from tsunagiai.intake.models import Intake, IntakeDraft
from tsunagiai.intake.signals import intake_saved
from tsunagiai.intake.tasks import notify_emergency_intake
from tsunagiai.people.actions import do_add_household_member, do_create_household, do_create_person
from tsunagiai.people.models import Household, Person, Relationship
from tsunagiai.people.selectors import current_household
from tsunagiai.reference.models import (
    ConsulterType,
    IntakeChannel,
    IssueCategory,
    Organisation,
    TownBlock,
    UrgencyLevel,
)

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

# The fields the intake form records as typed (``IntakeForm.action_arguments``).
RECORDED_FIELDS = (
    "received_at",
    "receiving_organisation",
    "channel",
    "consulter_type",
    "consulter_name",
    "consulter_contact",
    "subject_description",
    "town_block",
    "address_line",
    "concern",
    "categories",
    "urgency",
    "consent_status",
    "consent_organisations",
    "first_response",
    "first_response_note",
)
# The fields an edit may change: those, and the status and a fire report's incident (the person link is set
# when the intake is recorded).
EDITABLE_FIELDS = (*RECORDED_FIELDS, "status", "incident_at", "incident_type")
AUDITED_FIELDS = [
    "kind",
    "received_at",
    "receiving_organisation",
    "received_by",
    "reported_by",
    "person",
    "household",
    "is_anonymous",
    *[name for name in EDITABLE_FIELDS if name not in {"received_at", "receiving_organisation"}],
    "closed_at",
]

# Older than this is a typing mistake (a paper record from last year is still fine).
OLDEST_RECEIVED = dt.timedelta(days=2 * 366)


def intake_moment_problem(value: dt.datetime) -> str | None:
    """Why ``value`` cannot be when an intake was received or a call-out happened (no field name), or None.

    Plausible first (core.validation: 1900 or later, not in the future beyond a few minutes of clock
    skew; a moment without a time zone is Japan time), then within the last two years.
    """
    problem = moment_problem(value, max_future=CLOCK_SKEW)
    if problem:
        return problem
    aware = timezone.make_aware(value) if timezone.is_naive(value) else value
    if aware < timezone.now() - OLDEST_RECEIVED:
        return _("the date is too far in the past; check the year.")
    return None


def _check_moments(fields: Mapping[str, Any], *, stored: Intake | None = None) -> None:
    """Defence in depth behind the forms and the API: the intake's moments are plausible.

    On an edit, a moment left as stored is not judged again (an intake received long ago stays correctable).
    """
    errors: dict[str, str] = {}
    for name in ("received_at", "incident_at"):
        value = fields.get(name)
        if value is None or (stored is not None and getattr(stored, name) == value):
            continue
        problem = intake_moment_problem(value)
        if problem:
            label = getattr(Intake._meta.get_field(name), "verbose_name", name)
            errors[name] = _("%(label)s: %(problem)s") % {"label": label, "problem": problem}
    if errors:
        raise ValidationError(errors)


# How a short form's intake was received.
VOLUNTEER_CHANNEL = "outreach"
VOLUNTEER_CONSULTER = "community_volunteer"
FIRE_CHANNEL = "referral_in"
FIRE_CONSULTER = "fire_department"


class HouseholdChoice:
    """What to do with a newly registered person's household."""

    NONE = "none"
    JOIN = "join"  # join the household of a person already found
    NEW = "new"


def _apply_first_response(intake: Intake) -> None:
    """Information given and closed means closed now; any other first response leaves it as chosen."""
    if intake.first_response == Intake.FirstResponse.INFORMATION_ONLY:
        intake.status = Intake.Status.CLOSED
    if intake.status == Intake.Status.CLOSED and intake.closed_at is None:
        intake.closed_at = timezone.now()
    elif intake.status == Intake.Status.OPEN:
        intake.closed_at = None


INTAKE_ALERTS = (inbox_kinds.EMERGENCY_INTAKE, inbox_kinds.VOLUNTEER_CONCERN, inbox_kinds.FIRE_REPORT)


def do_resolve_intake_items(intake: Intake, *, acting_user: User) -> int:
    """The intake is dealt with (closed, or a case opened from it): its alerts in every inbox are done.

    Inside the caller's transaction; each resolution is audited by the inbox.
    """
    return do_resolve_items_about(intake, acting_user=acting_user, kind=INTAKE_ALERTS)


def _inbox_title(intake: Intake, kind: str) -> str:
    return inbox_kinds.inbox_title(intake_id=intake.pk, organisation_name=intake.receiving_organisation.name, kind=kind)


def _post_alerts(intake: Intake, wanted: Iterable[tuple[Organisation, str]]) -> None:
    """Post the inbox items an intake raises; an emergency also reaches every coordination section.

    One item per organisation: the coordination section that already gets the
    report itself gets it flagged urgent rather than twice.
    """
    items: dict[int, tuple[Organisation, str]] = {org.pk: (org, kind) for org, kind in wanted}
    urgent = intake.is_emergency
    if urgent:
        already = set(
            items_about(intake)
            .filter(kind=inbox_kinds.EMERGENCY_INTAKE, resolved_at__isnull=True)
            .values_list("organisation_id", flat=True)
        )
        for org in selectors.coordination_organisations():
            if org.pk not in items and org.pk not in already:
                items[org.pk] = (org, inbox_kinds.EMERGENCY_INTAKE)
    for org, kind in items.values():
        do_post_inbox_item(
            organisation=org,
            kind=kind,
            title=_inbox_title(intake, kind),
            subject=intake,
            url=reverse("intake:detail", args=[intake.pk]),
            is_urgent=urgent,
        )
    if urgent and items:
        intake_id = intake.pk
        transaction.on_commit(lambda: notify_emergency_intake.enqueue(intake_id=intake_id))


def _link_person(
    *,
    acting_user: User,
    organisation: Organisation,
    person: Person | None,
    new_person: Mapping[str, Any] | None,
    household_choice: str,
    join_household_of: Person | None,
    relationship: str,
) -> tuple[Person | None, Household | None]:
    """The intake's person and household: found ones linked, a new one registered when asked."""
    if person is not None:
        return person, current_household(person)
    if not new_person:
        return None, None
    created = do_create_person(acting_user=acting_user, organisation=organisation, **dict(new_person))
    household: Household | None = None
    if household_choice == HouseholdChoice.JOIN and join_household_of is not None:
        household = current_household(join_household_of)
        if household is None:
            household = do_create_household(
                acting_user=acting_user,
                organisation=organisation,
                name=_("%(name)s household") % {"name": join_household_of.family_name},
                town_block=join_household_of.town_block,
                address_line=join_household_of.address_line,
                members=((join_household_of, Relationship.HEAD),),
            )
        do_add_household_member(
            household, created, relationship=relationship or Relationship.OTHER_RELATIVE, acting_user=acting_user
        )
    elif household_choice == HouseholdChoice.NEW:
        household = do_create_household(
            acting_user=acting_user,
            organisation=organisation,
            name=_("%(name)s household") % {"name": created.family_name},
            town_block=created.town_block,
            address_line=created.address_line,
            members=((created, Relationship.HEAD),),
        )
    return created, household


@transaction.atomic
def do_record_intake(
    *,
    acting_user: User,
    receiving_organisation: Organisation,
    received_at: dt.datetime,
    channel: IntakeChannel,
    consulter_type: ConsulterType,
    concern: str,
    urgency: UrgencyLevel,
    consent_status: str,
    categories: Iterable[IssueCategory] = (),
    consent_organisations: Iterable[Organisation] = (),
    first_response: str = Intake.FirstResponse.UNDECIDED,
    first_response_note: str = "",
    consulter_name: str = "",
    consulter_contact: str = "",
    person: Person | None = None,
    new_person: Mapping[str, Any] | None = None,
    household_choice: str = HouseholdChoice.NONE,
    join_household_of: Person | None = None,
    relationship: str = "",
    is_anonymous: bool = False,
    subject_description: str = "",
    town_block: TownBlock | None = None,
    address_line: str = "",
    kind: str = Intake.Kind.STANDARD,
    received_by: Any = None,
    reported_by: Any = None,
    incident_at: dt.datetime | None = None,
    incident_type: str = "",
    inbox_for: Iterable[tuple[Organisation, str]] = (),
    training_opt_in: bool = False,
) -> Intake:
    """Record a consultation received at ``receiving_organisation``.

    Links a found person (and their current household), registers a new one
    when asked, or records an anonymous subject; closes at once when the first
    response is information only; an emergency reaches the coordination
    section's inbox in the same transaction.

    A person the acting user sees only through an emergency access is refused
    (``access.NotLinkable``), found or as the household to join: the grant is
    for reading, and an intake would make the person known to the receiving
    organisation for good (the form and the API refuse it first).
    """
    _check_moments({"received_at": received_at, "incident_at": incident_at})
    if not is_anonymous:
        access.refuse_emergency_only(
            acting_user, people=[p for p in (person, join_household_of) if p is not None], field="person_id"
        )
    linked_person, household = _link_person(
        acting_user=acting_user,
        organisation=receiving_organisation,
        person=None if is_anonymous else person,
        new_person=None if is_anonymous else new_person,
        household_choice=household_choice,
        join_household_of=join_household_of,
        relationship=relationship,
    )
    intake = Intake(
        kind=kind,
        received_at=received_at,
        receiving_organisation=receiving_organisation,
        received_by=received_by if received_by is not None else acting_user,
        reported_by=reported_by,
        channel=channel,
        consulter_type=consulter_type,
        consulter_name=consulter_name,
        consulter_contact=consulter_contact,
        person=linked_person,
        household=household,
        is_anonymous=is_anonymous,
        subject_description=subject_description,
        town_block=town_block,
        address_line=address_line,
        concern=concern,
        urgency=urgency,
        consent_status=consent_status,
        first_response=first_response,
        first_response_note=first_response_note,
        incident_at=incident_at,
        incident_type=incident_type,
        created_by=acting_user,
        updated_by=acting_user,
    )
    _apply_first_response(intake)
    intake.save()
    intake.categories.set(list(categories))
    intake.consent_organisations.set(_consent_scope(consent_status, consent_organisations))
    record_audit_event(
        "intake.recorded",
        acting_user=acting_user,
        obj=intake,
        changes=diff_fields({}, snapshot(intake, AUDITED_FIELDS)),
    )
    _post_alerts(intake, inbox_for)
    _record_suggestion(intake, acting_user=acting_user, training_opt_in=training_opt_in)
    return intake


def _consent_scope(consent_status: str, organisations: Iterable[Organisation]) -> list[Organisation]:
    """The organisations a consent given at intake covers: none unless the answer is a consent."""
    consented = consent_status in (Intake.ConsentStatus.WRITTEN, Intake.ConsentStatus.ORAL)
    return list(organisations) if consented else []


def _record_suggestion(intake: Intake, *, acting_user: User, training_opt_in: bool | None) -> None:
    """Let triage store its suggestion (recomputed from the saved concern) beside what staff chose."""
    intake_saved.send(sender=Intake, intake=intake, acting_user=acting_user, training_opt_in=training_opt_in)


@transaction.atomic
def do_update_intake(
    intake: Intake, *, acting_user: User, expected_version: int, training_opt_in: bool | None = None, **fields: Any
) -> Intake:
    """Change an intake; refused with ``EditConflict`` when someone saved since ``expected_version``.

    The audit event holds the field-level before/after, categories included.
    Raising the urgency to emergency alerts the coordination section.
    """
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(unknown)}")
    _check_moments(fields, stored=Intake.objects.filter(pk=intake.pk).first())
    tracked = list(dict.fromkeys([*fields, "status", "closed_at"]))
    before = stored_snapshot(intake, tracked)
    was_emergency = intake.is_emergency
    categories = fields.pop("categories", None)
    consent_organisations = fields.pop("consent_organisations", None)
    for name, value in fields.items():
        setattr(intake, name, value)
    _apply_first_response(intake)
    written = list(dict.fromkeys([*fields, "status", "closed_at"]))
    save_versioned(intake, expected_version=expected_version, fields=written, acting_user=acting_user)
    if categories is not None:
        intake.categories.set(list(categories))
    if consent_organisations is not None or "consent_status" in fields:
        scope = intake.consent_organisations.all() if consent_organisations is None else consent_organisations
        intake.consent_organisations.set(_consent_scope(intake.consent_status, list(scope)))
    changes = diff_fields(before, snapshot(intake, tracked))
    record_audit_event("intake.updated", acting_user=acting_user, obj=intake, changes=changes)
    if before.get("status") != Intake.Status.CLOSED and intake.status == Intake.Status.CLOSED:
        do_resolve_intake_items(intake, acting_user=acting_user)
    elif intake.is_emergency and not was_emergency:
        _post_alerts(intake, ())
    _record_suggestion(intake, acting_user=acting_user, training_opt_in=training_opt_in)
    return intake


# What identifying the person of an intake changes (``do_link_intake_person``).
LINKED_FIELDS = ["person", "household", "is_anonymous"]


@transaction.atomic
def do_link_intake_person(
    intake: Intake,
    person: Person | None = None,
    *,
    user: User,
    expected_version: int,
    new_person: Mapping[str, Any] | None = None,
    household_choice: str = HouseholdChoice.NONE,
    join_household_of: Person | None = None,
    relationship: str = "",
) -> Intake:
    """Name the person (and their household) of an intake recorded without one (本人の特定).

    A volunteer's concern, a fire report or an anonymous intake is recorded
    about someone not yet identified; staff link it afterwards to a person
    found (their current household comes with them) or register a new person
    (and, if asked, a household), with the same rules as recording an intake.

    Refused with ``EditConflict`` when someone saved the intake since
    ``expected_version`` (linked it, or changed it), and with a
    ``ValidationError`` on ``person_id`` when the intake already names a
    person: a link is never replaced here (moving an intake to another person
    would move what their case history says; a wrong link is corrected by the
    coordination section, outside this action). A person the user sees only
    through an emergency access is refused (``access.NotLinkable``).

    Audited as ``intake.person_linked`` with the before/after of the person,
    household and anonymity; ``intake_saved`` is sent so that triage looks at
    the intake again with the household's facts.
    """
    if (person is None) == (not new_person):
        raise TypeError("Pass either a person found or the new person's fields.")
    access.refuse_emergency_only(
        user, people=[p for p in (person, join_household_of) if p is not None], field="person_id"
    )
    stored = Intake.objects.filter(pk=intake.pk).values("person_id", "version").first()
    if stored is not None and stored["version"] != expected_version:
        raise EditConflict(intake)
    if intake.person_id is not None or (stored is not None and stored["person_id"] is not None):
        raise ValidationError(
            {"person_id": _("Person: this intake already names a person; it cannot be linked to another.")}
        )
    before = stored_snapshot(intake, LINKED_FIELDS)
    linked_person, household = _link_person(
        acting_user=user,
        organisation=intake.receiving_organisation,
        person=person,
        new_person=new_person,
        household_choice=household_choice,
        join_household_of=join_household_of,
        relationship=relationship,
    )
    intake.person = linked_person
    intake.household = household
    intake.is_anonymous = False
    save_versioned(intake, expected_version=expected_version, fields=LINKED_FIELDS, acting_user=user)
    record_audit_event(
        "intake.person_linked",
        acting_user=user,
        obj=intake,
        changes=diff_fields(before, snapshot(intake, LINKED_FIELDS)),
    )
    _record_suggestion(intake, acting_user=user, training_opt_in=None)
    return intake


@transaction.atomic
def do_report_concern(
    *,
    acting_user: User,
    subject_description: str,
    concern: str,
    urgency: UrgencyLevel,
    consent_status: str,
    town_block: TownBlock | None = None,
) -> Intake:
    """A community volunteer's (民生委員) concern, received by the branch office covering the place.

    Where no branch office covers the town block (or none was given), the
    coordination section receives it.
    """
    receiving = selectors.branch_office_covering(town_block)
    if receiving is None:
        coordination = selectors.coordination_organisations()
        if not coordination:
            raise LookupError("No coordination section is configured to receive the concern.")
        receiving = coordination[0]
    return do_record_intake(
        acting_user=acting_user,
        kind=Intake.Kind.VOLUNTEER_CONCERN,
        receiving_organisation=receiving,
        received_at=timezone.now(),
        received_by=None,
        reported_by=acting_user,
        channel=IntakeChannel.objects.get(pk=VOLUNTEER_CHANNEL),
        consulter_type=ConsulterType.objects.get(pk=VOLUNTEER_CONSULTER),
        consulter_name=str(acting_user),
        subject_description=subject_description,
        town_block=town_block,
        concern=concern,
        urgency=urgency,
        consent_status=consent_status,
        inbox_for=[(receiving, inbox_kinds.VOLUNTEER_CONCERN)],
    )


@transaction.atomic
def do_record_fire_report(
    *,
    acting_user: User,
    fire_department: Organisation,
    incident_at: dt.datetime,
    incident_type: str,
    concern: str,
    urgency: UrgencyLevel,
    consent_status: str,
    subject_description: str = "",
    town_block: TownBlock | None = None,
    address_line: str = "",
) -> Intake:
    """A fire department's 消福連携 report: someone the crew met needs welfare support."""
    return do_record_intake(
        acting_user=acting_user,
        kind=Intake.Kind.FIRE_REPORT,
        receiving_organisation=fire_department,
        received_at=timezone.now(),
        channel=IntakeChannel.objects.get(pk=FIRE_CHANNEL),
        consulter_type=ConsulterType.objects.get(pk=FIRE_CONSULTER),
        consulter_name=fire_department.name,
        subject_description=subject_description,
        town_block=town_block,
        address_line=address_line,
        concern=concern,
        urgency=urgency,
        consent_status=consent_status,
        incident_at=incident_at,
        incident_type=incident_type,
        inbox_for=[(org, inbox_kinds.FIRE_REPORT) for org in selectors.coordination_organisations()],
    )


def do_save_draft(
    *, acting_user: User, kind: str, data: Mapping[str, Any], draft: IntakeDraft | None = None
) -> IntakeDraft:
    """Keep what the user typed so far (their own draft only; no audit: nothing is recorded yet)."""
    if draft is None:
        return IntakeDraft.objects.create(user=acting_user, kind=kind, data=dict(data))
    draft.data = dict(data)
    draft.save(update_fields=["data", "updated_at"])
    return draft


def do_discard_draft(draft: IntakeDraft, *, acting_user: User) -> None:
    """Throw a draft away (after saving the intake, or when the user discards it)."""
    if draft.user_id == acting_user.pk:
        draft.delete()
