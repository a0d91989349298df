"""Sensitive account changes ask who you are again; changing the password revokes the API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagiai.accounts.models import ApiToken, User
from tsunagiai.audit.models import AuditEvent
from tsunagiai.testing import PASSWORD, Town

START = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)
NEW_PASSWORD = "kita-shisho-spring-2026"


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _wrong(code: str) -> str:
    return f"{(int(code) + 500000) % 1000000:06d}"


def _token(user: User, name: str = "集計用", **fields: Any) -> tuple[ApiToken, str]:
    secret = ApiToken.new_secret()
    return ApiToken.objects.create(user=user, name=name, key_hash=ApiToken.hash_key(secret), **fields), secret


def _api_status(secret: str) -> int:
    return int(Client().get("/api/v1/intakes/", headers={"Authorization": f"Bearer {secret}"}).status_code)


@pytest.fixture
def signed_in(client: Client, town: Town) -> Client:
    client.post("/login/", {"username": "caseworker_north", "password": PASSWORD})
    return client


@pytest.fixture
def totp_member(client: Client, town: Town) -> tuple[Client, TOTPDevice]:
    """A member of an organisation that requires the second factor, signed in with it."""
    organisation = town.orgs["branch_north"]
    organisation.require_totp = True
    organisation.save(update_fields=["require_totp"])
    device = TOTPDevice.objects.create(user=town.users["caseworker_north"], name="app", confirmed=True)
    client.post("/login/", {"username": "caseworker_north", "password": PASSWORD})
    assert client.post("/accounts/otp/verify/", {"code": _code(device)}).status_code == 302
    return client, device


# --- API tokens --------------------------------------------------------------------


def test_creating_a_token_asks_for_the_password_again(signed_in: Client, town: Town) -> None:
    user = town.users["caseworker_north"]
    form = {"name": "集計用スクリプト", "valid_days": "30"}

    missing = signed_in.post("/accounts/tokens/", form)
    assert missing.status_code == 400
    assert "パスワード" in missing.content.decode()
    assert 'value="集計用スクリプト"' in missing.content.decode()  # nothing typed is lost
    wrong = signed_in.post("/accounts/tokens/", {**form, "password": "not-my-password"})
    assert wrong.status_code == 400
    assert "パスワード: パスワードが正しくありません。" in wrong.content.decode()
    assert not ApiToken.objects.filter(user=user).exists()

    created = signed_in.post("/accounts/tokens/", {**form, "password": PASSWORD})
    assert created.status_code == 200
    token = ApiToken.objects.get(user=user)
    secret = created.context["new_secret"]
    assert secret.startswith("tsg_") and secret in created.content.decode()
    assert token.key_hash == ApiToken.hash_key(secret) and secret not in token.key_hash
    assert PASSWORD not in created.content.decode()


def test_creating_a_token_asks_for_the_code_where_the_organisation_requires_it(
    totp_member: tuple[Client, TOTPDevice], town: Town
) -> None:
    client, device = totp_member
    form = {"name": "集計用スクリプト", "valid_days": "30", "password": PASSWORD}
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        without_code = client.post("/accounts/tokens/", form)
        assert without_code.status_code == 400 and "確認コード" in without_code.content.decode()
        wrong = client.post("/accounts/tokens/", {**form, "otp_code": _wrong(_code(device))})
        assert wrong.status_code == 400 and "確認コード" in wrong.content.decode()
        assert not ApiToken.objects.exists()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=4), tick=False):
        assert client.post("/accounts/tokens/", {**form, "otp_code": _code(device)}).status_code == 200
    assert ApiToken.objects.filter(user=town.users["caseworker_north"]).count() == 1


def test_guessing_the_password_at_reauthentication_locks_out_and_signs_out(signed_in: Client, town: Town) -> None:
    form = {"name": "t", "valid_days": "30"}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert signed_in.post("/accounts/tokens/", {**form, "password": "guess"}).status_code == 400
    locked = signed_in.post("/accounts/tokens/", {**form, "password": "guess"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in signed_in.session
    assert signed_in.post("/login/", {"username": "caseworker_north", "password": PASSWORD}).status_code == 429
    assert not ApiToken.objects.exists()


# --- the password change revokes every token ------------------------------------------


def test_a_password_change_revokes_every_api_token_and_is_audited(signed_in: Client, town: Town) -> None:
    user = town.users["caseworker_north"]
    _active, active_secret = _token(user, "active")
    _second, second_secret = _token(user, "second")
    _token(user, "old", revoked_at=timezone.now() - dt.timedelta(days=3))
    other, other_secret = _token(town.users["caseworker_south"], "someone else's")
    assert _api_status(active_secret) == 200

    done = signed_in.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert _api_status(active_secret) == 401 and _api_status(second_secret) == 401
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert _api_status(other_secret) == 200

    changed = AuditEvent.objects.get(action="accounts.password_changed")
    assert changed.actor == user and changed.object_id == str(user.pk)
    revoked = AuditEvent.objects.get(action="accounts.tokens_revoked")
    assert revoked.actor == user and revoked.object_id == str(user.pk)
    assert revoked.changes == {"count": 2, "reason": "password_changed"}
    assert revoked.sequence > changed.sequence


def test_the_password_change_asks_for_the_code_where_the_user_has_an_authenticator(
    totp_member: tuple[Client, TOTPDevice], town: Town
) -> None:
    client, device = totp_member
    form = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        refused = client.post("/accounts/password/", form)
        assert refused.status_code == 400 and "確認コード" in refused.content.decode()
        assert town.users["caseworker_north"].check_password(PASSWORD)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=4), tick=False):
        assert client.post("/accounts/password/", {**form, "otp_code": _code(device)}).status_code == 302
    user = User.objects.get(pk=town.users["caseworker_north"].pk)
    assert user.check_password(NEW_PASSWORD)


def test_wrong_old_passwords_on_the_password_page_count_towards_the_lockout(signed_in: Client, town: Town) -> None:
    form = {"old_password": "guess", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert signed_in.post("/accounts/password/", form).status_code == 400
    assert signed_in.post("/accounts/password/", form).status_code == 429
    assert "_auth_user_id" not in signed_in.session


def test_a_password_set_outside_the_web_pages_revokes_the_tokens_too(town: Town) -> None:
    """manage.py changepassword, a shell, an administrator's reset: every path that sets a password."""
    user = User.objects.get(username="caseworker_north")
    _token_row, secret = _token(user)
    user.set_password("set-by-the-administrator-2026")
    user.save()
    assert _api_status(secret) == 401
    revoked = AuditEvent.objects.get(action="accounts.tokens_revoked")
    assert revoked.actor is None and revoked.changes == {"count": 1, "reason": "password_changed"}
    assert AuditEvent.objects.filter(action="accounts.password_changed", object_id=str(user.pk)).exists()


