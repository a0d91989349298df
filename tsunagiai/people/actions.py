"""Every change to people and households: transactional, audited, versioned."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagiai.accounts import access
from tsunagiai.audit.actions import diff_fields, record_audit_event, snapshot, stored_snapshot
from tsunagiai.core.concurrency import EditConflict, save_versioned
from tsunagiai.core.validation import check_date
from tsunagiai.people import matching
from tsunagiai.people.models import Household, HouseholdMembership, Person, RelatedPerson, Relationship
from tsunagiai.people.patterns import PATTERN_FACT_FIELDS

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

# Person fields an action may set from a form or the API (never the search keys,
# the registering organisation or the bookkeeping fields).
PERSON_FIELDS = (
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "birth_date",
    "sex",
    "phone",
    "email",
    "postal_code",
    "town_block",
    "address_line",
    "care_level",
    "certificate_physical",
    "certificate_intellectual",
    "certificate_mental",
    "public_assistance",
    "primary_language",
    "needs_interpreter",
    "lives_alone",
    "employment_status",
    "notes",
)
# ``do_add_household_member(expected_current_household_id=...)``: not checked (the API, an intake).
ANY_CURRENT_HOUSEHOLD = -1
NAME_FIELDS = ("family_name", "given_name", "family_name_kana", "given_name_kana")
HOUSEHOLD_FIELDS = ("name", "town_block", "address_line", "notes")
RELATED_PERSON_FIELDS = ("related_person", "name", "role", "relationship", "contact", "notes")


def _check_fields(fields: dict[str, Any], allowed: Sequence[str]) -> None:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(unknown)}")


def _check_birth_date(fields: dict[str, Any]) -> None:
    """A date of birth is plausible (1900-01-01 … today, core.validation), whatever form or client sent it."""
    errors: dict[str, str] = {}
    check_date(errors, "birth_date", fields.get("birth_date"), label=Person._meta.get_field("birth_date").verbose_name)
    if errors:
        raise ValidationError(errors)


def _membership_date_label(name: str) -> Any:
    return getattr(HouseholdMembership._meta.get_field(name), "verbose_name", name)


def _fill_search_keys(person: Person) -> None:
    person.search_name, person.search_kana = matching.search_keys(
        person.family_name, person.given_name, person.family_name_kana, person.given_name_kana
    )


def _touch_household(household: Household, acting_user: User) -> None:
    """A change of members is a change of the household: it moves up the list."""
    Household.objects.filter(pk=household.pk).update(updated_at=timezone.now(), updated_by=acting_user)


@transaction.atomic
def do_create_person(
    *,
    acting_user: User,
    organisation: Any,
    family_name: str,
    given_name: str = "",
    family_name_kana: str = "",
    given_name_kana: str = "",
    **fields: Any,
) -> Person:
    """Register a person on behalf of ``organisation`` (which may then see them)."""
    _check_fields(fields, PERSON_FIELDS)
    _check_birth_date(fields)
    person = Person(
        family_name=family_name,
        given_name=given_name,
        family_name_kana=family_name_kana,
        given_name_kana=given_name_kana,
        registered_by_organisation=organisation,
        created_by=acting_user,
        updated_by=acting_user,
        **fields,
    )
    _fill_search_keys(person)
    person.save()
    record_audit_event(
        "people.person_created",
        acting_user=acting_user,
        obj=person,
        changes=diff_fields({}, snapshot(person, list(PERSON_FIELDS))),
    )
    return person


@transaction.atomic
def do_update_person(person: Person, *, acting_user: User, expected_version: int, **fields: Any) -> Person:
    """Change a person's facts; refused with ``EditConflict`` when someone saved since ``expected_version``."""
    _check_fields(fields, PERSON_FIELDS)
    _check_birth_date(fields)
    names = list(fields)
    before = stored_snapshot(person, names)
    for name, value in fields.items():
        setattr(person, name, value)
    written = list(names)
    if any(name in NAME_FIELDS for name in names):
        _fill_search_keys(person)
        written += ["search_name", "search_kana"]
    save_versioned(person, expected_version=expected_version, fields=written, acting_user=acting_user)
    changes = diff_fields(before, snapshot(person, names))
    record_audit_event("people.person_updated", acting_user=acting_user, obj=person, changes=changes)
    return person


