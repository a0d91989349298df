"""The intake API: the same checks as the form, field-named Japanese errors, 4xx never 500."""

from __future__ import annotations

import json

import pytest

from tsunagiai.inbox.models import InboxItem
from tsunagiai.inbox.selectors import items_about
from tsunagiai.intake.models import Intake
from tsunagiai.intake.tests.helpers import make_intake, make_person

URL = "/api/v1/intakes/"


def _payload(**overrides):
    data = {
        "channel": "phone",
        "consulter_type": "self",
        "person_mode": "anonymous",
        "subject_description": "60代男性",
        "concern": "失業して家賃が払えない。",
        "categories": ["employment", "housing"],
        "urgency": "high",
        "consent_status": "oral",
    }
    data.update(overrides)
    return data


@pytest.fixture
def api(client, town):
    client.force_login(town.users["caseworker_north"])

    def call(method, url=URL, body=None, raw=None):
        if method == "get":
            return client.get(url)
        content = raw if raw is not None else json.dumps(body)
        return getattr(client, method)(url, content, content_type="application/json")

    return call


def _fields(response):
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_post_records_an_intake_with_defaults(api, town):
    response = api("post", body=_payload())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["receiving_organisation"]["id"] == town.orgs["branch_north"].pk
    assert body["categories"] == ["employment", "housing"]
    assert body["version"] == 1
    assert Intake.objects.get().received_by == town.users["caseworker_north"]


def test_post_new_person_registers_them(api, town):
    response = api(
        "post",
        body=_payload(
            person_mode="new", household_choice="new", new_person={"family_name": "中村", "birth_date": "1950-04-01"}
        ),
    )
    assert response.status_code == 201, response.content
    intake = Intake.objects.get()
    assert intake.person is not None
    assert intake.person.family_name == "中村" and intake.household is not None


def test_emergency_via_api_alerts_the_coordination_section(api, town):
    api("post", body=_payload(urgency="emergency"))
    assert InboxItem.objects.get().organisation == town.orgs["coordination"]


def test_malformed_json_is_400(api):
    response = api("post", raw='{"channel": "phone",')
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"received_at": "2025-02-30T10:00:00+09:00"}, "received_at", "受付日時"),
        ({"received_at": "2999-01-01T10:00:00+09:00"}, "received_at", "未来"),
        ({"channel": "carrier_pigeon"}, "channel", "受付方法"),
        ({"categories": ["no_such"]}, "categories", "課題分類"),
        ({"categories": "housing"}, "categories", ""),
        ({"concern": "あ" * 5000}, "concern", "4000"),
        ({"concern": 12}, "concern", ""),
        ({"urgency": None}, "urgency", ""),
        ({"unexpected": 1}, "unexpected", ""),
        ({"person_mode": "found"}, "person_id", "本人"),
        ({"person_mode": "new"}, "new_person", ""),
        (
            {"person_mode": "new", "new_person": {"family_name": "田中", "birth_date": "2999-01-01"}},
            "new_person.birth_date",
            "生年月日",
        ),
        ({"town_block": "nowhere"}, "town_block", "町字"),
    ],
)
def test_invalid_input_is_422_naming_the_field(api, overrides, field, words):
    response = api("post", body=_payload(**overrides))
    assert response.status_code == 422, response.content
    errors = _fields(response)
    assert any(name.endswith(field) for name in errors), errors
    assert all(words in message for name, message in errors.items() if name.endswith(field))
    assert not Intake.objects.exists()


def test_person_the_caller_may_not_see_is_422_without_leaking(api, town):
    stranger = make_person(town, "branch_south", family_name="他所者")
    response = api("post", body=_payload(person_mode="found", person_id=stranger.pk))
    assert response.status_code == 422
    assert "person_id" in _fields(response)
    assert "他所者" not in response.content.decode()
    missing = api("post", body=_payload(person_mode="found", person_id=999999))
    assert _fields(missing) == _fields(response)  # not-yours looks like missing


def test_get_one_and_list_with_filters(api, town):
    a = make_intake(town)
    response = api("get", f"{URL}{a.pk}")
    assert response.status_code == 200 and response.json()["id"] == a.pk
    assert api("get", f"{URL}?channel=phone").json()["count"] == 1
    assert api("get", f"{URL}?channel=visit_window").json()["count"] == 0
    assert api("get", f"{URL}?channel=bogus").status_code == 422
    assert api("get", f"{URL}?date_from=2025-02-30").status_code == 422
    assert api("get", f"{URL}?limit=1000").status_code == 422


def test_patch_with_current_version_changes_and_stale_version_is_409(api, town):
    intake = make_intake(town)
    ok = api("patch", f"{URL}{intake.pk}", {"version": 1, "urgency": "emergency", "categories": ["housing"]})
    assert ok.status_code == 200, ok.content
    assert ok.json()["version"] == 2 and ok.json()["categories"] == ["housing"]
    stale = api("patch", f"{URL}{intake.pk}", {"version": 1, "concern": "古い版からの上書き"})
    assert stale.status_code == 409
    assert "他の職員" in stale.json()["detail"]
    intake.refresh_from_db()
    assert intake.concern != "古い版からの上書き"
    assert items_about(intake).filter(kind="emergency_intake").count() == 1


def test_patch_validates_like_the_form(api, town):
    intake = make_intake(town)
    assert api("patch", f"{URL}{intake.pk}", {"version": 1, "channel": "bogus"}).status_code == 422
    assert api("patch", f"{URL}{intake.pk}", {"concern": "版なし"}).status_code == 422
    assert api("patch", f"{URL}{intake.pk}", {"version": "one"}).status_code == 422
    assert api("patch", f"{URL}{intake.pk}", {"version": 1, "kind": "fire_report"}).status_code == 422
    assert api("patch", f"{URL}{intake.pk}", {"version": 1, "incident_type": "fire"}).status_code == 422


def test_api_list_query_count_does_not_grow_with_rows(api, town):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_intake(town)
    with CaptureQueriesContext(connection) as one:
        assert api("get").json()["count"] == 1
    for _ in range(29):
        make_intake(town)
    with CaptureQueriesContext(connection) as thirty:
        assert api("get").json()["count"] == 30
    assert len(one) == len(thirty)
