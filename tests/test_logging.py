"""The server log on a first run: a refusal is one line, a server error keeps its traceback, no PDF chatter."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from tsunagiai.accounts import access


@login_not_required
@access.access_rule(access.PUBLIC)
def refuse(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("not for you")


@login_not_required
@access.access_rule(access.PUBLIC)
def break_down(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("something broke")


urlpatterns = [path("refuse/", refuse), path("break/", break_down)]


def _request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "django.request"]


@pytest.mark.urls(__name__)
def test_a_403_logs_one_warning_line_without_a_traceback(client, db, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/refuse/")

    assert response.status_code == 403
    [record] = _request_records(caplog)
    assert record.levelno == logging.WARNING
    assert record.exc_info is None
    assert "Traceback" not in caplog.text
    assert "/refuse/" in caplog.text


def test_a_role_refusal_by_the_access_gate_logs_no_traceback(client, town, caplog) -> None:
    client.force_login(town.users["volunteer"])

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/analytics/")

    assert response.status_code == 403
    assert _request_records(caplog)
    assert all(record.exc_info is None for record in _request_records(caplog))
    assert "Traceback" not in caplog.text


@pytest.mark.urls(__name__)
def test_a_500_still_logs_its_traceback(db, caplog) -> None:
    client = Client(raise_request_exception=False)

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/break/")

    assert response.status_code == 500
    [record] = _request_records(caplog)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert "Traceback" in caplog.text
    assert "something broke" in caplog.text


def test_pdf_libraries_log_only_warnings() -> None:
    for name in ("weasyprint", "fontTools"):
        logger = logging.getLogger(name)
        assert not logger.isEnabledFor(logging.INFO), name
        assert logger.isEnabledFor(logging.WARNING), name


@pytest.mark.urls(__name__)
def test_a_suspicious_request_logs_one_line_on_the_console(client, db, caplog) -> None:
    """django.security.* logs a 400 (here a Host header not allowed) with its exception attached, from a
    child logger; the console handler, where the server log goes, drops the traceback (it runs before
    pytest's capture, so the captured record shows what the console wrote)."""
    with caplog.at_level(logging.ERROR, logger="django.security"):
        response = client.get("/refuse/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    records = [record for record in caplog.records if record.name == "django.security.DisallowedHost"]
    assert len(records) == 1 and getattr(records[0], "status_code", None) == 400
    assert records[0].exc_info is None and records[0].exc_text is None