def test_deactivating_a_user_revokes_their_tokens_for_good(town: Town) -> None:
    user = User.objects.get(username="caseworker_north")
    _token_row, secret = _token(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    user.is_active = True
    user.save(update_fields=["is_active"])
    assert _api_status(secret) == 401
    revoked = AuditEvent.objects.get(action="accounts.tokens_revoked")
    assert revoked.changes == {"count": 1, "reason": "deactivated"}


@override_settings(
    PASSWORD_HASHERS=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
)
def test_the_hash_upgrade_at_sign_in_is_not_a_password_change(client: Client, town: Town) -> None:
    user = User.objects.get(username="caseworker_north")
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="md5"))
    _token_row, secret = _token(user)
    assert client.post("/login/", {"username": "caseworker_north", "password": PASSWORD}).status_code == 302
    assert User.objects.get(pk=user.pk).password.startswith("pbkdf2_")
    assert _api_status(secret) == 200
    assert not AuditEvent.objects.filter(action__in=["accounts.tokens_revoked", "accounts.password_changed"]).exists()


# --- the second factor: setting it up and turning it off ---------------------------------


def test_turning_the_second_factor_off_asks_for_the_password_and_a_code(client: Client, town: Town) -> None:
    user = town.users["caseworker_south"]
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    with time_machine.travel(START, tick=False):
        client.post("/login/", {"username": "caseworker_south", "password": PASSWORD})
        client.post("/accounts/otp/verify/", {"code": _code(device)})
    with time_machine.travel(START + dt.timedelta(minutes=2), tick=False):
        assert client.get("/accounts/otp/remove/").status_code == 200
        bare = client.post("/accounts/otp/remove/")
        assert bare.status_code == 400
        no_code = client.post("/accounts/otp/remove/", {"password": PASSWORD})
        assert no_code.status_code == 400 and "確認コード" in no_code.content.decode()
        assert TOTPDevice.objects.filter(user=user).exists()
    with time_machine.travel(START + dt.timedelta(minutes=4), tick=False):
        done = client.post("/accounts/otp/remove/", {"password": PASSWORD, "otp_code": _code(device)})
        assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="accounts.second_factor_removed", object_id=str(user.pk)).exists()


