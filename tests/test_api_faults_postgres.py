"""Fault injection on PostgreSQL: the app's database backend is terminated in the middle of an API write.

A second connection runs ``pg_terminate_backend`` on the app's backend just
before one of the write statements of a create — each of them in turn. The
caller must get a JSON 503 with ``Retry-After`` (not an HTML 500), and the
database must hold nothing of the half-done create (no record, no audit
event). A retry with the same ``Idempotency-Key`` then creates exactly once;
two requests racing with one key create once too.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test import Client

from tsunagiai.audit.models import AuditEvent
from tsunagiai.people.models import Household, Person
from tsunagiai.testing import Town

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_terminate_backend exists on PostgreSQL only"),
    pytest.mark.django_db(transaction=True),
]

WRITES = ("INSERT", "UPDATE", "DELETE")


def _person(town: Town) -> dict[str, Any]:
    return {"family_name": "北山", "given_name": "公子", "family_name_kana": "キタヤマ", "birth_date": "1950-01-01"}


def _household(town: Town) -> dict[str, Any]:
    return {"name": "北山世帯", "address_line": "北町1-1"}


CREATES: dict[str, tuple[str, Callable[[Town], dict[str, Any]], Callable[[], int]]] = {
    "person": ("/api/v1/persons", _person, lambda: Person.objects.filter(family_name="北山").count()),
    "household": ("/api/v1/households", _household, lambda: Household.objects.filter(name="北山世帯").count()),
}


def _terminate(pid: int) -> None:
    params = connection.get_connection_params()
    with psycopg.connect(
        dbname=connection.settings_dict["NAME"],
        user=params.get("user"),
        host=params.get("host"),
        port=params.get("port"),
        password=params.get("password"),
        autocommit=True,
    ) as killer:
        killer.execute("SELECT pg_terminate_backend(%s)", [pid])


@contextmanager
def _statements(kill_at: int | None = None) -> Iterator[list[str]]:
    """Count the write statements on this thread's connection; terminate the backend before number ``kill_at``."""
    seen: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith(WRITES):
            seen.append(sql.split("(")[0][:60])
            if kill_at is not None and len(seen) == kill_at:
                _terminate(context["connection"].connection.info.backend_pid)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


def _post(client: Client, url: str, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


@pytest.mark.parametrize("kind", sorted(CREATES))
def test_a_backend_terminated_at_any_write_leaves_nothing_and_answers_json_503(
    client: Client, town: Town, kind: str, time_machine: Any
) -> None:
    # Time stands still, so every run of the create makes the same statements (the session's
    # activity stamp, rewritten every few seconds, is written by the warm-up request only).
    time_machine.move_to("2026-06-01 10:00 +0900", tick=False)
    url, body_for, count = CREATES[kind]
    client.raise_request_exception = False
    client.force_login(town.users["caseworker_north"])
    assert client.get("/api/v1/persons").status_code == 200
    body = body_for(town)

    def clear() -> None:
        Person.objects.filter(family_name="北山").delete()
        Household.objects.filter(name="北山世帯").delete()

    last_key = ""
    for mode in ("plain", "with-key"):
        # A dry run counts the write statements of the create (the key adds its own).
        with _statements() as writes:
            assert _post(client, url, body, key="dry-run" if mode == "with-key" else None).status_code == 201
        assert len(writes) >= 2, writes  # the record and its audit event at least
        clear()
        events_before = AuditEvent.objects.count()
        for kill_at in range(1, len(writes) + 1):
            key = f"kill-{kill_at}" if mode == "with-key" else None
            last_key = key or last_key
            with _statements(kill_at=kill_at):
                response = _post(client, url, body, key=key)
            connection.close()  # the test's own connection was the one terminated
            assert response.status_code == 503, (mode, kill_at, response.content[:300])
            assert response["Content-Type"].startswith("application/json")
            assert response.json()["detail"]
            assert response["Retry-After"].isdigit()
            assert count() == 0, f"a partial write survived the fault at {writes[kill_at - 1]} ({mode})"
            assert AuditEvent.objects.count() == events_before

    # The client retries with the key it used: the create happens once.
    retried = _post(client, url, body, key=last_key)
    again = _post(client, url, body, key=last_key)
    assert (retried.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert count() == 1


def test_two_requests_racing_with_one_key_create_once(town: Town) -> None:
    user = town.users["caseworker_north"]
    barrier = threading.Barrier(2)
    statuses: list[tuple[int, str]] = []

    def send() -> None:
        try:
            client = Client()
            client.force_login(user)
            barrier.wait()
            response = _post(client, "/api/v1/persons", _person(town), key="race-1")
            statuses.append((response.status_code, response.get("Idempotent-Replayed", "")))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [(201, ""), (201, "true")]
    assert Person.objects.filter(family_name="北山").count() == 1
