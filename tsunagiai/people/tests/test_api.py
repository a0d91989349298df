from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from tsunagiai.people.models import Person

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(dt.datetime(2025, 6, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def patch(client, url, body):
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def messages(response):
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_create_person_normalises_kana_and_returns_it(client, town):
    client.force_login(town.users["caseworker_north"])
    response = post(
        client,
        f"{API}/persons",
        {"family_name": "髙橋", "given_name": "一郎", "family_name_kana": "たかはし", "birth_date": "1950-04-01"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["family_name_kana"] == "タカハシ"
    assert body["age"] == 75
    person = Person.objects.get(pk=body["id"])
    assert person.registered_by_organisation == town.orgs["branch_north"]
    assert person.search_name


def test_create_person_refuses_impossible_and_future_dates_naming_the_field(client, town):
    client.force_login(town.users["caseworker_north"])
    response = post(client, f"{API}/persons", {"family_name": "山田", "birth_date": "2025-02-30"})
    assert response.status_code == 422
    assert "birth_date" in messages(response)
    assert messages(response)["birth_date"].startswith("生年月日")
    response = post(client, f"{API}/persons", {"family_name": "山田", "birth_date": "2030-01-01"})
    assert response.status_code == 422
    assert messages(response)["birth_date"] == "生年月日: 未来の日付は指定できません。"
