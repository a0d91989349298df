from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from tsunagiai.people.models import Person
from tsunagiai.people.tests.factories import make_household, make_person

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


def test_api_list_shows_only_visible_people(client, town):
    make_person(town, "北野", family_name_kana="キタノ")
    make_person(town, "南野", family_name_kana="ミナミノ", organisation=town.orgs["branch_south"])
    client.force_login(town.users["caseworker_north"])
    names = [p["family_name"] for p in client.get(f"{API}/persons").json()["items"]]
    assert names == ["北野"]
    assert client.get(f"{API}/persons", {"q": "みなみの"}).json()["count"] == 0
    client.force_login(town.users["coordinator"])
    assert client.get(f"{API}/persons", {"q": "みなみの"}).json()["count"] == 1


@pytest.mark.parametrize("role", ["analyst", "volunteer", "admin", "auditor"])
def test_api_gives_no_people_to_roles_without_access(client, town, role):
    person = make_person(town)
    client.force_login(town.users[role])
    assert client.get(f"{API}/persons").status_code == 403
    assert client.get(f"{API}/persons/{person.pk}").status_code == 404


def test_api_person_of_another_organisation_is_not_found(client, town):
    person = make_person(town, organisation=town.orgs["branch_south"])
    client.force_login(town.users["caseworker_north"])
    assert client.get(f"{API}/persons/{person.pk}").status_code == 404
    assert patch(client, f"{API}/persons/{person.pk}", {"version": 1, "phone": "0565-11-1111"}).status_code == 404


def test_api_patch_needs_the_version_and_refuses_a_stale_one(client, town):
    person = make_person(town)
    client.force_login(town.users["caseworker_north"])
    url = f"{API}/persons/{person.pk}"
    assert patch(client, url, {"phone": "0565-11-1111"}).status_code == 422
    first = patch(client, url, {"version": 1, "phone": "0565-11-1111"})
    assert first.status_code == 200
    assert first.json()["version"] == 2
    second = patch(client, url, {"version": 1, "phone": "0565-22-2222"})
    assert second.status_code == 409
    assert "他の" in second.json()["detail"] or "changed" in second.json()["detail"]
    person.refresh_from_db()
    assert person.phone == "0565-11-1111"


def test_api_patch_changes_only_the_fields_sent(client, town):
    person = make_person(town, birth_date=dt.date(1950, 1, 1), phone="0565-00-0000")
    client.force_login(town.users["caseworker_north"])
    response = patch(client, f"{API}/persons/{person.pk}", {"version": 1, "given_name_kana": "さくら"})
    assert response.status_code == 200
    person.refresh_from_db()
    assert (person.given_name_kana, person.phone, person.birth_date) == ("サクラ", "0565-00-0000", dt.date(1950, 1, 1))


def test_api_refuses_wrong_types_over_long_text_and_unknown_codes(client, town):
    client.force_login(town.users["caseworker_north"])
    response = post(
        client,
        f"{API}/persons",
        {"family_name": "山" * 51, "lives_alone": "yes", "town_block_id": "abc", "birth_date": 19500101},
    )
    assert response.status_code == 422
    fields = set(messages(response))
    assert {"family_name", "lives_alone", "town_block_id", "birth_date"} <= fields
    response = post(client, f"{API}/persons", {"family_name": "山田", "care_level": "care_9", "town_block_id": 99999})
    assert response.status_code == 422
    assert set(messages(response)) == {"care_level", "town_block_id"}
    assert messages(response)["town_block_id"].startswith("町字")


def test_api_refuses_bad_kana_and_phone_with_field_named_messages(client, town):
    client.force_login(town.users["caseworker_north"])
    response = post(client, f"{API}/persons", {"family_name": "山田", "family_name_kana": "yamada", "phone": "電話"})
    assert response.status_code == 422
    assert messages(response)["family_name_kana"] == "氏(フリガナ): カナ(カタカナまたはひらがな)で入力してください。"
    assert messages(response)["phone"].startswith("電話番号: ")


def test_api_malformed_json_is_a_400(client, town):
    client.force_login(town.users["caseworker_north"])
    response = client.post(f"{API}/persons", data="{not json", content_type="application/json")
    assert response.status_code == 400


def test_api_refuses_a_my_number_key(client, town):
    client.force_login(town.users["caseworker_north"])
    response = post(client, f"{API}/persons", {"family_name": "山田", "my_number": "123456789012"})
    assert response.status_code == 422
    assert "my_number" in messages(response)
    assert not Person.objects.exists()
    person = make_person(town)
    response = patch(client, f"{API}/persons/{person.pk}", {"version": 1, "my_number": "123456789012"})
    assert response.status_code == 422


def test_api_household_shows_members_and_patterns(client, town):
    head = make_person(town, "山田", "一郎", birth_date=dt.date(1945, 5, 1))
    child = make_person(town, "山田", "次郎", birth_date=dt.date(1975, 5, 1), employment_status="not_working")
    household = make_household(town, [(head, "head"), (child, "child")])
    client.force_login(town.users["caseworker_north"])
    body = client.get(f"{API}/households/{household.pk}").json()
    assert [m["relationship"] for m in body["members"]] == ["head", "child"]
    assert [p["code"] for p in body["patterns"]] == ["p8050"]
    listing = client.get(f"{API}/households").json()
    assert listing["count"] == 1
    client.force_login(town.users["caseworker_south"])
    assert client.get(f"{API}/households/{household.pk}").status_code == 404
    assert client.get(f"{API}/households").json()["count"] == 0


def test_api_creates_a_household_with_members(client, town):
    head = make_person(town, "田中")
    client.force_login(town.users["caseworker_north"])
    response = post(
        client,
        f"{API}/households",
        {"name": "田中さん世帯", "members": [{"person_id": head.pk, "relationship": "head"}]},
    )
    assert response.status_code == 201, response.content
    assert response.json()["members"][0]["person_id"] == head.pk


def test_api_household_refuses_invisible_people_and_unknown_relationships(client, town):
    south = make_person(town, "南野", organisation=town.orgs["branch_south"])
    north = make_person(town, "北野")
    client.force_login(town.users["caseworker_north"])
    response = post(
        client,
        f"{API}/households",
        {
            "name": "x",
            "members": [{"person_id": south.pk, "relationship": "head"}, {"person_id": north.pk, "relationship": "x"}],
        },
    )
    assert response.status_code == 422
    assert set(messages(response)) == {"members.0.person_id", "members.1.relationship"}


def test_api_person_list_query_count_does_not_grow_with_rows(client, town, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(town.users["caseworker_north"])
    make_household(town, [(make_person(town), "head")])

    def count():
        client.get(f"{API}/persons")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{API}/persons").status_code == 200
        return len(queries)

    one = count()
    for index in range(29):
        make_household(town, [(make_person(town, f"人{index}"), "head")])
    assert count() == one
