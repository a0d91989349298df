"""The production server (issue 14): `make serve` boots gunicorn, health and readiness, the worker, passwords."""

from __future__ import annotations

import importlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.db import OperationalError
from django.tasks import TaskResultStatus
from django.test import override_settings

from tsunagiai.core import views as core_views

ROOT = Path(settings.BASE_DIR)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get(url: str, timeout: float = 5) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - a local test server
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_make_serve_boots_gunicorn_and_it_answers_readyz(tmp_path: Path) -> None:
    port = _free_port()
    # The exact command `make serve` runs after its migrate and collectstatic steps.
    planned = subprocess.run(  # noqa: S603
        ["make", "-n", "serve", "HOST=127.0.0.1", f"PORT={port}"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    command = [line for line in planned if "gunicorn" in line and "--config" in line]
    assert len(command) == 1, planned
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "TSUNAGIAI_TESTING"}}
    env |= {
        "TSUNAGIAI_VAR_DIR": str(tmp_path / "var"),
        "SQLITE_PATH": str(tmp_path / "serve.sqlite3"),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "2",
        "TSUNAGIAI_SERVE_COLLECTED_STATIC": "1",
    }
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S602 - the Makefile's own command line
            command[0], shell=True, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120  # a deadline to give up, not a measured time: the machine may be busy
        status = 0
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status, _, body = _get(f"{base}/readyz?q={urllib.parse.quote('鈴木')}")
                break
            except OSError:
                time.sleep(0.2)
        assert server.poll() is None, log.read_text(encoding="utf-8", errors="replace")
        assert status == 200
        assert json.loads(body) == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
        status, _, body = _get(f"{base}/healthz")
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        # WhiteNoise serves the collected files under their hashed names, cached for good, gzipped on request.
        manifest = json.loads((tmp_path / "var" / "static" / "staticfiles.json").read_text(encoding="utf-8"))
        hashed = manifest["paths"]["css/app.css"]
        assert hashed != "css/app.css"
        request = urllib.request.Request(f"{base}/static/{hashed}", headers={"Accept-Encoding": "gzip"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            assert response.status == 200
            assert "immutable" in response.headers["Cache-Control"]
            assert response.headers["Content-Encoding"] == "gzip"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    output = log.read_text(encoding="utf-8", errors="replace")
    assert "triage model loaded before forking" in output
    # The access log has the path of each request but never its query string (what staff typed).
    assert re.search(r'"GET /readyz" 200 \d+ \d+ms', output), output
    assert "%E9%88%B4" not in output
    assert "鈴木" not in output


def test_readyz_answers_ok_when_the_database_and_the_cache_answer(client, db) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert "no-cache" in response["Cache-Control"]


class _UnreachableDatabase:
    vendor = "postgresql"

    def cursor(self):
        raise OperationalError('connection to server at "db.city.example" failed: password authentication failed')


def test_readyz_answers_503_when_the_database_is_down(client, db, monkeypatch) -> None:
    monkeypatch.setattr(core_views, "connection", _UnreachableDatabase())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unavailable", "cache": "ok"}}
    assert b"db.city.example" not in response.content


def test_readyz_answers_503_when_the_cache_is_down(client, db, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    from django.core.cache import cache

    monkeypatch.setattr(cache, "set", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "cache": "unavailable"}}


def test_healthz_answers_without_touching_the_database(client) -> None:
    # No `db` fixture: pytest-django fails any query, so this proves the liveness check is the process alone.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_pbkdf2_password_is_rehashed_with_argon2_at_login(client, town) -> None:
    project = importlib.import_module("config.settings")
    # The list production uses (tests run with MD5: TSUNAGIAI_TESTING replaces PASSWORD_HASHERS).
    assert project.PRODUCTION_PASSWORD_HASHERS[0] == "config.hashers.Argon2PasswordHasher"
    user = town.users["caseworker_north"]
    password = "a long enough test password 8050"  # noqa: S105
    # An existing account, hashed by the PBKDF2 hasher before this change (few iterations: a fast test).
    user.password = PBKDF2PasswordHasher().encode(password, "somesalt1234", iterations=1000)
    user.save(update_fields=["password"])
    with override_settings(PASSWORD_HASHERS=project.PRODUCTION_PASSWORD_HASHERS):
        response = client.post("/login/", {"username": user.username, "password": password})
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.password.startswith("argon2$argon2id$v=19$m=47104,t=1,p=1$")
        assert user.check_password(password)
        # And it still logs in with the new hash.
        client.logout()
        assert client.post("/login/", {"username": user.username, "password": password}).status_code == 302


def test_the_worker_runs_a_task_queued_in_the_database(transactional_db) -> None:
    # transactional: the worker commits and closes its connection after each task, as in production.
    from tsunagiai.intake.tasks import notify_emergency_intake

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        result = notify_emergency_intake.enqueue(intake_id=0)  # no such intake: the task logs nothing, returns
        assert result.status == TaskResultStatus.READY
        call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)
        result.refresh()
        assert str(result.status) == str(TaskResultStatus.SUCCESSFUL)
        assert result.return_value is None


def test_behind_the_proxy_the_client_address_is_the_one_the_proxy_saw() -> None:
    from config.proxied_wsgi import client_address

    proxy = frozenset({"127.0.0.1"})
    assert client_address({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.7"}, proxy) == "203.0.113.7"
    # From anyone but the proxy, or not an address: the header is ignored.
    assert client_address({"REMOTE_ADDR": "198.51.100.2", "HTTP_X_REAL_IP": "203.0.113.7"}, proxy) is None
    assert client_address({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "1.2.3.4, 5.6.7.8"}, proxy) is None
    assert client_address({"REMOTE_ADDR": "127.0.0.1"}, proxy) is None
