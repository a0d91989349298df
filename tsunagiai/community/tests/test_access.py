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


def _routes() -> list[tuple[str, str | None, Any]]:
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> list[tuple[str, str | None, Any]]:
        found: list[tuple[str, str | None, Any]] = []
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
                found += walk(pattern.url_patterns, prefix + str(pattern.pattern), inner or namespace)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
                found.append((prefix + str(pattern.pattern), name, pattern.callback))
        return found

    return [r for r in walk(get_resolver().url_patterns) if not r[0].startswith("api/")]


@pytest.mark.parametrize("who", ["group_member", "assigned_volunteer"])
def test_group_members_and_volunteers_reach_no_record_through_any_page_or_api(
    client: Any, world: World, who: str
) -> None:
    """Every page and GET operation, with the ids of the case, its person, household and intake filled in."""
    import re

    from tsunagiai.accounts import access
    from tsunagiai.accounts.models import User
    from tsunagiai.community.actions import do_assign_help_request, do_register_volunteer
    from tsunagiai.testing import PASSWORD

    request_id, participation_id = _setup(world)
    user = world.member_user
    if who == "assigned_volunteer":
        user = User.objects.create_user(username="vol_walk", password=PASSWORD)
        volunteer = do_register_volunteer(
            acting_user=world.town.users["csw_worker"], centre=world.town.orgs["csw"], name="歩 太郎", user=user
        )
        from tsunagiai.community.models import HelpRequest

        item = HelpRequest.objects.get(pk=request_id)
        do_assign_help_request(item, volunteers=[volunteer], acting_user=world.member_user, expected_version=1)
    client.force_login(user)
    values = {
        "case_id": world.case.pk,
        "person_id": world.person.pk,
        "household_id": world.case.household_id,
        "intake_id": world.intake.pk,
        "help_request_id": request_id,
        "participation_id": participation_id,
    }
    param = re.compile(r"<(?:\w+:)?(\w+)>")
    leaks = []
    for route, name, callback in _routes():
        rule = access.page_rule(callback, name)
        if rule == access.PUBLIC or name in {"logout"}:
            continue
        path = "/" + param.sub(lambda m: str(values.get(m[1], 1)), route)
        response = client.get(path)
        body = response.content.decode(errors="ignore") if response.status_code == 200 else ""
        if rule in {access.STAFF, access.EDITOR, access.VOLUNTEER, access.AUDITOR, access.DIRECTORY}:
            if response.status_code not in {403, 404, 405}:
                leaks.append(f"{path} ({name}, {rule}): {response.status_code}")
        elif "北山" in body or "ハル" in body:
            leaks.append(f"{path} ({name}): shows the person")
    document = client.get("/api/v1/openapi.json").json()
    for api_path, operations in document["paths"].items():
        if "get" not in operations or "{" not in api_path and not api_path.endswith(("persons", "cases/", "intakes/")):
            continue
        path = re.sub(r"\{(\w+)\}", lambda m: str(values.get(m[1], 1)), api_path)
        response = client.get(path)
        if response.status_code == 200 and "北山" in response.content.decode():
            leaks.append(f"API {path}: shows the person")
    assert leaks == []
