"""Time the person search (issue 14 item 3) against a prepared database: median of N runs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tsunagiai_search .venv/bin/python manage.py migrate
    DATABASE_URL=… .venv/bin/python manage.py load_reference
    DATABASE_URL=… .venv/bin/python manage.py demo_data --scale toyota --seed 8050
    DATABASE_URL=… .venv/bin/python benchmarks/person_search.py --runs 10 [--explain]

(or SQLITE_PATH=… for SQLite). Requests go through the Django test client
in-process, as a branch office (``branch``) and as the coordination section
(``coordinator``): the search page, the API and the intake form's htmx search,
with a kana query, a kanji query and a 2-character query. ``--explain``
prints the plan of the search query (the page's rows) for each login (PostgreSQL:
``EXPLAIN ANALYZE``; SQLite: ``EXPLAIN QUERY PLAN``, where the FTS5 trigram index
``people_person_fts`` answers queries of 3 characters or more).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import unicodedata
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tsunagiai.accounts.models import User  # noqa: E402
from tsunagiai.people.models import Household, HouseholdMembership, Person  # noqa: E402

QUERIES = (
    ("kana すずき", "すずき"),
    ("kanji 鈴木陽翔", "鈴木陽翔"),
    ("2 characters 鈴木", "鈴木"),
    ("no query (whole list)", ""),
)
PAGES = (
    ("page", "/people/?q={q}"),
    ("API", "/api/v1/persons?q={q}"),
    ("intake htmx", "/intakes/people/search/?q={q}"),
)
LOGINS = ("branch", "coordinator")


def pad(text: str, width: int) -> str:
    """Left-align in a terminal, where CJK characters take two columns."""
    return text + " " * max(0, width - sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text))


def measure(client: Client, url: str, runs: int, htmx: bool) -> tuple[float, float, int, int, int]:
    headers = {"HX-Request": "true"} if htmx else {}
    client.get(url, headers=headers)  # warm caches and the template loader
    times = []
    queries = unions = status = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
        queries, status = len(captured), response.status_code
        # The visibility of a non-coordination login is a UNION of id sets: how many queries evaluate it.
        unions = sum(1 for query in captured.captured_queries if " UNION " in query["sql"])
    return statistics.median(times), max(times), queries, unions, status


def explain(username: str, text: str) -> None:
    from tsunagiai.people import selectors

    user = User.objects.get(username=username)
    queryset = selectors.person_list(user, query=text)[:25]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS OFF) {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        else:  # SQLite: the plan, without timings (whether the FTS5 index is used)
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
    print(f"\n--- {username}, {text} ---\n{plan}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--explain", action="store_true", help="print the plans (EXPLAIN ANALYZE; SQLite: QUERY PLAN)")
    options = parser.parse_args()
    print(
        f"Data: {Person.objects.count()} people, {Household.objects.count()} households, "
        f"{HouseholdMembership.objects.count()} memberships ({connection.vendor}); "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} CPUs"
    )
    print(f"{'login':<12} {'search':<40} {'median ms':>10} {'max ms':>8} {'queries':>8} {'UNION q':>8} {'status':>7}")
    for username in LOGINS:
        client = Client()
        client.force_login(User.objects.get(username=username))
        for page_label, template in PAGES:
            for query_label, text in QUERIES:
                if not text and page_label == "intake htmx":
                    continue  # the intake form searches from 2 characters
                url = template.format(q=quote(text))
                median, worst, queries, unions, status = measure(
                    client, url, options.runs, htmx=page_label == "intake htmx"
                )
                label = pad(f"{page_label}, {query_label}", 40)
                print(f"{username:<12} {label} {median:>10.1f} {worst:>8.1f} {queries:>8} {unions:>8} {status:>7}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if options.explain:
        for username in LOGINS:
            for _label, text in QUERIES[:3]:
                explain(username, text)


if __name__ == "__main__":
    main()
