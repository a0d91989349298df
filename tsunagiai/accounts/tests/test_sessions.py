"""Sessions: an absolute lifetime from sign-in, a new session id at each step up, and sessions ended on purpose."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagiai.accounts.models import User
from tsunagiai.accounts.security import AUTHENTICATED_AT_KEY
from tsunagiai.testing import PASSWORD, Town

START = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)
LIFETIME = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
# Often enough that the idle timeout never strikes.
ACTIVE_STEP = dt.timedelta(minutes=settings.IDLE_TIMEOUT_MINUTES - 5)


def _login(client: Client, username: str = "caseworker_north", password: str = PASSWORD) -> Any:
    return client.post("/login/", {"username": username, "password": password})


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _stay_active_until_just_before_the_end(client: Client, traveller: Any) -> dt.timedelta:
    """Requests every 25 minutes for almost 8 hours; returns how long after sign-in the last one came."""
    elapsed = dt.timedelta()
    while elapsed + ACTIVE_STEP < LIFETIME:
        traveller.shift(ACTIVE_STEP)
        elapsed += ACTIVE_STEP
        assert client.get("/intakes/").status_code == 200
    return elapsed


def _stored_expiry(client: Client) -> dt.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


# --- absolute lifetime ----------------------------------------------------------


def test_the_session_ends_eight_hours_after_sign_in_however_active_the_user_is(client: Client, town: Town) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        assert _login(client).status_code == 302
        elapsed = _stay_active_until_just_before_the_end(client, traveller)
        # Less than the idle timeout after the last request, but past the lifetime.
        traveller.shift(LIFETIME - elapsed + dt.timedelta(minutes=1))
        response = client.get("/intakes/")
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert location.path == "/login/"
        assert parse_qs(location.query) == {"expired": ["1"], "next": ["/intakes/"]}
        assert "_auth_user_id" not in client.session
        notice = client.get(response["Location"]).content.decode()
        assert "8時間" in notice and "下書き" in notice


def test_activity_does_not_move_the_stored_end_of_the_session(client: Client, town: Town) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        _login(client)
        end_at_sign_in = _stored_expiry(client)
        traveller.shift(ACTIVE_STEP)
        assert client.get("/intakes/").status_code == 200
        assert client.session[AUTHENTICATED_AT_KEY] == START.timestamp()
        assert _stored_expiry(client) == end_at_sign_in
        assert end_at_sign_in <= START + LIFETIME + dt.timedelta(minutes=settings.IDLE_TIMEOUT_MINUTES)


def test_an_api_call_on_a_session_past_its_lifetime_answers_401(client: Client, town: Town) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(town.users["caseworker_north"])
        elapsed = _stay_active_until_just_before_the_end(client, traveller)
        traveller.shift(LIFETIME - elapsed + dt.timedelta(minutes=1))
        response = client.get("/api/v1/intakes/")
        assert response.status_code == 401
        assert "8" in response.json()["detail"]


def test_an_htmx_request_past_the_lifetime_navigates_to_the_login_page(client: Client, town: Town) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(town.users["caseworker_north"])
        elapsed = _stay_active_until_just_before_the_end(client, traveller)
        traveller.shift(LIFETIME - elapsed + dt.timedelta(minutes=1))
        response = client.get("/intakes/", headers={"HX-Request": "true"})
        assert response.status_code == 204
        assert response["HX-Redirect"].startswith("/login/?expired=1")


def test_a_session_without_a_sign_in_time_is_not_trusted(client: Client, town: Town) -> None:
    """A session signed in before the lifetime was recorded (or forged without it) is ended."""
    client.force_login(town.users["caseworker_north"])
    session = client.session
    del session[AUTHENTICATED_AT_KEY]
    session.save()
    response = client.get("/intakes/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?expired=1")


OIDC_SETTINGS = {
    "OIDC_ENABLED": True,
    "OIDC_RP_CLIENT_ID": "tsunagiai",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example.jp/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example.jp/token",
    "OIDC_OP_USER_ENDPOINT": "https://idp.example.jp/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://idp.example.jp/jwks",
    "AUTHENTICATION_BACKENDS": [*settings.AUTHENTICATION_BACKENDS, "tsunagiai.accounts.oidc.ExistingUserOIDCBackend"],
}


@pytest.fixture
def oidc_urls() -> Iterator[None]:
    import importlib

    from django.test import override_settings
    from django.urls import clear_url_caches

    import config.urls

    try:
        with override_settings(**OIDC_SETTINGS):
            importlib.reload(config.urls)
            clear_url_caches()
            yield
    finally:
        importlib.reload(config.urls)
        clear_url_caches()


def test_a_single_sign_on_session_has_the_same_absolute_lifetime(client: Client, town: Town, oidc_urls: None) -> None:
    user = town.users["caseworker_north"]
    user.backend = "tsunagiai.accounts.oidc.ExistingUserOIDCBackend"  # type: ignore[attr-defined]
    with time_machine.travel(START, tick=False) as traveller:
        session = client.session
        session["oidc_states"] = {"st": {"nonce": "n", "code_verifier": None}}
        session.save()
        # The identity provider's answer is the backend's business (tested with the backend); here it names the user.
        with mock.patch("mozilla_django_oidc.views.auth.authenticate", return_value=user):
            callback = client.get("/oidc/callback/", {"code": "c", "state": "st"})
        assert callback.status_code == 302 and callback["Location"] == "/"
        assert client.session["_auth_user_id"] == str(user.pk)
        assert client.session[AUTHENTICATED_AT_KEY] == START.timestamp()
        elapsed = _stay_active_until_just_before_the_end(client, traveller)
        traveller.shift(LIFETIME - elapsed + dt.timedelta(minutes=1))
        assert client.get("/intakes/")["Location"].startswith("/login/?expired=1")


# --- the session id changes whenever the session gains rights --------------------


def test_signing_in_gives_a_new_session_id(client: Client, town: Town) -> None:
    session = client.session
    session["planted"] = "by someone else"
    session.save()
    planted_key = session.session_key
    assert _login(client).status_code == 302
    assert client.session.session_key != planted_key
    assert not Session.objects.filter(session_key=planted_key).exists()


def test_passing_the_second_factor_gives_a_new_session_id(client: Client, town: Town) -> None:
    user = town.users["caseworker_south"]
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    with time_machine.travel(START, tick=False):
        _login(client, "caseworker_south")
        half_signed_in = client.session.session_key
        response = client.post("/accounts/otp/verify/", {"code": _code(device), "next": "/intakes/"})
        assert response.status_code == 302 and response["Location"] == "/intakes/"
        assert client.session.session_key != half_signed_in
        assert not Session.objects.filter(session_key=half_signed_in).exists()
        assert client.get("/intakes/").status_code == 200
        # The sign-in time is carried over: the second factor does not extend the lifetime.
        assert client.session[AUTHENTICATED_AT_KEY] == START.timestamp()


# --- sessions ended on purpose ----------------------------------------------------


def test_a_password_change_keeps_this_session_and_ends_the_others(town: Town) -> None:
    here, elsewhere = Client(), Client()
    _login(here)
    _login(elsewhere)
    key_before = here.session.session_key
    new = "kita-shisho-spring-2026"
    done = here.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert here.session.session_key != key_before  # rotated, still signed in
    assert here.get("/intakes/").status_code == 200
    left = elsewhere.get("/intakes/")
    assert left.status_code == 302 and left["Location"].startswith("/login/")
    assert "_auth_user_id" not in elsewhere.session


def test_logging_out_ends_the_session_everywhere_its_cookie_went(town: Town) -> None:
    owner, copier = Client(), Client()
    _login(owner)
    copier.cookies[settings.SESSION_COOKIE_NAME] = owner.cookies[settings.SESSION_COOKIE_NAME].value
    assert copier.get("/intakes/").status_code == 200
    key = owner.session.session_key
    assert owner.post("/logout/").status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert copier.get("/intakes/")["Location"].startswith("/login/")


def test_a_deactivated_user_is_signed_out_at_the_next_request(client: Client, town: Town) -> None:
    user: User = town.users["caseworker_north"]
    _login(client)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get("/intakes/")["Location"].startswith("/login/")
