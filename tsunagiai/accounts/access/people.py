"""People and households: what an organisation knows, and the use suspension (利用停止)."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, ExpressionWrapper, Model, Q, QuerySet
from django.http import Http404

from tsunagiai.accounts.access.cases import _team_case_ids
from tsunagiai.accounts.access.grants import _emergency_household_ids, _emergency_person_ids
from tsunagiai.accounts.access.referrals import _accepted_referral_person_ids
from tsunagiai.accounts.access.roles import (
    EDIT_ROLES,
    MAX_PK,
    Ids,
    _get_or_404,
    _pk_or_404,
    is_coordination,
    organisation_ids,
)
from tsunagiai.accounts.models import User

if TYPE_CHECKING:
    from tsunagiai.people.models import Household, Person


# A fire department's 消福連携 report names nobody when it is sent; the person is identified later by
# welfare staff (intake.actions.do_link_intake_person). That link is welfare's knowledge: it does not make
# the person, or their household, known to the fire department that received the report (need-to-know).
_IDENTIFIED_BY_WELFARE = "fire_report"


# A few candidate ids (a list, or a subquery of ids) to decide visibility for, instead of every row.
type Among = Collection[int] | Ids | None


def _known_person_ids(org_ids: set[int], among: Among = None) -> Ids:
    """Ids of the people an organisation registered or received an intake about (only of ``among`` if given)."""
    from tsunagiai.intake.models import Intake
    from tsunagiai.people.models import Person

    registered = Person.objects.filter(registered_by_organisation_id__in=org_ids).values("pk")
    intake_about = (
        Intake.objects.filter(receiving_organisation_id__in=org_ids, person_id__isnull=False)
        .exclude(kind=_IDENTIFIED_BY_WELFARE)
        .values("person_id")
    )
    # referrals (C3): an organisation that accepted a referral about a person knows them.
    referred = _accepted_referral_person_ids(org_ids)
    if among is not None:
        registered = registered.filter(pk__in=among)
        intake_about = intake_about.filter(person_id__in=among)
        referred = referred.filter(person_id__in=among)
    return registered.union(intake_about, referred)


def _household_ids_of_organisations(org_ids: set[int], among: Among = None, *, known: Ids | None = None) -> Ids:
    """Ids of the households an organisation registered, received an intake about,
    or in which someone it knows lives now (only of ``among`` if given).

    ``known``: ``_known_person_ids(org_ids)`` when the caller built it already (without ``among``).
    """
    from tsunagiai.cases.models import Case
    from tsunagiai.intake.models import Intake
    from tsunagiai.people.models import Household, HouseholdMembership

    registered = Household.objects.filter(registered_by_organisation_id__in=org_ids).values("pk")
    intake_about = (
        Intake.objects.filter(receiving_organisation_id__in=org_ids, household_id__isnull=False)
        .exclude(kind=_IDENTIFIED_BY_WELFARE)
        .values("household_id")
    )
    current = HouseholdMembership.objects.filter(ended_on__isnull=True)
    # A case team sees the household it supports.
    supported = Case.objects.filter(pk__in=_team_case_ids(org_ids)).values("household_id")
    if among is None:
        if known is None:
            known = _known_person_ids(org_ids)
        home_of_known = current.filter(person_id__in=known).values("household_id")
    else:
        # Only the candidates' current members can make them known: ask about those people, not everyone.
        members = current.filter(household_id__in=among)
        known = _known_person_ids(org_ids, among=members.values("person_id"))
        home_of_known = members.filter(person_id__in=known).values("household_id")
        registered = registered.filter(pk__in=among)
        intake_about = intake_about.filter(household_id__in=among)
        supported = supported.filter(household_id__in=among)
    return registered.union(intake_about, home_of_known, supported)


def _person_ids_of_organisations(org_ids: set[int], among: Among = None) -> Ids:
    """Ids of the people an organisation knows, and of the current members of its households.

    Written as one uncorrelated ``pk IN (… UNION …)`` so that each part uses its
    own index; an OR of correlated EXISTS made both databases scan every
    person for every search (60,000 people: 1 s on SQLite, 5 s on PostgreSQL).
    With ``among`` (one record's page, a handful of names) every part is narrowed
    to those candidates and their households first, so the answer costs a few
    index lookups instead of the organisation's whole UNION (docs/performance.md).
    """
    from tsunagiai.people.models import HouseholdMembership

    current = HouseholdMembership.objects.filter(ended_on__isnull=True)
    known = _known_person_ids(org_ids, among)
    if among is None:
        # The same known people make their homes known: built once, used twice (the same SQL).
        households = _household_ids_of_organisations(org_ids, known=known)
        members = current.filter(household_id__in=households).values("person_id")
    else:
        own = current.filter(person_id__in=among)
        households = _household_ids_of_organisations(org_ids, among=own.values("household_id"))
        members = own.filter(household_id__in=households).values("person_id")
    return known.union(members)


def _candidates(among: Among) -> Among:
    """``among`` with only ids a database can hold: an id from a form may be any number (SQLite raises
    OverflowError past 64 bits; such an id is simply no record)."""
    if among is None or isinstance(among, QuerySet):
        return among
    return [pk for pk in among if isinstance(pk, int) and 0 < pk <= MAX_PK]


def _narrowed[M: Model](queryset: QuerySet[M], among: Among) -> QuerySet[M]:
    return queryset if among is None else queryset.filter(pk__in=among)


def visible_people(user: User, *, include_emergency: bool = True, among: Among = None) -> QuerySet[Person]:
    """People the user may see; ``include_emergency=False`` leaves out those opened by an emergency access.

    ``among``: only these candidates (ids, or a subquery of ids) — the same answer for them, at the cost of
    a few index lookups instead of the whole visibility UNION. Use it for one record or a handful of names.
    """
    from tsunagiai.people.models import Person

    among = _candidates(among)

    if is_coordination(user):
        return _narrowed(Person.objects.all(), among)
    org_ids = organisation_ids(user)
    if not org_ids:
        return Person.objects.none()
    ids = _person_ids_of_organisations(org_ids, among)
    people = Person.objects.filter(pk__in=ids.union(_emergency_person_ids(user)) if include_emergency else ids)
    # 利用停止: only the coordination section sees them (end of this file)
    return _narrowed(people, among).exclude(pk__in=suspended_person_ids())


def editable_people(user: User, *, among: Among = None) -> QuerySet[Person]:
    from tsunagiai.people.models import Person

    among = _candidates(among)

    if is_coordination(user):
        return _narrowed(Person.objects.all(), among)
    org_ids = organisation_ids(user, EDIT_ROLES)
    if not org_ids:
        return Person.objects.none()
    people = Person.objects.filter(pk__in=_person_ids_of_organisations(org_ids, among))
    return _narrowed(people, among).exclude(pk__in=suspended_person_ids())


def access_person(user: User, person_id: Any, *, for_edit: bool = False) -> Person:
    pk = _pk_or_404(person_id)
    queryset = editable_people(user, among=[pk]) if for_edit else visible_people(user, among=[pk])
    return _get_or_404(queryset, pk)


def visible_households(user: User, *, include_emergency: bool = True, among: Among = None) -> QuerySet[Household]:
    """Households the user may see; ``include_emergency=False`` leaves out those opened by an emergency access.

    ``among`` as for ``visible_people``.
    """
    from tsunagiai.people.models import Household

    among = _candidates(among)

    if is_coordination(user):
        return _narrowed(Household.objects.all(), among)
    org_ids = organisation_ids(user)
    if not org_ids:
        return Household.objects.none()
    ids = _household_ids_of_organisations(org_ids, among)
    households = Household.objects.filter(
        pk__in=ids.union(_emergency_household_ids(user)) if include_emergency else ids
    )
    return _narrowed(households, among)


def editable_households(user: User, *, among: Among = None) -> QuerySet[Household]:
    from tsunagiai.people.models import Household

    among = _candidates(among)

    if is_coordination(user):
        return _narrowed(Household.objects.all(), among)
    org_ids = organisation_ids(user, EDIT_ROLES)
    if not org_ids:
        return Household.objects.none()
    return _narrowed(Household.objects.filter(pk__in=_household_ids_of_organisations(org_ids, among)), among)


def editable_current_members(user: User, members: Collection[Person]) -> set[int]:
    """Which of these people, the current members of a household the user may edit (``editable_households``),
    the user may edit too: the same answer as ``editable_people(user, among=…)``, without a query.

    Every current member of a household an organisation may edit is among the people it may edit
    (``_person_ids_of_organisations``: "the current members of its households"); only a person whose use is
    suspended is not, outside the coordination section. ``members`` must be the household's current members
    (their ``use_suspended`` as just read), and the household one the user may edit: for anything else, ask
    ``editable_people``.
    """
    if is_coordination(user):
        return {person.pk for person in members}
    if not organisation_ids(user, EDIT_ROLES):
        return set()
    return {person.pk for person in members if not person.use_suspended}


def access_household(
    user: User, household_id: Any, *, for_edit: bool = False, select_related: tuple[str, ...] = ()
) -> Household:
    """The household, or 404; ``select_related``: related rows the page shows, read with it."""
    pk = _pk_or_404(household_id)
    queryset = editable_households(user, among=[pk]) if for_edit else visible_households(user, among=[pk])
    return _get_or_404(queryset.select_related(*select_related) if select_related else queryset, pk)


def access_household_and_may_edit(
    user: User, household_id: Any, *, select_related: tuple[str, ...] = ()
) -> tuple[Household, bool]:
    """``access_household(user, household_id)`` and whether ``editable_households`` holds it, in one query.

    For a user whose organisations are the same for seeing and for editing (every organisation in which they
    may see, they may edit: a branch office's staff), the household is editable exactly when it is in the
    organisations' UNION (``_household_ids_of_organisations``) and visible when it is there or opened by an
    emergency access: the UNION is built once and asked both questions as two columns of the household's row,
    instead of being built (~7 ms of CPU) for each. Anyone else gets the two separate answers.
    """
    from tsunagiai.people.models import Household

    pk = _pk_or_404(household_id)
    org_ids = organisation_ids(user)
    if is_coordination(user) or not org_ids or organisation_ids(user, EDIT_ROLES) != org_ids:
        household = access_household(user, pk, select_related=select_related)
        return household, editable_households(user, among=[pk]).exists()
    queryset = Household.objects.filter(pk=pk).annotate(
        known_to_organisations=ExpressionWrapper(
            Q(pk__in=_household_ids_of_organisations(org_ids, [pk])), output_field=BooleanField()
        ),
        opened_in_emergency=ExpressionWrapper(Q(pk__in=_emergency_household_ids(user)), output_field=BooleanField()),
    )
    row = (queryset.select_related(*select_related) if select_related else queryset).first()
    # ``pk IN (…)`` is NULL rather than false when the ids include a NULL (a case without a household): not in.
    if row is None or not (row.known_to_organisations or row.opened_in_emergency):
        raise Http404
    return row, bool(row.known_to_organisations)


# --- use suspension (利用停止; the privacy app, docs/privacy-requests.md) ---
#
# While a person's use is suspended only the coordination section sees them:
# ``visible_people`` and ``editable_people`` leave them out for everyone else
# (their pages answer 404, searches omit them), and ``linkable_people`` leaves
# them out for everyone, so no new intake, referral or case names them (the
# privacy app's signals refuse any other path). Existing records stay.


def suspended_person_ids() -> Ids:
    """Ids of the people whose use is suspended."""
    from tsunagiai.people.models import Person

    return Person.objects.filter(use_suspended=True).values("pk")
