"""Failed logins and lockouts leave evidence: who, from where, when — and the security page shows it."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from axes.models import AccessFailureLog
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tsunagiai.accounts.models import LoginLockout, User
from tsunagiai.audit.models import AuditEvent
from tsunagiai.testing import PASSWORD, Town

START = dt.datetime(2026, 4, 1, 0, 0, tzinfo=dt.UTC)  # 09:00 in Toyota
LIMIT = settings.AXES_FAILURE_LIMIT
PAGE = "/accounts/security/"
GUESS = "wrong-password"


def _login(client: Client, username: str, password: str = GUESS, address: str = "192.0.2.10") -> Any:
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def _lock(client: Client, username: str, address: str = "192.0.2.10") -> None:
    for _ in range(LIMIT):
        _login(client, username, address=address)


# --- the record -------------------------------------------------------------------


def test_every_failed_login_is_recorded_with_user_name_address_and_time(client: Client, town: Town) -> None:
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            assert _login(client, "caseworker_north").status_code == 200
        _login(client, "nobody-by-this-name", address="2001:db8::7")
    rows = list(AccessFailureLog.objects.order_by("id"))
    assert [(r.username, r.ip_address) for r in rows] == [
        ("caseworker_north", "192.0.2.10"),
        ("caseworker_north", "192.0.2.10"),
        ("caseworker_north", "192.0.2.10"),
        ("nobody-by-this-name", "2001:db8::7"),
    ]
    assert all(r.attempt_time == START for r in rows)
    assert not any(r.locked_out for r in rows)


def test_a_lockout_is_recorded_once_with_who_where_and_when_and_audited(client: Client, town: Town) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        _lock(client, "caseworker_north")
        for _ in range(3):  # attempts while locked are failures, not new lockouts
            traveller.shift(dt.timedelta(minutes=1))
            assert _login(client, "caseworker_north", PASSWORD).status_code == 429
    lockout = LoginLockout.objects.get()
    assert (lockout.username, lockout.ip_address, lockout.locked_at) == ("caseworker_north", "192.0.2.10", START)
    assert lockout.failure_count == LIMIT
    assert lockout.attempts_while_locked == 3
    assert lockout.last_attempt_at == START + dt.timedelta(minutes=3)
    assert AccessFailureLog.objects.filter(locked_out=True).count() == 4

    event = AuditEvent.objects.get(action="accounts.locked_out")
    assert event.actor is None
    assert (event.object_type, event.object_id) == ("accounts.loginlockout", str(lockout.pk))
    assert event.changes == {
        "username": "caseworker_north",
        "ip_address": "192.0.2.10",
        "locked_at": START.isoformat(),
        "failures": LIMIT,
    }
    assert event.ip_address == "192.0.2.10"


def test_a_new_lockout_after_the_cool_off_is_a_second_record(client: Client, town: Town) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        _lock(client, "caseworker_north")
        traveller.shift(settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1))
        _lock(client, "caseworker_north")
        _lock(client, "caseworker_north", address="198.51.100.4")
    assert LoginLockout.objects.count() == 3
    assert AuditEvent.objects.filter(action="accounts.locked_out").count() == 3


# --- no user-name enumeration ---------------------------------------------------------

_VOLATILE = re.compile(r'(nonce|value)="[^"]*"|"(inlineScriptNonce|X-CSRFToken)": "[^"]*"')


def _page(response: Any) -> tuple[int, str]:
    return response.status_code, _VOLATILE.sub("", response.content.decode())


def test_the_login_page_says_the_same_whether_or_not_the_user_exists(town: Town) -> None:
    inactive = User.objects.get(username="caseworker_south")
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    answers = {
        "wrong password": _page(_login(Client(), "caseworker_north")),
        "no such user": _page(_login(Client(), "caseworker_nort")),
        "inactive, right password": _page(_login(Client(), "caseworker_south", PASSWORD)),
    }
    assert len(set(answers.values())) == 1, answers.keys()
    status, text = answers["wrong password"]
    assert status == 200 and "ユーザー名またはパスワードが正しくありません" in text


def test_an_unknown_user_name_is_locked_out_exactly_like_a_real_one(town: Town) -> None:
    real, unknown = Client(), Client()
    _lock(real, "caseworker_north")
    _lock(unknown, "nobody-by-this-name")
    assert _page(_login(real, "caseworker_north")) == _page(_login(unknown, "nobody-by-this-name"))


# --- the security page ------------------------------------------------------------------


@pytest.fixture
def evidence(town: Town) -> None:
    attacker = Client()
    with time_machine.travel(START, tick=False):
        _lock(attacker, "caseworker_north", address="192.0.2.10")
    with time_machine.travel(START + dt.timedelta(days=2), tick=False):
        _login(attacker, "supervisor_north", address="198.51.100.4")
        _lock(attacker, "nobody-by-this-name", address="198.51.100.4")


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_security_staff_see_who_was_locked_out_from_where_and_when(
    client: Client, town: Town, evidence: None, role: str
) -> None:
    client.force_login(town.users[role])
    with time_machine.travel(START + dt.timedelta(days=2, minutes=5), tick=False):
        page = client.get(PAGE)
    assert page.status_code == 200
    text = page.content.decode()
    for shown in ("caseworker_north", "192.0.2.10", "supervisor_north", "198.51.100.4", "nobody-by-this-name"):
        assert shown in text
    assert "2026年4月1日" in text or "令和8年4月1日" in text
    assert len(page.context["lockouts"]) == 2
    assert len(page.context["failures"]) == 2 * LIMIT + 1
    viewed = AuditEvent.objects.get(action="accounts.sign_in_records_viewed")
    assert viewed.actor == town.users[role]


@pytest.mark.parametrize("role", ["caseworker_north", "coordinator", "analyst", "volunteer", "supervisor_north"])
def test_other_users_do_not_find_the_security_page(client: Client, town: Town, evidence: None, role: str) -> None:
    client.force_login(town.users[role])
    assert client.get(PAGE).status_code == 404
    lockout = LoginLockout.objects.first()
    assert lockout is not None
    assert client.post(f"{PAGE}unlock/", {"lockout": lockout.pk}).status_code == 404


@pytest.mark.parametrize(
    ("query", "lockouts", "failures"),
    [
        ({"username": "caseworker_north"}, 1, LIMIT),
        ({"username": "CASEWORKER"}, 1, LIMIT),  # part of a name, any case
        ({"address": "198.51.100.4"}, 1, LIMIT + 1),
        ({"date_from": "2026-04-02"}, 1, LIMIT + 1),
        ({"date_to": "2026-04-01"}, 1, LIMIT),
        ({"date_from": "2026-04-01", "date_to": "2026-04-01", "address": "198.51.100.4"}, 0, 0),
        ({"locked_out_only": "on"}, 2, 2),
    ],
)
def test_the_security_page_filters_by_user_address_and_period(
    client: Client, town: Town, evidence: None, query: dict[str, str], lockouts: int, failures: int
) -> None:
    client.force_login(town.users["auditor"])
    page = client.get(PAGE, query)
    assert page.status_code == 200
    assert (len(page.context["lockouts"]), len(page.context["failures"])) == (lockouts, failures)
    for value in query.values():
        if value != "on":
            assert f'value="{value}"' in page.content.decode()  # the filter keeps what was typed
    viewed = AuditEvent.objects.get(action="accounts.sign_in_records_viewed")
    assert set(viewed.changes) == set(query)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"address": "192.0.2.999"}, "アドレス:"),
        ({"date_from": "2026-02-30"}, "期間（開始）:"),
        ({"date_from": "2026-04-05", "date_to": "2026-04-01"}, "期間（終了）:"),
        ({"username": "x" * 300}, "ユーザー名:"),
    ],
)
def test_a_wrong_filter_is_refused_in_japanese_naming_the_field(
    client: Client, town: Town, query: dict[str, str], message: str
) -> None:
    client.force_login(town.users["auditor"])
    page = client.get(PAGE, query)
    assert page.status_code == 400
    text = page.content.decode()
    assert message in text
    assert 'aria-invalid="true"' in text


def _queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(PAGE).status_code == 200
    return len(captured.captured_queries)


def test_the_security_page_costs_the_same_queries_for_1_and_30_lockouts(client: Client, town: Town) -> None:
    client.force_login(town.users["admin"])
    attacker = Client()
    with time_machine.travel(START, tick=False):
        _lock(attacker, "user-0")
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        one = _queries(client)
        for number in range(1, 30):
            _lock(attacker, f"user-{number}")
        LoginLockout.objects.filter(username="user-3").update(unlocked_by=town.users["admin"])
        thirty = _queries(client)
    assert LoginLockout.objects.count() == 30
    assert one == thirty


def test_an_administrator_unlocks_and_it_is_audited(client: Client, town: Town) -> None:
    attacker = Client()
    with time_machine.travel(START, tick=False):
        _lock(attacker, "caseworker_north")
        _lock(attacker, "caseworker_north", address="198.51.100.4")
        assert _login(attacker, "caseworker_north", PASSWORD).status_code == 429
        lockout = LoginLockout.objects.get(ip_address="192.0.2.10")

        client.force_login(town.users["admin"])
        page = client.get(PAGE).content.decode()
        assert f'name="lockout" value="{lockout.pk}"' in page
        done = client.post(f"{PAGE}unlock/", {"lockout": lockout.pk})
        assert done.status_code == 302 and done["Location"] == PAGE

        assert _login(attacker, "caseworker_north", PASSWORD).status_code == 302
        still_locked = _login(Client(), "caseworker_north", PASSWORD, address="198.51.100.4")
        assert still_locked.status_code == 429  # only the lockout that was chosen
    lockout.refresh_from_db()
    assert lockout.unlocked_by == town.users["admin"] and lockout.unlocked_at == START
    event = AuditEvent.objects.get(action="accounts.login_unlocked")
    assert event.actor == town.users["admin"]
    assert event.changes["username"] == "caseworker_north" and event.changes["ip_address"] == "192.0.2.10"


def test_an_auditor_sees_but_does_not_unlock(client: Client, town: Town, evidence: None) -> None:
    client.force_login(town.users["auditor"])
    assert 'name="lockout"' not in client.get(PAGE).content.decode()
    lockout = LoginLockout.objects.first()
    assert lockout is not None
    assert client.post(f"{PAGE}unlock/", {"lockout": lockout.pk}).status_code == 403
    lockout.refresh_from_db()
    assert lockout.unlocked_at is None
    assert not AuditEvent.objects.filter(action="accounts.login_unlocked").exists()


@pytest.mark.parametrize("value", ["", "abc", "99999999", "-1"])
def test_unlocking_something_that_is_not_a_lockout_is_a_4xx(client: Client, town: Town, value: str) -> None:
    client.force_login(town.users["admin"])
    assert client.post(f"{PAGE}unlock/", {"lockout": value}).status_code in {400, 404}
