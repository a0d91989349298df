"""Settings refuse what would be unsafe in production; static paths that leave the folders are 404."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from config.settings import DEVELOPMENT_SECRET_KEY, secret_key_for
from config.wsgi import application

GOOD_KEY = "k8#Qz!v2Lr$9mWp@x4Tn&6Yb^1Hs*7Dc%3Fg(5Jq)0Ue+Ra-Zo=Ni_Vl"


@pytest.mark.parametrize(
    "key",
    ["", "   ", DEVELOPMENT_SECRET_KEY, "short-key", "a" * 60, "django-insecure-" + GOOD_KEY],
    ids=["empty", "blank", "published", "short", "one-character", "insecure-marked"],
)
def test_production_refuses_a_missing_short_or_published_secret_key(key: str) -> None:
    with pytest.raises(ImproperlyConfigured):
        secret_key_for({"DJANGO_SECRET_KEY": key}, production=True)


def test_production_accepts_a_long_random_key_and_development_falls_back() -> None:
    assert secret_key_for({"DJANGO_SECRET_KEY": GOOD_KEY}, production=True) == GOOD_KEY
    assert secret_key_for({}, production=False) == DEVELOPMENT_SECRET_KEY


def test_the_server_does_not_start_in_production_with_the_published_key() -> None:
    env = {
        **os.environ,
        "TSUNAGIAI_PRODUCTION": "1",
        "DJANGO_SECRET_KEY": DEVELOPMENT_SECRET_KEY,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(  # noqa: S603 - this interpreter, our own manage.py
        [sys.executable, "manage.py", "check"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "published development key" in result.stderr


def _serve_static(path: str) -> str:
    status: list[str] = []

    def start_response(code: str, headers: Any, exc_info: Any = None) -> Any:
        status.append(code)
        return None

    environ = RequestFactory().get("/").environ
    environ["PATH_INFO"] = path
    StaticFilesHandler(application)(environ, start_response)  # type: ignore[arg-type]
    return status[0]


@pytest.mark.parametrize(
    "path", ["/static/../..", "/static/../../config/settings.py", "/static/css/../../../etc/passwd", "/static/.."]
)
def test_static_paths_that_leave_the_static_folders_are_not_found(path: str, db: Any) -> None:
    # The demo serves static files itself (runserver --insecure): /static/..%2f.. reaches it decoded.
    assert _serve_static(path).startswith("404")


def test_static_files_are_still_served(db: Any) -> None:
    assert _serve_static("/static/css/app.css").startswith("200")
