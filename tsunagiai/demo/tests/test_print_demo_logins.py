from __future__ import annotations

import io

from django.core.management import call_command
from django.utils import translation

from tsunagiai.accounts.models import Role
from tsunagiai.demo.logins import DEMO_PASSWORD


def test_print_demo_logins_lists_one_login_per_role_and_the_url(town):
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
