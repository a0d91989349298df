"""The support API: strict schemas, Japanese field-named errors, 404 for the invisible, 409 for stale."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from tsunagiai.support.tests.helpers import add_record, make_case, make_household, make_plan
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 4, 10, 1, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_plan_is_read_with_its_revisions_and_a_stale_revision_answers_409(town: Town, client: Any) -> None:
    case = make_case(town, make_household(town), team=("csw",))
    make_plan(town, case, review_on=dt.date(2026, 7, 1), due_on=dt.date(2026, 5, 1))
    client.force_login(town.users["csw_worker"])
    body = client.get(f"/api/v1/support/cases/{case.pk}/plan").json()
    assert body["current"]["number"] == 1 and len(body["current"]["actions"]) == 2
    payload = {
        "version": body["version"],
        "goals": "新しい目標",
        "review_on": "2026-08-01",
        "actions": [
            {
                "key": 1,
                "owner_kind": "organisation",
                "owner_organisation_id": town.orgs["csw"].pk,
                "what": "家計相談",
                "due_on": "2026-05-01",
            }
        ],
    }
    url = f"/api/v1/support/cases/{case.pk}/plan/revisions"
    created = client.post(url, payload, content_type="application/json")
    assert created.status_code == 201, created.content
    assert [r["number"] for r in created.json()["revisions"]] == [2, 1]
    stale = client.post(url, payload, content_type="application/json")
    assert stale.status_code == 409


@time_machine.travel(NOW, tick=False)
def test_plan_revision_errors_name_the_field_in_japanese(town: Town, client: Any) -> None:
    case = make_case(town, make_household(town))
    client.force_login(town.users["caseworker_north"])
    url = f"/api/v1/support/cases/{case.pk}/plan/revisions"
    wrong = client.post(
        url, {"goals": "x", "review_on": "2026-02-30", "colour": "red"}, content_type="application/json"
    )
    assert wrong.status_code == 422
    fields = {e["field"] for e in wrong.json()["errors"]}
    assert {"review_on", "colour"} <= fields
    rule = client.post(
        url,
        {
            "goals": "x",
            "review_on": "2026-08-01",
            "actions": [{"owner_kind": "staff", "what": "訪問", "due_on": "2026-05-01"}],
        },
        content_type="application/json",
    )
    assert rule.status_code == 422
    assert rule.json()["errors"] == [
        {"field": "actions.0.owner_user", "message": "取組 1 – 担当職員: 職員を選んでください。"}
    ]


@time_machine.travel(NOW, tick=False)
def test_records_are_created_and_listed_on_the_timeline(town: Town, client: Any) -> None:
    household = make_household(town)
    case = make_case(town, household)
    add_record(town, household, None)
    client.force_login(town.users["caseworker_north"])
    created = client.post(
        f"/api/v1/support/households/{household.pk}/records",
        {
            "case_id": case.pk,
            "kind": "phone",
            "occurred_at": "2026-04-09T15:00:00+09:00",
            "summary": "電話で様子を確認",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    future = client.post(
        f"/api/v1/support/households/{household.pk}/records",
        {"kind": "phone", "occurred_at": "2026-06-09T15:00:00+09:00", "summary": "x"},
        content_type="application/json",
    )
    assert future.status_code == 422 and future.json()["errors"][0]["message"].startswith("日時")
    timeline = client.get(f"/api/v1/support/households/{household.pk}/timeline").json()
    assert timeline["count"] == 2
    phone = client.get(f"/api/v1/support/households/{household.pk}/timeline", {"kind": "phone"}).json()
    assert [r["summary"] for r in phone["items"]] == ["電話で様子を確認"]
    assert client.get(f"/api/v1/support/households/{household.pk}/timeline", {"kind": "fax"}).status_code == 422