@transaction.atomic
def do_create_household(
    *,
    acting_user: User,
    organisation: Any,
    name: str = "",
    town_block: Any = None,
    address_line: str = "",
    notes: str = "",
    members: Sequence[tuple[Person, str]] = (),
    started_on: dt.date | None = None,
) -> Household:
    """Register a household, moving each given member out of any household they currently live in."""
    household = Household.objects.create(
        name=name,
        town_block=town_block,
        address_line=address_line,
        notes=notes,
        registered_by_organisation=organisation,
        created_by=acting_user,
        updated_by=acting_user,
    )
    record_audit_event(
        "people.household_created",
        acting_user=acting_user,
        obj=household,
        changes=diff_fields({}, snapshot(household, list(HOUSEHOLD_FIELDS))),
    )
    for person, relationship in members:
        do_add_household_member(
            household, person, relationship=relationship, acting_user=acting_user, started_on=started_on
        )
    return household


@transaction.atomic
def do_update_household(household: Household, *, acting_user: User, expected_version: int, **fields: Any) -> Household:
    """Change a household's name, address or notes (versioned)."""
    _check_fields(fields, HOUSEHOLD_FIELDS)
    names = list(fields)
    before = stored_snapshot(household, names)
    for name, value in fields.items():
        setattr(household, name, value)
    save_versioned(household, expected_version=expected_version, fields=names, acting_user=acting_user)
    changes = diff_fields(before, snapshot(household, names))
    record_audit_event("people.household_updated", acting_user=acting_user, obj=household, changes=changes)
    return household


@transaction.atomic
def do_add_household_member(
    household: Household,
    person: Person,
    *,
    relationship: str,
    acting_user: User,
    started_on: dt.date | None = None,
    expected_current_household_id: int | None = ANY_CURRENT_HOUSEHOLD,
    facts: dict[str, Any] | None = None,
    facts_version: int | None = None,
) -> HouseholdMembership:
    """Make ``person`` a current member; their previous current membership ends the same day.

    ``facts``: what the household patterns read about the person (date of birth, care level, work), corrected
    in the same transaction on ``facts_version`` (``do_update_person``: a later edit elsewhere is
    ``EditConflict``, and nothing of the add is kept).

    ``expected_current_household_id`` is the household the editor saw the person in (None: in none);
    when someone moved the person meanwhile, the add is ``EditConflict`` instead of a silent move.

    Serialised on the person's row and then the household's (always in that order): two adds of one
    person at once — a person with no current household has no membership row to lock — or two heads
    of one household at once are decided one after the other, the second seeing the first (already a
    member, already a head: a ``ValidationError`` on the field), never a 500 from the one-current-
    household constraint. Should the constraint still catch a path that skipped the lock, it becomes
    ``EditConflict``.
    """
    # Never a household or person the acting user sees only through an emergency access (read-only).
    access.refuse_emergency_only(acting_user, household=household, person=person, field="person")
    if relationship not in Relationship.values:
        raise ValidationError({"relationship": _("Relationship: choose one of the listed relationships.")})
    # The locks first, then every check reads what the one before us committed (issue 12, item 3).
    Person.objects.select_for_update().filter(pk=person.pk).first()
    Household.objects.select_for_update().filter(pk=household.pk).first()
    if facts:
        _check_fields(facts, PATTERN_FACT_FIELDS)
        person.refresh_from_db(fields=["version"])  # the version under the lock, so a stale form is caught
        do_update_person(
            person,
            acting_user=acting_user,
            expected_version=person.version if facts_version is None else facts_version,
            **facts,
        )
    started_on = started_on or timezone.localdate()
    errors: dict[str, str] = {}
    check_date(
        errors,
        "started_on",
        started_on,
        label=_membership_date_label("started_on"),
        not_before=person.birth_date,
        not_before_label=_("the date of birth"),
    )
    if errors:
        raise ValidationError(errors)
    current = list(
        HouseholdMembership.objects.select_for_update()
        .filter(person=person, ended_on__isnull=True)
        .select_related("household")
    )
    for membership in current:
        if membership.household_id == household.pk:
            raise ValidationError({"person": _("Member: this person is already a member of this household.")})
    if expected_current_household_id != ANY_CURRENT_HOUSEHOLD and expected_current_household_id != next(
        (m.household_id for m in current), None
    ):
        raise EditConflict(person)  # moved meanwhile: the editor decides again, seeing where the person is now
    if (
        relationship == Relationship.HEAD
        and household.memberships.filter(ended_on__isnull=True, relationship=Relationship.HEAD)
        .exclude(person=person)
        .exists()
    ):
        raise ValidationError({"relationship": _("Relationship: this household already has a head.")})
    for membership in current:
        do_end_household_membership(
            membership,
            acting_user=acting_user,
            ended_on=max(started_on, membership.started_on),
            reason=_("Moved to household %(household)s") % {"household": household},
        )
    try:
        with transaction.atomic():  # a savepoint: the conflict leaves the transaction usable
            membership = HouseholdMembership.objects.create(
                household=household,
                person=person,
                relationship=relationship,
                started_on=started_on,
                created_by=acting_user,
            )
    except IntegrityError as error:
        raise EditConflict(household) from error
    record_audit_event(
        "people.household_member_added",
        acting_user=acting_user,
        obj=household,
        changes={"person": person.pk, "relationship": relationship, "started_on": started_on},
    )
    _touch_household(household, acting_user)
    return membership


