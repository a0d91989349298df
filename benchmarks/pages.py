"""Time the intake list and person search pages against a prepared database (median of N runs).

Prepare a database first, then point this script at it:

    SQLITE_PATH=/tmp/toyota.sqlite3 .venv/bin/python manage.py migrate
    SQLITE_PATH=/tmp/toyota.sqlite3 .venv/bin/python manage.py load_reference
    SQLITE_PATH=/tmp/toyota.sqlite3 .venv/bin/python manage.py demo_data --scale toyota
    SQLITE_PATH=/tmp/toyota.sqlite3 .venv/bin/python benchmarks/pages.py --runs 20

(or DATABASE_URL=postgres://… for PostgreSQL). Requests go through the Django
test client in-process (no network, no server): the numbers are the time the
app takes to build each page, with the number of SQL queries it made.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from benchmarks._sql import SqlTimer  # noqa: E402
from tsunagiai.accounts.models import User  # noqa: E402
from tsunagiai.intake.models import Intake  # noqa: E402
from tsunagiai.people.models import Household, Person  # noqa: E402

PAGES = (
    ("coordinator", "intake list (all 40k visible), page 1", "/intakes/"),
    ("coordinator", "intake list, page 100", "/intakes/?page=100"),
    ("branch", "intake list (one branch office)", "/intakes/"),
    ("coordinator", "person search 鈴木 (kanji)", "/people/?q=鈴木"),
    ("coordinator", "person search すずき (hiragana)", "/people/?q=すずき"),
    ("coordinator", "person search 高橋 (finds 髙橋 too)", "/people/?q=高橋"),
    ("branch", "person search 鈴木 (one branch office)", "/people/?q=鈴木"),
    ("coordinator", "intake form person search (htmx) すぎうら", "/intakes/people/search/?q=すぎうら"),
)


def pad(text: str, width: int) -> str:
    """Left-align in a terminal, where CJK characters take two columns."""
    return text + " " * max(0, width - sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text))


def measure(client: Client, url: str, runs: int, htmx: bool) -> tuple[float, float, float, int, int]:
    """Median and worst page time, median SQL time (ms), queries and status of ``runs`` requests."""
    headers = {"HX-Request": "true"} if htmx else {}
    client.get(url, headers=headers)  # warm caches and the template loader
    times = []
    sql_times = []
    queries = 0
    status = 0
    for _ in range(runs):
        timer = SqlTimer()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
        sql_times.append(timer.seconds * 1000)
        queries, status = len(captured), response.status_code
    return statistics.median(times), max(times), statistics.median(sql_times), queries, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    options = parser.parse_args()
    print(
        f"Data: {Person.objects.count()} people, {Household.objects.count()} households, "
        f"{Intake.objects.count()} intakes ({connection.vendor})"
    )
    story = Household.objects.filter(name="杉浦さん世帯").values_list("pk", flat=True).first()
    pages = list(PAGES)
    if story:
        pages.append(("coordinator", "household page (杉浦さん世帯, patterns)", f"/people/households/{story}/"))
    pages.extend(sampled_pages())
    clients: dict[str, Client] = {}
    print(f"{'page':<52} {'median ms':>10} {'max ms':>8} {'SQL ms':>8} {'2×SQL+20':>9} {'queries':>8} {'status':>7}")
    for username, label, url in pages:
        client = clients.get(username)
        if client is None:
            client = clients[username] = Client()
            client.force_login(User.objects.get(username=username))
        median, worst, sql, queries, status = measure(client, url, options.runs, htmx="htmx" in label)
        verdict = "ok" if median <= 2 * sql + 20 else "over"
        print(f"{pad(label, 52)} {median:>10.1f} {worst:>8.1f} {sql:>8.1f} {verdict:>9} {queries:>8} {status:>7}")


def sampled_pages() -> list[tuple[str, str, str]]:
    """The other key pages of the load benchmark: a busy case, a large household, the inbox, the dashboard."""
    from django.db.models import Count  # noqa: PLC0415 - after django.setup()

    from tsunagiai.accounts import access  # noqa: PLC0415

    def most(queryset: Any, related: str) -> Any:
        """The primary key of the row of ``queryset`` with the most ``related`` rows (None when empty)."""
        return queryset.annotate(n=Count(related)).order_by("-n", "pk").values_list("pk", flat=True).first()

    pages: list[tuple[str, str, str]] = []
    branch = User.objects.filter(username="branch").first()
    if branch is not None:
        if case := most(access.visible_cases(branch), "support_records"):
            pages.append(("branch", "case page (the branch's busiest case)", f"/cases/{case}/"))
        if household := most(access.visible_households(branch), "memberships"):
            pages.append(("branch", "household page (the branch's largest)", f"/people/households/{household}/"))
        pages.append(("branch", "inbox (one branch office)", "/inbox/"))
    pages.append(("coordinator", "inbox (coordination section)", "/inbox/"))
    pages.append(("coordinator", "dashboard (whole city)", "/analytics/"))
    pages.append(("coordinator", "API intakes list", "/api/v1/intakes/"))
    return pages


if __name__ == "__main__":
    main()
