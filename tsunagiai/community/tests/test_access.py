"""Per role: who reaches the community pages and API, and that nobody outside sees a request or a person."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tsunagiai.community.actions import do_create_help_request, do_propose_participation
from tsunagiai.community.tests.conftest import World

pytestmark = pytest.mark.django_db


def _setup(world: World) -> tuple[int, int]:
    request = do_create_help_request(
        acting_user=world.town.users["caseworker_north"],
        organisation=world.town.orgs["branch_north"],
        group=world.group,  # type: ignore[arg-type]
        task="rubbish",
        description="ごみ出しの手伝い",
        town_block=world.town.blocks["north"],
        person=world.person,
        case=world.case,
    )
    participation = do_propose_participation(
        world.case,
        person=world.person,
        service=world.services["salon"],
        organisation=world.town.orgs["branch_north"],
        acting_user=world.town.users["caseworker_north"],
        proposed_on=timezone.localdate() - dt.timedelta(days=1),
    )
    return request.pk, participation.pk


# role → (help request page, resources page of the north case, volunteer register)
EXPECTED = {
    "caseworker_north": (200, 200, 200),
    "intake_north": (200, 200, 200),
    "supervisor_north": (200, 200, 200),
    "coordinator": (200, 200, 200),
    "csw_worker": (200, 404, 200),  # 社協 steers every request; the case is not on its team
    "caseworker_south": (404, 404, 200),
    "elderly_worker": (404, 404, 200),
    "volunteer": (404, 403, 403),  # 民生委員: not the help queue, never a case
    "analyst": (404, 403, 403),
    "admin": (404, 403, 403),
    "auditor": (404, 403, 403),
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_reaches_only_what_it_may(client: Any, world: World, role: str) -> None:
    request_id, _participation_id = _setup(world)
    client.force_login(world.town.users[role])
    help_page, resources, register = EXPECTED[role]
    assert client.get(f"/community/help/{request_id}/").status_code == help_page
    assert client.get(f"/community/cases/{world.case.pk}/resources/").status_code in (
        {resources} if resources != 403 else {403, 404}
    )
    assert client.get("/community/volunteers/").status_code == register
    listed = client.get("/api/v1/community/help-requests").json()["items"]
    assert ([i["id"] for i in listed] == [request_id]) == (help_page == 200)
    if help_page != 200:
        assert "北山" not in client.get("/community/help/").content.decode()


def test_only_editors_of_the_case_move_a_participation(client: Any, world: World) -> None:
    _request_id, participation_id = _setup(world)
    url = f"/community/participations/{participation_id}/transition/"
    client.force_login(world.town.users["intake_north"])  # reception: sees the case, does not edit
    assert client.post(url, {"to": "tried", "version": 1}).status_code in {403, 404}
    client.force_login(world.town.users["caseworker_north"])
    assert client.post(url, {"to": "tried", "version": 1}).status_code == 302


def test_the_navigation_shows_the_queue_to_staff_and_group_members_only(client: Any, world: World) -> None:
    client.force_login(world.member_user)
    page = client.get("/community/help/").content.decode()
    assert '<a href="/community/help/" aria-current="page">お助け隊</a>' in page
    assert 'href="/cases/"' not in page and 'href="/people/"' not in page
    client.force_login(world.town.users["analyst"])
    assert 'href="/community/help/"' not in client.get("/").content.decode()
