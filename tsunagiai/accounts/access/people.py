"""People and households: what an organisation knows, and the use suspension (利用停止)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from tsunagiai.accounts.access.cases import _team_case_ids
from tsunagiai.accounts.access.grants import _emergency_household_ids, _emergency_person_ids
from tsunagiai.accounts.access.referrals import _accepted_referral_person_ids
from tsunagiai.accounts.access.roles import EDIT_ROLES, Ids, _get_or_404, is_coordination, organisation_ids
from tsunagiai.accounts.models import User

if TYPE_CHECKING:
    from tsunagiai.people.models import Household, Person


# A fire department's 消福連携 report names nobody when it is sent; the person is identified later by
# welfare staff (intake.actions.do_link_intake_person). That link is welfare's knowledge: it does not make
# the person, or their household, known to the fire department that received the report (need-to-know).
_IDENTIFIED_BY_WELFARE = "fire_report"


def _known_person_ids(org_ids: set[int]) -> Ids:
    """Ids of the people an organisation registered or received an intake about."""
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
    return registered.union(intake_about, referred)


def _household_ids_of_organisations(org_ids: set[int]) -> Ids:
    """Ids of the households an organisation registered, received an intake about,
    or in which someone it knows lives now."""
    from tsunagiai.cases.models import Case
    from tsunagiai.intake.models import Intake
    from tsunagiai.people.models import Household, HouseholdMembership

    registered = Household.objects.filter(registered_by_organisation_id__in=org_ids).values("pk")
    intake_about = (
        Intake.objects.filter(receiving_organisation_id__in=org_ids, household_id__isnull=False)
        .exclude(kind=_IDENTIFIED_BY_WELFARE)
        .values("household_id")
    )
    home_of_known = HouseholdMembership.objects.filter(
        ended_on__isnull=True, person_id__in=_known_person_ids(org_ids)
    ).values("household_id")
    # A case team sees the household it supports.
    supported = Case.objects.filter(pk__in=_team_case_ids(org_ids)).values("household_id")
    return registered.union(intake_about, home_of_known, supported)


def _person_ids_of_organisations(org_ids: set[int]) -> Ids:
    """Ids of the people an organisation knows, and of the current members of its households.

    Written as one uncorrelated ``pk IN (… UNION …)`` so that each part uses its
    own index; an OR of correlated EXISTS made both databases scan every
    person for every search (60,000 people: 1 s on SQLite, 5 s on PostgreSQL).
    """
    from tsunagiai.people.models import HouseholdMembership

    members = HouseholdMembership.objects.filter(
        ended_on__isnull=True, household_id__in=_household_ids_of_organisations(org_ids)
    ).values("person_id")
    return _known_person_ids(org_ids).union(members)


def visible_people(user: User, *, include_emergency: bool = True) -> QuerySet[Person]:
    """People the user may see; ``include_emergency=False`` leaves out those opened by an emergency access."""
    from tsunagiai.people.models import Person

    if is_coordination(user):
        return Person.objects.all()
    org_ids = organisation_ids(user)
    if not org_ids:
        return Person.objects.none()
    ids = _person_ids_of_organisations(org_ids)
    return Person.objects.filter(pk__in=ids.union(_emergency_person_ids(user)) if include_emergency else ids).exclude(
        pk__in=suspended_person_ids()  # 利用停止: only the coordination section sees them (end of this file)
    )


def editable_people(user: User) -> QuerySet[Person]:
    from tsunagiai.people.models import Person

    if is_coordination(user):
        return Person.objects.all()
    org_ids = organisation_ids(user, EDIT_ROLES)
    if not org_ids:
        return Person.objects.none()
    return Person.objects.filter(pk__in=_person_ids_of_organisations(org_ids)).exclude(pk__in=suspended_person_ids())


def access_person(user: User, person_id: int, *, for_edit: bool = False) -> Person:
    queryset = editable_people(user) if for_edit else visible_people(user)
    return _get_or_404(queryset, person_id)


def visible_households(user: User, *, include_emergency: bool = True) -> QuerySet[Household]:
    """Households the user may see; ``include_emergency=False`` leaves out those opened by an emergency access."""
    from tsunagiai.people.models import Household

    if is_coordination(user):
        return Household.objects.all()
    org_ids = organisation_ids(user)
    if not org_ids:
        return Household.objects.none()
    ids = _household_ids_of_organisations(org_ids)
    return Household.objects.filter(pk__in=ids.union(_emergency_household_ids(user)) if include_emergency else ids)


def editable_households(user: User) -> QuerySet[Household]:
    from tsunagiai.people.models import Household

    if is_coordination(user):
        return Household.objects.all()
    org_ids = organisation_ids(user, EDIT_ROLES)
    if not org_ids:
        return Household.objects.none()
    return Household.objects.filter(pk__in=_household_ids_of_organisations(org_ids))


def access_household(user: User, household_id: int, *, for_edit: bool = False) -> Household:
    queryset = editable_households(user) if for_edit else visible_households(user)
    return _get_or_404(queryset, household_id)


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
