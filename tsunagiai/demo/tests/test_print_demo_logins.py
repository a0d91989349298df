from __future__ import annotations

import io

from django.core.management import call_command
from django.utils import translation

from tsunagiai.accounts.models import Role
from tsunagiai.demo.logins import DEMO_PASSWORD
from tsunagiai.demo.management.commands.print_demo_logins import server_url


def test_print_demo_logins_lists_one_login_per_role_and_the_url(town, monkeypatch):
    monkeypatch.delenv("PORT", raising=False)
    monkeypatch.delenv("HOST", raising=False)
    call_command("demo_data", "--people", "30", "--intakes", "20", stdout=io.StringIO())
    out = io.StringIO()

    call_command("print_demo_logins", "--language", "en", stdout=out)

    text = out.getvalue()
    assert "http://127.0.0.1:8000" in text
    assert DEMO_PASSWORD in text
    lines = {line.split()[0]: line for line in text.splitlines() if line.strip()}
    for username in ("branch", "branch-intake", "coordinator", "supervisor", "csw", "elderly-center", "volunteer"):
        assert username in lines
    for username in ("fire", "analyst", "admin", "auditor"):
        assert username in lines
    with translation.override("en"):
        labels = {str(role.label) for role in Role}
    assert {label for label in labels if any(label in line for line in lines.values())} == labels


def test_print_demo_logins_says_what_to_do_when_there_are_none(town):
    err = io.StringIO()

    call_command("print_demo_logins", "--language", "en", stdout=io.StringIO(), stderr=err)

    assert "demo_data" in err.getvalue()


def test_print_demo_logins_names_the_port_and_host_the_server_listens_on(town, monkeypatch):
    call_command("demo_data", "--people", "30", "--intakes", "20", stdout=io.StringIO())
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.setenv("HOST", "192.0.2.7")
    out = io.StringIO()

    call_command("print_demo_logins", "--language", "en", stdout=out)

    assert "http://192.0.2.7:8123" in out.getvalue()
    assert ":8000" not in out.getvalue()


def test_print_demo_logins_url_option_overrides_the_environment(town, monkeypatch):
    call_command("demo_data", "--people", "30", "--intakes", "20", stdout=io.StringIO())
    monkeypatch.setenv("PORT", "8123")
    out = io.StringIO()

    call_command("print_demo_logins", "--language", "en", "--url", "https://demo.example.jp/", stdout=out)

    assert "https://demo.example.jp/" in out.getvalue()
    assert "8123" not in out.getvalue()


def test_server_url_opens_a_wildcard_bind_on_this_machine():
    assert server_url({}) == "http://127.0.0.1:8000"
    assert server_url({"PORT": "9000"}) == "http://127.0.0.1:9000"
    assert server_url({"HOST": "0.0.0.0", "PORT": "8080"}) == "http://127.0.0.1:8080"  # noqa: S104
    assert server_url({"HOST": "::1", "PORT": "8080"}) == "http://[::1]:8080"
