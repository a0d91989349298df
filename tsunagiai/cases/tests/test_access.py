"""Who sees a case: its team now, the coordination section; nobody else — through pages and API alike."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tsunagiai.cases.actions import do_add_team_member, do_remove_team_member
from tsunagiai.cases.models import Case, TeamMember
from tsunagiai.cases.tests.helpers import open_case
from tsunagiai.testing import Town


def _page(client: Any, town: Town, user: str, case: Case) -> int:
    client.force_login(town.users[user])
    return int(client.get(reverse("cases:detail", args=[case.pk])).status_code)


def _api(client: Any, town: Town, user: str, case: Case) -> int:
    client.force_login(town.users[user])
    return int(client.get(f"/api/v1/cases/{case.pk}").status_code)


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("caseworker_north", 200),  # the team's organisation
        ("intake_north", 200),  # reception of the team's organisation: reads, does not edit
        ("supervisor_north", 200),
        ("coordinator", 200),  # the coordination section sees every case
        ("caseworker_south", 404),  # not on the team
        ("elderly_worker", 404),
        ("csw_worker", 404),
        ("fire_crew", 404),
        ("volunteer", 404),
        ("analyst", 404),
        ("admin", 404),
        ("auditor", 404),
    ],
)
def test_case_page_and_api_answer_only_the_team_and_coordination(
    client: Any, town: Town, user: str, expected: int
) -> None:
    case = open_case(town)
    assert _page(client, town, user, case) == expected
    assert _api(client, town, user, case) == expected


def test_an_organisation_joining_the_team_sees_the_case_and_leaving_hides_it(client: Any, town: Town) -> None:
    case = open_case(town)
    assert _page(client, town, "elderly_worker", case) == 404
    member = do_add_team_member(case, town.orgs["elderly_north"], acting_user=town.users["coordinator"])
    assert _page(client, town, "elderly_worker", case) == 200
    assert _api(client, town, "elderly_worker", case) == 200
    do_remove_team_member(member, acting_user=town.users["coordinator"])
    assert _page(client, town, "elderly_worker", case) == 404
    assert _api(client, town, "elderly_worker", case) == 404
    client.force_login(town.users["elderly_worker"])
    assert client.get("/api/v1/cases/").json()["count"] == 0


def test_a_missing_case_looks_like_a_hidden_one(client: Any, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    assert client.get(reverse("cases:detail", args=[999999])).status_code == 404
    assert client.get("/api/v1/cases/999999").status_code == 404


def test_outsiders_cannot_change_a_case(client: Any, town: Town) -> None:
    case = open_case(town)
    for user in ("caseworker_south", "volunteer", "analyst", "intake_north"):
        client.force_login(town.users[user])
        page = client.post(reverse("cases:change_status", args=[case.pk]), {"to": "assessment", "version": 1})
        api = client.post(
            f"/api/v1/cases/{case.pk}/status", {"to": "assessment", "version": 1}, content_type="application/json"
        )
        assert (page.status_code, api.status_code) == (404, 404), user
    assert Case.objects.get(pk=case.pk).status == "intake"


def test_lists_show_only_visible_cases(client: Any, town: Town) -> None:
    case = open_case(town)
    client.force_login(town.users["caseworker_south"])
    assert case.title not in client.get(reverse("cases:list")).content.decode()
    assert client.get("/api/v1/cases/").json()["count"] == 0
    client.force_login(town.users["coordinator"])
    assert case.title in client.get(reverse("cases:list")).content.decode()
    assert client.get("/api/v1/cases/").json()["count"] == 1


def test_volunteers_and_analysts_have_no_case_list(client: Any, town: Town) -> None:
    for user in ("volunteer", "analyst"):
        client.force_login(town.users[user])
        assert client.get(reverse("cases:list")).status_code == 403
        assert client.get("/api/v1/cases/").status_code == 403


def test_the_api_needs_authentication(client: Any, town: Town) -> None:
    case = open_case(town)
    assert client.get(f"/api/v1/cases/{case.pk}").status_code == 401


def test_a_team_members_named_staff_leave_with_their_organisation(town: Town) -> None:
    case = open_case(town)
    coordinator = town.users["coordinator"]
    org_row = do_add_team_member(case, town.orgs["elderly_north"], acting_user=coordinator)
    do_add_team_member(
        case, town.orgs["elderly_north"], user=town.users["elderly_worker"], role="担当", acting_user=coordinator
    )
    do_remove_team_member(org_row, acting_user=coordinator)
    assert not TeamMember.objects.filter(case=case, organisation=town.orgs["elderly_north"], left_at=None).exists()
