"""The case API: open from intakes, read, flags and team; strict input with field-named Japanese errors."""

from __future__ import annotations

from typing import Any

import pytest

from tsunagiai.cases.models import Case
from tsunagiai.cases.tests.helpers import make_family, open_case
from tsunagiai.people.tests.factories import make_intake, make_person
from tsunagiai.testing import Town


def _post(client: Any, url: str, body: Any) -> Any:
    return client.post(url, body, content_type="application/json")


def test_open_a_case_through_the_api(client: Any, town: Town) -> None:
    family = make_family(town, categories=("elderly_care", "financial_hardship"))
    second = make_intake(town, person=family.son, categories=["employment"])
    client.force_login(town.users["caseworker_north"])
    response = _post(
        client,
        "/api/v1/cases/",
        {
            "intake_ids": [family.intake.pk, second.pk],
            "title": "山田さん世帯",
            "lead_organisation_id": town.orgs["csw"].pk,
            "focus_member_ids": [family.mother.pk],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "intake" and body["is_multi_issue"] is True
    assert body["household"]["id"] == family.household.pk
    assert body["intake_ids"] == sorted([family.intake.pk, second.pk])
    assert body["focus_member_ids"] == [family.mother.pk]
    assert {m["organisation"]["id"] for m in body["team"]} == {town.orgs["branch_north"].pk, town.orgs["csw"].pk}
    assert body["lead_history"][0]["from_organisation"] is None
    assert body["allowed_transitions"] == ["assessment"]


@pytest.mark.parametrize(
    ("payload", "field", "words"),
    [
        ({"intake_ids": []}, "intake_ids", ""),
        ({"intake_ids": ["abc"]}, "intake_ids", ""),
        ({"title": ""}, "title", "件名"),
        ({"title": "あ" * 201}, "title", "件名"),
        ({"lead_organisation_id": 999999}, "lead_organisation_id", "主導役の機関"),
        ({"lead_organisation_id": "north"}, "lead_organisation_id", ""),
        ({"focus_member_ids": [999999]}, "focus_member_ids", "支援の中心となる人"),
        ({"surprise": True}, "surprise", ""),
    ],
)
def test_invalid_input_is_refused_with_a_field_named_message(
    client: Any, town: Town, payload: dict[str, Any], field: str, words: str
) -> None:
    family = make_family(town)
    client.force_login(town.users["caseworker_north"])
    body = {
        "intake_ids": [family.intake.pk],
        "title": "件名",
        "lead_organisation_id": town.orgs["branch_north"].pk,
        **payload,
    }
    response = _post(client, "/api/v1/cases/", body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any(e["field"].split(".")[0] == field for e in errors), errors
    assert all(": " in e["message"] for e in errors)
    if words:
        assert any(e["message"].startswith(words) for e in errors), errors
    assert not Case.objects.exists()


def test_intakes_the_caller_cannot_see_or_of_another_household_are_refused(client: Any, town: Town) -> None:
    family = make_family(town)
    other = make_family(town, name="佐藤")
    client.force_login(town.users["caseworker_south"])
    hidden = _post(
        client,
        "/api/v1/cases/",
        {"intake_ids": [family.intake.pk], "title": "x", "lead_organisation_id": town.orgs["branch_south"].pk},
    )
    assert hidden.status_code == 422 and hidden.json()["errors"][0]["field"] == "intake_ids"
    client.force_login(town.users["caseworker_north"])
    mixed = _post(
        client,
        "/api/v1/cases/",
        {
            "intake_ids": [family.intake.pk, other.intake.pk],
            "title": "x",
            "lead_organisation_id": town.orgs["branch_north"].pk,
        },
    )
    assert mixed.status_code == 422
    assert "この世帯・世帯員についての相談ではありません" in mixed.json()["errors"][0]["message"]
    stranger = make_person(town, family_name="田中")
    focus = _post(
        client,
        "/api/v1/cases/",
        {
            "intake_ids": [family.intake.pk],
            "title": "x",
            "lead_organisation_id": town.orgs["branch_north"].pk,
            "focus_member_ids": [stranger.pk],
        },
    )
    assert focus.status_code == 422 and focus.json()["errors"][0]["field"] == "focus_member_ids"
    assert not Case.objects.exists()


@pytest.mark.parametrize(("user", "status"), [("volunteer", 403), ("analyst", 403), ("intake_north", 403)])
def test_only_staff_who_may_edit_open_cases(client: Any, town: Town, user: str, status: int) -> None:
    family = make_family(town)
    client.force_login(town.users[user])
    body = {"intake_ids": [family.intake.pk], "title": "x", "lead_organisation_id": town.orgs["branch_north"].pk}
    assert _post(client, "/api/v1/cases/", body).status_code == status


def test_flags_and_team_through_the_api(client: Any, town: Town) -> None:
    case = open_case(town)
    client.force_login(town.users["caseworker_north"])
    flags = _post(
        client, f"/api/v1/cases/{case.pk}/flags", {"is_gap_case": True, "is_difficult": True, "version": case.version}
    )
    assert flags.status_code == 200
    assert flags.json()["is_gap_case"] and flags.json()["is_difficult"]
    version = flags.json()["version"]
    team = _post(
        client,
        f"/api/v1/cases/{case.pk}/team",
        {
            "organisation_id": town.orgs["csw"].pk,
            "user_id": town.users["csw_worker"].pk,
            "role": "担当",
            "version": version,
        },
    )
    assert team.status_code == 200
    assert any(m["user_id"] == town.users["csw_worker"].pk for m in team.json()["team"])
    stale = _post(
        client, f"/api/v1/cases/{case.pk}/flags", {"is_gap_case": False, "is_difficult": False, "version": version}
    )
    assert stale.status_code == 409
    too_long = _post(
        client,
        f"/api/v1/cases/{case.pk}/team",
        {"organisation_id": town.orgs["csw"].pk, "role": "あ" * 101, "version": team.json()["version"]},
    )
    assert too_long.status_code == 422
