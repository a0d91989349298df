"""Authentication and hardening: lockout, second factor, idle timeout, single sign-on, passwords, headers."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from django.urls import Resolver404, clear_url_caches, resolve
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagiai.accounts.middleware import LAST_ACTIVITY_KEY
from tsunagiai.accounts.models import ApiToken, User
from tsunagiai.testing import PASSWORD, Town

START = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


def _login(client: Any, username: str, password: str) -> Any:
    return client.post("/login/", {"username": username, "password": password})


def _code(device: TOTPDevice, *, offset_s: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset_s // 30):06d}"


# --- Lockout ---------------------------------------------------------------


def test_five_wrong_passwords_lock_the_login_until_the_cool_off_ends(client, town: Town) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert _login(client, "caseworker_north", "wrong-password").status_code == 200
        # The fifth failure locks; from then on even the right password is refused.
        assert _login(client, "caseworker_north", "wrong-password").status_code == 429
        refused = _login(client, "caseworker_north", PASSWORD)
        assert refused.status_code == 429
        page = refused.content.decode()
        assert "ロック" in page
        assert "_auth_user_id" not in client.session

        traveller.shift(dt.timedelta(minutes=31))
        assert _login(client, "caseworker_north", PASSWORD).status_code == 302
        assert client.session["_auth_user_id"] == str(town.users["caseworker_north"].pk)


def test_the_lockout_is_per_user_name_and_address(client, town: Town) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "caseworker_north", "wrong-password")
    assert _login(client, "caseworker_north", PASSWORD).status_code == 429
    assert _login(client, "caseworker_south", PASSWORD).status_code == 302


def test_a_successful_login_resets_the_failure_count(client, town: Town) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "caseworker_north", "wrong-password")
    assert _login(client, "caseworker_north", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "caseworker_north", "wrong-password")
    assert _login(client, "caseworker_north", PASSWORD).status_code == 302


def test_failed_api_tokens_do_not_lock_anyone_out(client, town: Town) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT * 2):
        response = client.get("/api/v1/intakes/", headers={"Authorization": "Bearer tsg_not-a-real-token"})
        assert response.status_code == 401
    assert _login(client, "caseworker_north", PASSWORD).status_code == 302


def test_a_revoked_token_stops_working_at_once(client, town: Town) -> None:
    user = town.users["caseworker_north"]
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(user=user, name="t", key_hash=ApiToken.hash_key(secret))
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/intakes/", headers=headers).status_code == 200
    client.force_login(user)
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    client.logout()
    assert client.get("/api/v1/intakes/", headers=headers).status_code == 401


# --- Second factor (TOTP) --------------------------------------------------


@pytest.fixture
def totp_org_member(town: Town) -> User:
    organisation = town.orgs["branch_north"]
    organisation.require_totp = True
    organisation.save(update_fields=["require_totp"])
    return town.users["caseworker_north"]


def test_a_member_of_a_totp_organisation_cannot_open_pages_before_verifying(client, totp_org_member: User) -> None:
    client.force_login(totp_org_member)
    response = client.get("/intakes/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/verify/")
    # Without an authenticator yet, the verify step sends them to set one up.
    setup = client.get(response["Location"])
    assert setup.status_code == 302 and setup["Location"].startswith("/accounts/otp/setup/")
    assert client.get("/api/v1/intakes/").status_code == 401


def test_setting_up_the_authenticator_with_a_valid_code_lets_the_member_in(client, totp_org_member: User) -> None:
    client.force_login(totp_org_member)
    with time_machine.travel(START, tick=False):
        page = client.get("/accounts/otp/setup/?next=/intakes/")
        assert page.status_code == 200
        assert page.context["otpauth_uri"].startswith("otpauth://totp/")
        assert page.context["qr_data_uri"].startswith("data:image/svg+xml")
        device = TOTPDevice.objects.get(user=totp_org_member)
        assert not device.confirmed

        wrong = client.post(
            "/accounts/otp/setup/", {"code": f"{(int(_code(device)) + 500000) % 1000000:06d}", "password": PASSWORD}
        )
        assert wrong.status_code == 400
        assert "正しくありません" in wrong.content.decode()
        assert client.get("/intakes/").status_code == 302

    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        done = client.post("/accounts/otp/setup/", {"code": _code(device), "password": PASSWORD, "next": "/intakes/"})
        assert done.status_code == 302 and done["Location"] == "/intakes/"
        device.refresh_from_db()
        assert device.confirmed
        assert client.get("/intakes/").status_code == 200


def test_a_wrong_code_is_refused_and_a_valid_code_lets_the_user_in(client, totp_org_member: User) -> None:
    device = TOTPDevice.objects.create(user=totp_org_member, name="app", confirmed=True)
    with time_machine.travel(START, tick=False):
        assert _login(client, "caseworker_north", PASSWORD).status_code == 302
        assert client.get("/intakes/").status_code == 302

        wrong = client.post("/accounts/otp/verify/", {"code": "000000" if _code(device) != "000000" else "111111"})
        assert wrong.status_code == 400
        assert "正しくありません" in wrong.content.decode()
        not_a_code = client.post("/accounts/otp/verify/", {"code": "abc"})
        assert not_a_code.status_code == 400
        assert "確認コード" in not_a_code.content.decode()
        assert client.get("/intakes/").status_code == 302

    # django-otp slows down guessing after a failure; a minute later the right code works.
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        ok = client.post("/accounts/otp/verify/", {"code": _code(device), "next": "/intakes/"})
        assert ok.status_code == 302 and ok["Location"] == "/intakes/"
        assert client.get("/intakes/").status_code == 200


def test_an_opted_in_user_is_asked_for_the_code_too(client, town: Town) -> None:
    user = town.users["caseworker_south"]
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client.force_login(user)
    assert client.get("/intakes/")["Location"].startswith("/accounts/otp/verify/")


def test_the_setup_page_cannot_replace_an_authenticator_before_verifying(client, town: Town) -> None:
    user = town.users["caseworker_south"]
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client.force_login(user)
    response = client.get("/accounts/otp/setup/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/verify/")
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_users_without_a_second_factor_are_not_asked(client, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    assert client.get("/intakes/").status_code == 200


def test_the_second_factor_cannot_be_turned_off_where_the_organisation_requires_it(
    client, totp_org_member: User
) -> None:
    device = TOTPDevice.objects.create(user=totp_org_member, name="app", confirmed=True)
    client.force_login(totp_org_member)
    client.post("/accounts/otp/verify/", {"code": _code(device)})
    settings_page = client.get("/accounts/preferences/")
    assert settings_page.status_code == 200
    assert "/accounts/otp/remove/" not in settings_page.content.decode()
    client.post("/accounts/otp/remove/")
    assert TOTPDevice.objects.filter(user=totp_org_member).exists()


def test_an_opted_in_user_may_turn_the_second_factor_off(client, town: Town) -> None:
    user = town.users["caseworker_south"]
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    with time_machine.travel(START, tick=False):
        client.force_login(user)
        client.post("/accounts/otp/verify/", {"code": _code(device)})
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        done = client.post("/accounts/otp/remove/", {"password": PASSWORD, "otp_code": _code(device)})
        assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()


# --- Idle session timeout ----------------------------------------------------


def test_an_idle_session_is_logged_out_with_a_japanese_notice(client, town: Town) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(town.users["caseworker_north"])
        assert client.get("/intakes/").status_code == 200
        traveller.shift(dt.timedelta(minutes=settings.IDLE_TIMEOUT_MINUTES + 1))
        response = client.get("/intakes/")
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert location.path == "/login/"
        assert parse_qs(location.query) == {"timeout": ["1"], "next": ["/intakes/"]}
        assert "_auth_user_id" not in client.session
        login_page = client.get(response["Location"]).content.decode()
        assert "操作がなかったため" in login_page
        assert "下書き" in login_page


def test_activity_keeps_the_session_alive(client, town: Town) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(town.users["caseworker_north"])
        for _ in range(3):
            traveller.shift(dt.timedelta(minutes=settings.IDLE_TIMEOUT_MINUTES - 5))
            assert client.get("/intakes/").status_code == 200


def test_inbox_polling_does_not_keep_the_session_alive(client, town: Town) -> None:
    poll_headers = {"HX-Request": "true", "HX-Trigger": "inbox-items"}
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(town.users["caseworker_north"])
        stamped = client.session[LAST_ACTIVITY_KEY]
        traveller.shift(dt.timedelta(minutes=settings.IDLE_TIMEOUT_MINUTES - 5))
        assert client.get("/inbox/", headers=poll_headers).status_code == 200
        assert client.session[LAST_ACTIVITY_KEY] == stamped
        traveller.shift(dt.timedelta(minutes=10))
        expired = client.get("/inbox/", headers=poll_headers)
        assert expired.status_code == 204
        assert expired["HX-Redirect"].startswith("/login/?timeout=1")


def test_an_idle_api_session_answers_401(client, town: Town) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(town.users["caseworker_north"])
        traveller.shift(dt.timedelta(minutes=settings.IDLE_TIMEOUT_MINUTES + 1))
        assert client.get("/api/v1/intakes/").status_code == 401


# --- Single sign-on (OIDC) -------------------------------------------------

OIDC_SETTINGS = {
    "OIDC_ENABLED": True,
    "OIDC_RP_CLIENT_ID": "tsunagiai",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example.jp/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example.jp/token",
    "OIDC_OP_USER_ENDPOINT": "https://idp.example.jp/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://idp.example.jp/jwks",
}


@pytest.fixture
def oidc_urls() -> Iterator[None]:
    import config.urls

    try:
        with override_settings(**OIDC_SETTINGS):
            importlib.reload(config.urls)
            clear_url_caches()
            yield
    finally:
        # Back to the URL conf without single sign-on, whatever the test did.
        importlib.reload(config.urls)
        clear_url_caches()


def test_without_configuration_single_sign_on_is_absent(client, db) -> None:
    assert not settings.OIDC_ENABLED
    assert not any("oidc" in backend.lower() for backend in settings.AUTHENTICATION_BACKENDS)
    assert "自治体のアカウントでログイン" not in client.get("/login/").content.decode()
    with pytest.raises(Resolver404):
        resolve("/oidc/authenticate/")


def test_with_configuration_the_single_sign_on_routes_and_button_exist(client, db, oidc_urls: None) -> None:
    assert resolve("/oidc/authenticate/").url_name == "oidc_authentication_init"
    assert resolve("/oidc/callback/").url_name == "oidc_authentication_callback"
    assert "自治体のアカウントでログイン" in client.get("/login/").content.decode()
    response = client.get("/oidc/authenticate/")
    assert response.status_code == 302
    assert response["Location"].startswith("https://idp.example.jp/authorize?")


@override_settings(**OIDC_SETTINGS)
def test_single_sign_on_matches_existing_users_and_creates_none(town: Town) -> None:
    from tsunagiai.accounts.oidc import ExistingUserOIDCBackend

    user = town.users["caseworker_north"]
    user.email = "kita@city.example.jp"
    user.save(update_fields=["email"])
    backend = ExistingUserOIDCBackend()
    assert list(backend.filter_users_by_claims({"email": "KITA@city.example.jp"})) == [user]
    assert not backend.filter_users_by_claims({"email": "stranger@example.jp"}).exists()
    assert not backend.verify_claims({"sub": "x"})
    assert backend.create_user({"email": "stranger@example.jp"}) is None  # type: ignore[func-returns-value]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not backend.filter_users_by_claims({"email": "kita@city.example.jp"}).exists()


# --- Passwords and headers ---------------------------------------------------


def test_a_short_password_is_refused_in_japanese_and_a_good_one_is_accepted(client, town: Town) -> None:
    user = town.users["caseworker_north"]
    client.force_login(user)
    short = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": "short1", "new_password2": "short1"},
    )
    assert short.status_code == 400
    assert "短すぎます" in short.content.decode()
    wrong_old = client.post(
        "/accounts/password/",
        {
            "old_password": "nope",
            "new_password1": "a-much-longer-passphrase",
            "new_password2": "a-much-longer-passphrase",
        },
    )
    assert wrong_old.status_code == 400
    new = "kita-shisho-spring-2026"
    done = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert done.status_code == 302 and done["Location"] == "/accounts/password/done/"
    user.refresh_from_db()
    assert user.check_password(new)


def test_the_settings_page_links_to_the_password_change(client, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    assert "/accounts/password/" in client.get("/accounts/preferences/").content.decode()


def test_pages_carry_permissions_policy_and_opener_policy(client, db) -> None:
    response = client.get("/login/")
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "csrfmiddlewaretoken" in response.content.decode()
