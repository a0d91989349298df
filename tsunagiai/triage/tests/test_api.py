"""POST /api/v1/triage: the evaluation fields plus scores, cues, evidence, patterns and organisations."""

from __future__ import annotations

import pytest

from tsunagiai.intake.tests.helpers import make_person
from tsunagiai.people.actions import do_create_household
from tsunagiai.triage.tests.fakes import CONCERN, fixed_engine  # noqa: F401

URL = "/api/v1/triage"


def _post(client, town, body, user="caseworker_north"):
    client.force_login(town.users[user])
    return client.post(URL, body, content_type="application/json")


@pytest.mark.usefixtures("fixed_engine")
def test_answers_the_evaluation_fields_with_scores_cues_evidence_and_organisations(client, town):
    response = _post(client, town, {"text": CONCERN, "town_block": "north-1"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert "id" not in body
    assert body["categories"] == ["dementia", "elderly_care"]
    assert body["urgency"] == "high"
    assert body["lead"] == "community_support_center"
    assert body["agencies"] == ["community_support_center"]
    assert body["patterns"] == []
    assert body["scores"]["dementia"] == pytest.approx(0.91)
    assert {c["text"]: c["negated"] for c in body["cues"]} == {"死にたい": True, "疲れた": False}
    assert [e["label"] for e in body["evidence"]] == ["dementia", "elderly_care"]
    assert body["can_suggest"] is True
    assert [o["name"] for o in body["organisations"]] == ["北地域包括支援センター"]
    assert body["similar"] == []


def test_empty_text_cannot_be_suggested_but_is_not_an_error(client, town):
    response = _post(client, town, {"text": ""})
    assert response.status_code in {200, 503}
    if response.status_code == 200:
        assert response.json()["can_suggest"] is False


def test_text_over_twenty_thousand_characters_is_refused_naming_the_field(client, town):
    response = _post(client, town, {"text": "あ" * 20_001})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "text"
    assert response.json()["errors"][0]["message"].startswith("相談内容")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": 5},
        {"text": None},
        {"text": ["a"]},
        {"text": "a", "household_id": "x"},
        {"text": "a", "household_id": 0},
        {"text": "a", "household_id": 2**70},
        {"text": "a", "town_block": 7},
        {"text": "a", "town_block": "x" * 41},
        {"text": "a", "surprise": True},
        [],
    ],
)
def test_wrong_input_is_a_422_never_a_server_error(client, town, body):
    response = _post(client, town, body)
    assert response.status_code == 422, response.content
    assert response.json()["errors"]


def test_a_body_that_is_not_an_object_is_refused(client, town):
    assert _post(client, town, "text").status_code in {400, 422}


def test_broken_json_is_a_400(client, town):
    client.force_login(town.users["caseworker_north"])
    response = client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.usefixtures("fixed_engine")
def test_unknown_town_block_is_named(client, town):
    response = _post(client, town, {"text": CONCERN, "town_block": "nowhere"})
    assert response.status_code == 422
    assert "nowhere" in response.json()["errors"][0]["message"]


@pytest.mark.usefixtures("fixed_engine")
def test_household_patterns_come_only_from_a_household_the_caller_may_see(client, town, monkeypatch):
    from tsunagiai.triage import selectors

    monkeypatch.setattr(selectors, "household_pattern_hints", lambda user, household: [("p8050", "80代の母と50代の子")])
    person = make_person(town, family_name="北山")
    household = do_create_household(
        acting_user=town.users["caseworker_north"],
        organisation=town.orgs["branch_north"],
        name="北山さん世帯",
        members=[(person, "head")],
    )
    own = _post(client, town, {"text": CONCERN, "household_id": household.pk})
    assert own.status_code == 200
    assert own.json()["patterns"] == ["p8050"]
    assert own.json()["pattern_reasons"][0]["reason"] == "80代の母と50代の子"
    other = _post(client, town, {"text": CONCERN, "household_id": household.pk}, user="caseworker_south")
    missing = _post(client, town, {"text": CONCERN, "household_id": household.pk + 1000}, user="caseworker_south")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()


@pytest.mark.parametrize("user", ["intake_north", "caseworker_north", "coordinator", "fire_crew", "elderly_worker"])
@pytest.mark.usefixtures("fixed_engine")
def test_staff_who_record_intakes_may_call_it(client, town, user):
    assert _post(client, town, {"text": CONCERN}, user=user).status_code == 200


@pytest.mark.parametrize("user", ["analyst", "admin", "auditor", "volunteer"])
def test_others_may_not(client, town, user):
    assert _post(client, town, {"text": CONCERN}, user=user).status_code == 403


def test_anonymous_callers_must_authenticate(client, town):
    assert client.post(URL, {"text": CONCERN}, content_type="application/json").status_code == 401


def test_the_openapi_document_declares_the_rule_and_the_length(client, town):
    client.force_login(town.users["caseworker_north"])
    from config.api import api

    operation = api.get_openapi_schema()["paths"]["/api/v1/triage"]["post"]
    assert operation["x-access-rule"] == "staff"
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("TriageIn")
