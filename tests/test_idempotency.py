"""``Idempotency-Key`` on API creates: a client that retries after a lost answer creates nothing twice."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from config.api import api
from tsunagiai.accounts.models import ApiToken
from tsunagiai.core.middleware import sweep_idempotency_keys
from tsunagiai.core.models import IdempotencyKey
from tsunagiai.people.models import Person
from tsunagiai.testing import Town

PERSON = {"family_name": "北山", "given_name": "公子", "family_name_kana": "キタヤマ", "birth_date": "1950-01-01"}


def _create(client: Client, body: dict[str, Any], key: str | None = "k-1", **headers: str) -> Any:
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/persons", json.dumps(body), content_type="application/json", headers=headers)


def test_a_repeated_create_answers_the_first_result_without_creating_again(client: Client, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    first = _create(client, PERSON)
    assert first.status_code == 201, first.content
    again = _create(client, PERSON)
    assert again.status_code == first.status_code
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Person.objects.filter(family_name="北山").count() == 1


def test_without_a_key_each_create_is_a_new_record(client: Client, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    assert _create(client, PERSON, key=None).status_code == 201
    assert _create(client, PERSON, key=None).status_code == 201
    assert Person.objects.filter(family_name="北山").count() == 2


def test_the_same_key_with_another_request_is_refused_naming_the_header(client: Client, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    assert _create(client, PERSON).status_code == 201
    response = _create(client, {**PERSON, "given_name": "別人"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert "Idempotency-Key" in response.json()["errors"][0]["message"]
    assert Person.objects.filter(family_name="北山").count() == 1


def test_keys_belong_to_one_user(client: Client, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    assert _create(client, PERSON).status_code == 201
    other = Client()
    other.force_login(town.users["intake_north"])
    second = _create(other, PERSON)
    assert second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert Person.objects.filter(family_name="北山").count() == 2


def test_a_bearer_token_caller_gets_the_replay_too(client: Client, town: Town) -> None:
    secret = ApiToken.new_secret()
    ApiToken.objects.create(user=town.users["caseworker_north"], name="retry", key_hash=ApiToken.hash_key(secret))
    auth = {"Authorization": f"Bearer {secret}"}
    first = _create(client, PERSON, **auth)
    again = _create(client, PERSON, **auth)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert Person.objects.filter(family_name="北山").count() == 1


def test_a_refused_create_keeps_the_key_free_for_a_corrected_retry(client: Client, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    future = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert _create(client, {**PERSON, "birth_date": future}).status_code == 422
    assert IdempotencyKey.objects.count() == 0
    assert _create(client, {**PERSON, "birth_date": future}, key="k-2").status_code == 422
    assert _create(client, PERSON, key="k-3").status_code == 201


def test_an_unusable_key_is_refused(client: Client, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    for key in ("", "x" * 256, "spaces are not allowed", "キー"):
        response = client.post(
            "/api/v1/persons",
            json.dumps(PERSON),
            content_type="application/json",
            headers={"Idempotency-Key": key.encode().decode("latin-1")},
        )
        assert response.status_code == 422, key
        assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Person.objects.count() == 0


def test_an_anonymous_call_with_a_key_answers_401(client: Client, town: Town) -> None:
    assert _create(client, PERSON).status_code == 401
    assert IdempotencyKey.objects.count() == 0


def test_old_keys_are_swept_and_then_the_key_may_be_used_again(client: Client, town: Town, time_machine: Any) -> None:
    time_machine.move_to("2026-06-01 10:00 +0900")
    client.force_login(town.users["caseworker_north"])
    assert _create(client, PERSON).status_code == 201
    time_machine.move_to("2026-06-02 09:00 +0900")
    assert sweep_idempotency_keys(timezone.now()) == 0
    time_machine.move_to("2026-06-02 11:00 +0900")
    out = StringIO()
    call_command("run_sweeps", stdout=out)
    assert "idempotency_keys=1" in out.getvalue()
    assert IdempotencyKey.objects.count() == 0


def test_every_api_create_is_documented_with_the_header() -> None:
    document = api.get_openapi_schema(path_prefix="/api/v1/")
    posts = [op for ops in document["paths"].values() for method, op in ops.items() if method == "post"]
    assert posts
    for operation in posts:
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert "Idempotency-Key" in names, operation["operationId"]
