"""Project-wide promises: migrations, deploy checks, login everywhere, security headers."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

# The only pages a signed-out visitor may open.
PUBLIC_URL_NAMES = {"login", "set_language", "healthz", "readyz", "favicon"}


def test_no_model_change_lacks_a_migration(db) -> None:
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:
        pytest.fail(f"missing migration:\n{out.getvalue()} ({exit_})")


def test_production_settings_pass_the_deploy_check() -> None:
    env = {
        **os.environ,
        "TSUNAGIAI_PRODUCTION": "1",
        "DJANGO_SECRET_KEY": "a-long-random-production-secret-key-for-the-deploy-check-0123456789",
        "DJANGO_ALLOWED_HOSTS": "tsunagiai.example.jp",
        "TSUNAGIAI_TESTING": "0",
        "ANALYTICS_CELL_KEY_SECRET": "a-long-random-statistics-secret-kept-apart-from-the-secret-key",
    }
    # The browser tests' session fixture sets this in the same worker; production never has it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "") -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            found.append((prefix + str(pattern.pattern), pattern))
    return found


def _example_path(route: str) -> str:
    import re

    path = re.sub(r"<(?:int:)?[^>]+>", "1", route)
    path = path.lstrip("^").rstrip("$").replace("\\Z", "").replace("\\.", ".")
    return "/" + path


def test_every_page_requires_login(client, db) -> None:
    for route, pattern in _walk(get_resolver().url_patterns):
        if pattern.name in PUBLIC_URL_NAMES or route.startswith("api/") or route.startswith("static/"):
            continue
        if "(?P<" in route or "<path:" in route:
            continue
        path = _example_path(route)
        response = client.get(path)
        assert response.status_code in {302, 404, 405}, f"{path} answered {response.status_code} when signed out"
        if response.status_code == 302:
            assert response["Location"].startswith(settings.LOGIN_URL) or "/login/" in response["Location"], path


def test_api_requires_authentication(client, db) -> None:
    response = client.get("/api/v1/intakes/")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_pages_carry_a_strict_content_security_policy(client, db) -> None:
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_health_check_answers_without_login(client, db) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_a_missing_page_answers_404_in_japanese(client, town) -> None:
    client.force_login(town.users["caseworker_north"])
    response = client.get("/intakes/999999/")
    assert response.status_code == 404
    assert "存在しないか" in response.content.decode()


def test_a_stale_form_answers_403_with_advice(town) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(town.users["caseworker_north"])
    response = client.post("/accounts/preferences/", {"date_style": "western"})
    assert response.status_code == 403
    assert "有効期限" in response.content.decode() or "もう一度" in response.content.decode()