def test_setting_up_an_authenticator_asks_for_the_password(signed_in: Client, town: Town) -> None:
    user = town.users["caseworker_north"]
    with time_machine.travel(START, tick=False):
        assert signed_in.get("/accounts/otp/setup/").status_code == 200
        device = TOTPDevice.objects.get(user=user)
        refused = signed_in.post("/accounts/otp/setup/", {"code": _code(device)})
        assert refused.status_code == 400 and "パスワード" in refused.content.decode()
        device.refresh_from_db()
        assert not device.confirmed
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        done = signed_in.post("/accounts/otp/setup/", {"code": _code(device), "password": PASSWORD})
        assert done.status_code == 302
        device.refresh_from_db()
        assert device.confirmed


def test_replacing_an_authenticator_asks_for_a_code_from_the_current_one(client: Client, town: Town) -> None:
    user = town.users["caseworker_south"]
    current = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    with time_machine.travel(START, tick=False):
        client.post("/login/", {"username": "caseworker_south", "password": PASSWORD})
        client.post("/accounts/otp/verify/", {"code": _code(current)})
    with time_machine.travel(START + dt.timedelta(minutes=2), tick=False):
        client.get("/accounts/otp/setup/")
        new = TOTPDevice.objects.get(user=user, confirmed=False)
        refused = client.post("/accounts/otp/setup/", {"code": _code(new), "password": PASSWORD})
        assert refused.status_code == 400 and "確認コード" in refused.content.decode()
    with time_machine.travel(START + dt.timedelta(minutes=4), tick=False):
        done = client.post(
            "/accounts/otp/setup/", {"code": _code(new), "password": PASSWORD, "otp_code": _code(current)}
        )
        assert done.status_code == 302
    assert list(TOTPDevice.objects.filter(user=user)) == [new]


def test_a_user_without_a_password_or_authenticator_must_have_signed_in_just_now(client: Client, town: Town) -> None:
    """A single sign-on user may have no password here: a fresh sign-in stands in for it."""
    user = User.objects.get(username="caseworker_north")
    user.set_unusable_password()
    user.save()
    with time_machine.travel(START, tick=False):
        client.force_login(user)
        page = client.get("/accounts/tokens/")
        assert 'name="password"' not in page.content.decode()
        assert client.post("/accounts/tokens/", {"name": "t", "valid_days": "30"}).status_code == 200
    with time_machine.travel(START + dt.timedelta(minutes=10), tick=False):
        stale = client.post("/accounts/tokens/", {"name": "t2", "valid_days": "30"})
        assert stale.status_code == 400 and "ログインし直し" in stale.content.decode()
    assert ApiToken.objects.filter(user=user).count() == 1
