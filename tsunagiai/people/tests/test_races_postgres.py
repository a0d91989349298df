"""Household memberships created at the same moment, on real concurrent connections (issue 12, items 1 and 3).

A person with no current household has no membership row to lock: two adds at once both passed the
checks and the second hit the one-current-household constraint (a 500), and two heads of one household
could both be saved. ``do_add_household_member`` now serialises on the person's row, then the
household's: one add wins, the other sees it (already a member, already a head, moved meanwhile) and
comes back with its input kept. The same situations one after the other are tested on every database
(test_membership_conflicts.py).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from django.db import connection

from tsunagiai.people.actions import do_add_household_member, do_create_household
from tsunagiai.people.models import HouseholdMembership, Relationship
from tsunagiai.people.tests.factories import make_person
from tsunagiai.support.tests.helpers import at_once, logged_in_clients
from tsunagiai.testing import Town

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent connections: SQLite's in-memory test database is shared-cache; "
        "there BEGIN IMMEDIATE (settings) serialises every writer",
    ),
    pytest.mark.django_db(transaction=True),
]


def _household(town: Town, name: str) -> Any:
    return do_create_household(
        acting_user=town.users["caseworker_north"], organisation=town.orgs["branch_north"], name=name
    )


def _add_page(client: Any, household: Any, person: Any, relationship: str = "other_relative") -> Any:
    return client.post(
        f"/people/households/{household.pk}/members/add/",
        {"person": person.pk, "relationship": relationship, "current_household": "0"},
    )


def test_two_adds_of_one_person_to_two_households_at_once_make_one_membership_and_a_conflict(town: Town) -> None:
    person = make_person(town, family_name="東", given_name="一郎")
    first, second = _household(town, "東の家"), _household(town, "西の家")
    clients = logged_in_clients(town.users["caseworker_north"], 2)
    responses = at_once([partial(_add_page, clients[0], first, person), partial(_add_page, clients[1], second, person)])
    assert sorted(r.status_code for r in responses) == [302, 400], [r.status_code for r in responses]
    loser = next(r for r in responses if r.status_code == 400)
    body = loser.content.decode()
    assert "他の職員がこの記録を更新しました" in body, body[:2000]
    assert 'name="relationship"' in body  # the form is back, with the choice kept
    assert HouseholdMembership.objects.filter(person=person, ended_on__isnull=True).count() == 1


def test_ten_adds_of_one_person_to_one_household_at_once_make_one_membership(town: Town) -> None:
    person = make_person(town, family_name="南", given_name="花")
    household = _household(town, "南の家")
    user = town.users["caseworker_north"]

    def add() -> Any:
        return do_add_household_member(household, person, relationship="other_relative", acting_user=user)

    results = at_once([add for _ in range(10)])
    assert sum(isinstance(r, HouseholdMembership) for r in results) == 1, results
    refused = [r for r in results if not isinstance(r, HouseholdMembership)]
    assert all("すでにこの世帯の世帯員です" in str(r) for r in refused), refused
    assert HouseholdMembership.objects.filter(person=person, ended_on__isnull=True).count() == 1


def test_two_heads_of_one_household_at_once_make_one_head(town: Town) -> None:
    household = _household(town, "北の家")
    people = [make_person(town, family_name="北", given_name=name) for name in ("太郎", "次郎", "三郎")]
    clients = logged_in_clients(town.users["caseworker_north"], 3)
    responses = at_once(
        [partial(_add_page, c, household, p, relationship="head") for c, p in zip(clients, people, strict=True)]
    )
    assert sorted(r.status_code for r in responses) == [302, 400, 400], [r.status_code for r in responses]
    assert all("すでに世帯主がいます" in r.content.decode() for r in responses if r.status_code == 400)
    heads = HouseholdMembership.objects.filter(
        household=household, ended_on__isnull=True, relationship=Relationship.HEAD
    )
    assert heads.count() == 1


def test_the_api_registering_two_households_with_one_person_at_once_never_fails(town: Town) -> None:
    person = make_person(town, family_name="西", given_name="梅")
    clients = logged_in_clients(town.users["caseworker_north"], 4)
    responses = at_once(
        [
            partial(
                c.post,
                "/api/v1/households",
                {"name": f"西の家{n}", "members": [{"person_id": person.pk, "relationship": "head"}]},
                content_type="application/json",
            )
            for n, c in enumerate(clients)
        ]
    )
    assert all(r.status_code in {201, 409} for r in responses), [(r.status_code, r.content[:200]) for r in responses]
    assert HouseholdMembership.objects.filter(person=person, ended_on__isnull=True).count() == 1
