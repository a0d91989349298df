"""Unit tests of the access policy (accounts/access.py), role by role."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.utils import timezone

from tsunagiai.accounts import access
from tsunagiai.people.actions import do_create_household, do_create_person, do_end_household_membership


def _person(town, org_key: str, family_name: str):
    return do_create_person(
        acting_user=town.users["coordinator"], organisation=town.orgs[org_key], family_name=family_name
    )


def test_staff_see_people_their_organisation_registered(town) -> None:
    north_person = _person(town, "branch_north", "北山")
    south_person = _person(town, "branch_south", "南川")
    visible = set(access.visible_people(town.users["caseworker_north"]))
    assert north_person in visible
    assert south_person not in visible


def test_the_coordination_section_sees_everyone(town) -> None:
    people = {_person(town, "branch_north", "北山"), _person(town, "branch_south", "南川")}
    assert set(access.visible_people(town.users["coordinator"])) == people


@pytest.mark.parametrize("role_user", ["analyst", "admin", "auditor", "volunteer"])
def test_roles_without_person_access_see_no_one(town, role_user: str) -> None:
    _person(town, "branch_north", "北山")
    assert not access.visible_people(town.users[role_user]).exists()
    assert not access.visible_households(town.users[role_user]).exists()
    assert not access.visible_intakes(town.users[role_user]).exists()


def test_members_of_a_known_household_are_visible_but_leavers_take_nothing_with_them(town) -> None:
    user = town.users["coordinator"]
    mother = _person(town, "branch_north", "髙橋")
    son = _person(town, "branch_south", "髙橋")
    household = do_create_household(
        acting_user=user, organisation=town.orgs["branch_south"], members=[(son, "head"), (mother, "parent")]
    )
    north = town.users["caseworker_north"]
    # North registered the mother, so it sees her household and her son.
    assert household in set(access.visible_households(north))
    assert son in set(access.visible_people(north))
    # Once the mother has left, the son's household is no longer North's business.
    membership = mother.household_memberships.get(ended_on__isnull=True)
    do_end_household_membership(membership, acting_user=user, ended_on=timezone.localdate(), reason="施設入所")
    assert household not in set(access.visible_households(north))
    assert son not in set(access.visible_people(north))
    assert mother in set(access.visible_people(north))


def test_reception_sees_but_does_not_edit(town) -> None:
    person = _person(town, "branch_north", "北山")
    reception = town.users["intake_north"]
    assert access.access_person(reception, person.pk) == person
    with pytest.raises(Http404):
        access.access_person(reception, person.pk, for_edit=True)
    assert access.access_person(town.users["caseworker_north"], person.pk, for_edit=True) == person


@pytest.mark.parametrize("bad_id", ["abc", None, 10**30, -1])
def test_malformed_or_missing_ids_look_like_missing_records(town, bad_id) -> None:
    with pytest.raises(Http404):
        access.access_person(town.users["coordinator"], bad_id)
