"""Group members and participations: what a create checks first holds however the creates come (issue 12, item 3).

Sequentially, on every database: a login is a current member of a group once (a member who left may
join again — the old constraint refused that with a 500); a resource is proposed to a person of a
case once while that participation is open; a member leaves once. The simultaneous versions, on real
concurrent connections, are in test_races_postgres.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tsunagiai.accounts.models import User
from tsunagiai.community.actions import (
    do_add_group_member,
    do_end_group_membership,
    do_propose_participation,
    do_transition_participation,
)
from tsunagiai.community.models import GroupMember, Participation
from tsunagiai.community.tests.conftest import World
from tsunagiai.core.errors import ActionRefused
from tsunagiai.testing import PASSWORD


def _propose(world: World, service: str = "salon") -> Participation:
    return do_propose_participation(
        world.case,
        person=world.person,
        service=world.services[service],
        organisation=world.town.orgs["branch_north"],
        acting_user=world.town.users["caseworker_north"],
    )


def test_a_resource_is_proposed_to_a_person_once_while_that_participation_is_open(world: World) -> None:
    first = _propose(world)
    with pytest.raises(ActionRefused) as refused:
        _propose(world)
    assert refused.value.field == "service"
    assert "すでに" in refused.value.message
    _propose(world, "cafe")  # another resource is another participation
    do_transition_participation(
        first,
        to="stopped",
        stop_reason=Participation.StopReason.DECLINED,
        acting_user=world.town.users["caseworker_north"],
        expected_version=first.version,
    )
    _propose(world)  # stopped: it may be proposed again
    assert Participation.objects.filter(case=world.case, service=world.services["salon"]).count() == 2


def test_proposing_an_open_resource_again_answers_422_naming_the_field_and_the_page_says_why(
    client: Any, world: World
) -> None:
    _propose(world)
    client.force_login(world.town.users["caseworker_north"])
    response = client.post(
        f"/api/v1/community/cases/{world.case.pk}/participations",
        {"person_id": world.person.pk, "service_id": world.services["salon"].pk},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "service_id"
    page = client.post(
        f"/community/cases/{world.case.pk}/participations/",
        {"person": world.person.pk, "service": world.services["salon"].pk},
    )
    assert page.status_code == 400
    body = page.content.decode()
    assert "地域資源: この方にはすでに提案済み" in body
    assert Participation.objects.filter(case=world.case).count() == 1


def _login(name: str) -> User:
    return User.objects.create_user(username=name, password=PASSWORD, full_name=name)


def test_a_member_who_left_may_join_again_and_a_current_one_is_refused(client: Any, world: World) -> None:
    assert world.group is not None
    centre = world.town.users["csw_worker"]
    login = _login("otasuke_member")
    member = do_add_group_member(
        world.group, name="隊員", user=login, acting_user=centre, joined_on=timezone.localdate() - dt.timedelta(days=30)
    )
    with pytest.raises(ActionRefused):
        do_add_group_member(world.group, name="隊員", user=login, acting_user=centre)
    do_end_group_membership(member, acting_user=centre)
    client.force_login(centre)
    response = client.post(
        "/community/groups/members/",
        {"group": world.group.pk, "name": "隊員（再加入）", "login": login.username, "role": "member"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert GroupMember.objects.filter(provider=world.group, user=login).count() == 2
    assert GroupMember.objects.filter(provider=world.group, user=login, left_on__isnull=True).count() == 1


def test_a_member_leaves_once(world: World) -> None:
    assert world.group is not None
    member = GroupMember.objects.get(provider=world.group, user=world.member_user)
    stale = GroupMember.objects.get(pk=member.pk)
    centre = world.town.users["csw_worker"]
    do_end_group_membership(member, acting_user=centre)
    with pytest.raises(ActionRefused):
        do_end_group_membership(stale, acting_user=centre)
