"""A household membership added on a stale view: the conflict is detected and the input kept (issue 12, item 1).

The add form carries the household the person was in when it was shown. If someone moved the person
meanwhile, sending it is a conflict, not a silent move that ends the colleague's membership the same
day: the form comes back with the choice kept, now based on where the person is, so sending it again
moves them deliberately. The simultaneous version is in test_races_postgres.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tsunagiai.core.concurrency import EditConflict
from tsunagiai.people.actions import do_add_household_member, do_create_household
from tsunagiai.people.models import HouseholdMembership
from tsunagiai.people.tests.factories import make_person
from tsunagiai.testing import Town


def _household(town: Town, name: str) -> Any:
    return do_create_household(
        acting_user=town.users["caseworker_north"], organisation=town.orgs["branch_north"], name=name
    )


def test_an_add_based_on_a_stale_view_is_a_conflict_with_the_input_kept(client: Client, town: Town) -> None:
    user = town.users["caseworker_north"]
    person = make_person(town, family_name="東", given_name="一郎")
    mine, theirs = _household(town, "東の家"), _household(town, "西の家")
    client.force_login(user)
    page = client.get(f"/people/households/{mine.pk}/members/add/?person={person.pk}").content.decode()
    assert 'name="current_household" value="0"' in page  # shown with no household
    do_add_household_member(theirs, person, relationship="head", acting_user=user)  # a colleague, meanwhile

    sent = {"person": person.pk, "relationship": "child", "started_on": "2024-04-01", "current_household": "0"}
    response = client.post(f"/people/households/{mine.pk}/members/add/", sent)
    assert response.status_code == 400
    body = response.content.decode()
    assert "他の職員がこの記録を更新しました" in body
    assert 'value="child" selected' in body and 'value="2024-04-01"' in body  # the input kept
    assert f'name="current_household" value="{theirs.pk}"' in body  # now based on where the person is
    assert not HouseholdMembership.objects.filter(household=mine).exists()

    again = client.post(f"/people/households/{mine.pk}/members/add/", {**sent, "current_household": theirs.pk})
    assert again.status_code == 302  # sent again knowingly: the person moves
    current = HouseholdMembership.objects.get(person=person, ended_on__isnull=True)
    assert current.household_id == mine.pk


def test_the_action_refuses_a_move_the_caller_did_not_expect(town: Town) -> None:
    user = town.users["caseworker_north"]
    person = make_person(town)
    first, second = _household(town, "一"), _household(town, "二")
    do_add_household_member(first, person, relationship="head", acting_user=user)
    with pytest.raises(EditConflict):
        do_add_household_member(
            second, person, relationship="head", acting_user=user, expected_current_household_id=None
        )
    # Without the expectation (the API, an intake) adding is moving, as documented.
    do_add_household_member(second, person, relationship="head", acting_user=user)
    assert HouseholdMembership.objects.get(person=person, ended_on__isnull=True).household_id == second.pk
