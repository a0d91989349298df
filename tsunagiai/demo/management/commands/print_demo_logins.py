"""manage.py print_demo_logins: the demo logins, one per role and organisation kind, and where to sign in."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from tsunagiai.accounts.models import Role, User
from tsunagiai.demo.generate import demo_summary
from tsunagiai.demo.logins import DEMO_PASSWORD, demo_logins
from tsunagiai.demo.reference import load_reference_index


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def server_url(environ: Mapping[str, str] | None = None) -> str:
    """The URL `make run` serves on: HOST and PORT as the Makefile passes them (127.0.0.1:8000 by default).

    A server bound to every interface (0.0.0.0, ::) is opened on this machine as 127.0.0.1.
    """
    environ = os.environ if environ is None else environ
    host = environ.get("HOST", "").strip() or "127.0.0.1"
    port = environ.get("PORT", "").strip() or "8000"
    if host in ("0.0.0.0", "::", "[::]"):  # noqa: S104 (reading a bind address, not binding)
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a URL
    return f"http://{host}:{port}"


class Command(BaseCommand):
    help = "Print the demo logins (username, role, organisation, what to try) and the URL to open."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url", default=None, help="The URL to open (default: from the HOST and PORT environment variables)."
        )
        parser.add_argument("--language", default=None, help="ja or en (default: the site language).")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"] or translation.get_language()):
            self.print_table(options["url"] or server_url())

    def print_table(self, url: str) -> None:
        if demo_summary() is None:
            self.stderr.write(_("No demo logins yet: run `python manage.py demo_data` first."))
            return
        logins = demo_logins(load_reference_index())
        present = set(
            User.objects.filter(username__in=[login.username for login in logins]).values_list("username", flat=True)
        )
        rows = [
            (login.username, str(Role(login.role).label), login.organisation.name, str(login.hint))
            for login in logins
            if login.username in present
        ]
        headers = (_("username"), _("role"), _("organisation"), _("what to try"))
        widths = [max(display_width(row[i]) for row in (*rows, headers)) for i in range(3)]
        self.stdout.write("")
        self.stdout.write(_("Tsunagiai demo: open %(url)s") % {"url": url})
        self.stdout.write(
            _("Every demo login uses the password %(password)s (demo only: never on a server with real people).")
            % {"password": DEMO_PASSWORD}
        )
        self.stdout.write("")
        line = "  ".join(pad(headers[i], widths[i]) for i in range(3)) + "  " + headers[3]
        self.stdout.write(line)
        self.stdout.write("-" * min(display_width(line) + 20, 160))
        for row in rows:
            self.stdout.write("  ".join(pad(row[i], widths[i]) for i in range(3)) + "  " + row[3])
        self.stdout.write("")
