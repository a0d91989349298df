"""Time the case page and count what it renders: form widgets, options and SQL queries.

The case page used to render every form up front (issue 14, item 3); it now shows
the case and loads each form on demand. Run against a prepared database:

    SQLITE_PATH=/tmp/toyota.sqlite3 .venv/bin/python benchmarks/case_page.py --runs 10

It takes the busiest case (most support records) the ``branch`` login may see and the
same case as ``coordinator``, and reports the median and worst time of N requests, the
SQL queries, and the widgets (``<select>``, ``<textarea>``, ``<input>`` that is not
hidden) and ``<option>`` elements in the HTML; then the same for each form endpoint
(as htmx asks for it) where the code has them.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from tsunagiai.accounts import access  # noqa: E402
from tsunagiai.accounts.models import User  # noqa: E402

FORMS = ("change_status", "change_lead", "request_lead", "add_team_member", "set_flags")
WIDGET = re.compile(r"<select\b|<textarea\b|<input\b(?![^>]*type=\"?(?:hidden|submit)\b)", re.IGNORECASE)
OPTION = re.compile(r"<option\b", re.IGNORECASE)


def counts(html: str) -> tuple[int, int]:
    """Widgets a person can fill in (not hidden inputs), and options of the selects."""
    return len(WIDGET.findall(html)), len(OPTION.findall(html))


def measure(client: Client, url: str, runs: int, *, htmx: bool = False) -> dict[str, float]:
    headers = {"HX-Request": "true"} if htmx else {}
    client.get(url, headers=headers)  # warm the template loader and caches
    times = []
    queries = status = 0
    html = ""
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
        queries, status, html = len(captured), response.status_code, response.content.decode()
    widgets, options = counts(html)
    return {
        "median": statistics.median(times),
        "max": max(times),
        "queries": queries,
        "status": status,
        "widgets": widgets,
        "options": options,
        "bytes": len(html.encode()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--case", type=int, help="The case to measure (default: the branch's busiest).")
    options = parser.parse_args()
    branch = User.objects.get(username="branch")
    case_id = options.case or (
        access.visible_cases(branch)
        .annotate(n=Count("support_records"))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    print(f"case {case_id} ({connection.vendor}), {options.runs} runs")
    print(
        f"{'page (login)':<42} {'median ms':>10} {'max ms':>8} {'queries':>8} {'widgets':>8} {'options':>8} {'KiB':>6}"
    )
    for username in ("branch", "coordinator"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        rows = [(f"case page ({username})", reverse("cases:detail", args=[case_id]), False)]
        for name in FORMS:
            try:
                url = reverse(f"cases:{name}", args=[case_id])
            except NoReverseMatch:
                continue
            if client.get(url, headers={"HX-Request": "true"}).status_code == 200:
                rows.append((f"  form {name}, htmx ({username})", url, True))
        for label, url, htmx in rows:
            m = measure(client, url, options.runs, htmx=htmx)
            print(
                f"{label:<42} {m['median']:>10.1f} {m['max']:>8.1f} {m['queries']:>8} {m['widgets']:>8} "
                f"{m['options']:>8} {m['bytes'] / 1024:>6.1f}"
            )


if __name__ == "__main__":
    main()
