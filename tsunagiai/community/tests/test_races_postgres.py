"""Group members and participations created at the same moment, on real concurrent connections (issue 12, item 3).

Both creates checked first and then created: two adds of one login to a group at once both passed
"already a member?" (the second then hit the constraint: a 500), and two proposals of one resource to
one person made two open participations. The actions now serialise on the group's and the case's
row: one create wins, the others are refused on the field (422 in the API, the page with the message).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from django.db import connection

from tsunagiai.accounts.models import User
from tsunagiai.community.actions import do_add_group_member, do_end_group_membership
from tsunagiai.community.models import GroupMember, Participation
from tsunagiai.community.tests.conftest import World
from tsunagiai.core.errors import ActionRefused
from tsunagiai.support.tests.helpers import at_once, logged_in_clients
from tsunagiai.testing import PASSWORD

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent connections: SQLite's in-memory test database is shared-cache; "
        "there BEGIN IMMEDIATE (settings) serialises every writer",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_five_adds_of_one_login_to_a_group_at_once_make_one_member(world: World) -> None:
    assert world.group is not None
    login = User.objects.create_user(username="otasuke_new", password=PASSWORD, full_name="新人")
    clients = logged_in_clients(world.town.users["csw_worker"], 5)
    responses = at_once(
        [
            partial(
                c.post,
                "/community/groups/members/",
                {"group": world.group.pk, "name": f"新人{n}", "login": login.username, "role": "member"},
            )
            for n, c in enumerate(clients)
        ]
    )
    assert sorted(r.status_code for r in responses) == [302, 400, 400, 400, 400], [r.status_code for r in responses]
    assert all("すでにこのグループ" in r.content.decode() for r in responses if r.status_code == 400)
    assert GroupMember.objects.filter(provider=world.group, user=login).count() == 1


def test_ten_proposals_of_one_resource_at_once_make_one_participation(world: World) -> None:
    url = f"/api/v1/community/cases/{world.case.pk}/participations"
    body = {"person_id": world.person.pk, "service_id": world.services["salon"].pk}
    clients = logged_in_clients(world.town.users["caseworker_north"], 10)
    responses = at_once([partial(c.post, url, body, content_type="application/json") for c in clients])
    assert sorted(r.status_code for r in responses) == [201] + [422] * 9, [r.status_code for r in responses]
    assert all(r.json()["errors"][0]["field"] == "service_id" for r in responses if r.status_code == 422)
    assert Participation.objects.filter(case=world.case, service=world.services["salon"]).count() == 1


def test_two_leaves_of_one_member_at_once_end_it_once(world: World) -> None:
    assert world.group is not None
    member = GroupMember.objects.get(provider=world.group, user=world.member_user)
    centre = world.town.users["csw_worker"]

    def leave() -> Any:
        return do_end_group_membership(GroupMember.objects.get(pk=member.pk), acting_user=centre)

    results = at_once([leave, leave])
    assert sum(isinstance(r, GroupMember) for r in results) == 1, results
    assert sum(isinstance(r, ActionRefused) for r in results) == 1, results


def test_adding_one_login_from_two_paths_at_once_never_fails(world: World) -> None:
    assert world.group is not None
    login = User.objects.create_user(username="otasuke_twice", password=PASSWORD, full_name="二重")
    centre = world.town.users["csw_worker"]

    def add() -> Any:
        return do_add_group_member(world.group, name="二重", user=login, acting_user=centre)  # type: ignore[arg-type]

    results = at_once([add for _ in range(6)])
    assert sum(isinstance(r, GroupMember) for r in results) == 1, results
    assert all(isinstance(r, GroupMember | ActionRefused) for r in results), results