@transaction.atomic
def do_register_household_member(
    household: Household,
    *,
    acting_user: User,
    relationship: str,
    started_on: dt.date | None = None,
    family_name: str,
    **fields: Any,
) -> Person:
    """Register a new person straight into ``household`` (registered by the household's organisation)."""
    person = do_create_person(
        acting_user=acting_user,
        organisation=household.registered_by_organisation,
        family_name=family_name,
        **fields,
    )
    do_add_household_member(
        household, person, relationship=relationship, started_on=started_on, acting_user=acting_user
    )
    return person


@transaction.atomic
def do_end_household_membership(
    membership: HouseholdMembership, *, acting_user: User, ended_on: dt.date, reason: str
) -> HouseholdMembership:
    """Record that a member left (moved out, died, entered a facility): the row stays as history."""
    if membership.ended_on is not None:
        raise ValidationError({"ended_on": _("Until: this membership has already ended.")})
    if ended_on < membership.started_on:
        raise ValidationError({"ended_on": _("Until: the date is before the member joined the household.")})
    errors: dict[str, str] = {}
    check_date(errors, "ended_on", ended_on, label=_membership_date_label("ended_on"))
    if errors:
        raise ValidationError(errors)
    membership.ended_on = ended_on
    membership.end_reason = reason[:200]
    membership.save(update_fields=["ended_on", "end_reason"])
    record_audit_event(
        "people.household_membership_ended",
        acting_user=acting_user,
        obj=membership.household,
        changes={"person": membership.person_id, "ended_on": ended_on, "end_reason": membership.end_reason},
    )
    _touch_household(membership.household, acting_user)
    return membership


@transaction.atomic
def do_add_related_person(person: Person, *, acting_user: User, **fields: Any) -> RelatedPerson:
    """Record someone outside the household who matters to ``person`` (key person, family living apart …)."""
    _check_fields(fields, RELATED_PERSON_FIELDS)
    if not fields.get("name") and not fields.get("related_person"):
        raise ValidationError({"name": _("Name: enter a name or choose a registered person.")})
    related = RelatedPerson.objects.create(person=person, created_by=acting_user, updated_by=acting_user, **fields)
    record_audit_event(
        "people.related_person_added",
        acting_user=acting_user,
        obj=person,
        changes=diff_fields({}, snapshot(related, list(RELATED_PERSON_FIELDS))),
    )
    return related
