"""Time the participation-support matching ("find resources" for one case) on a prepared database.

Prepare a toyota-scale database first, then point this script at it:

    SQLITE_PATH=/tmp/toyota.sqlite3 .venv/bin/python manage.py migrate
    SQLITE_PATH=/tmp/toyota.sqlite3 .venv/bin/python manage.py load_reference
    SQLITE_PATH=/tmp/toyota.sqlite3 .venv/bin/python manage.py demo_data --scale toyota
    SQLITE_PATH=/tmp/toyota.sqlite3 .venv/bin/python benchmarks/matching.py --cases 50 --runs 5

For each of ``--cases`` cases (every n-th case with a focus member, a fixed sample), it times
the matching itself (``community.selectors.find_resources``: the queries and the ranking) and
the whole page (``/community/cases/<id>/resources/`` through the Django test client,
in-process, as the coordination section), ``--runs`` times each, and prints the median and
the 95th percentile over all runs, with the number of SQL queries and of ranked resources.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tsunagiai.accounts import access  # noqa: E402
from tsunagiai.accounts.models import User  # noqa: E402
from tsunagiai.cases.models import Case  # noqa: E402
from tsunagiai.community import selectors  # noqa: E402
from tsunagiai.resources.models import Service  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--user", default="coordinator", help="a demo login that sees every case")
    options = parser.parse_args()

    user = User.objects.get(username=options.user)
    with_focus = Case.focus_members.through.objects.values("case_id")
    ids = list(Case.objects.filter(pk__in=with_focus).order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise SystemExit("No case with a focus member: run demo_data first.")
    step = max(1, len(ids) // options.cases)
    sample = ids[::step][: options.cases]
    print(
        f"{Service.objects.filter(status='active').count()} active resources, {len(ids)} cases with a focus member; "
        f"{len(sample)} cases × {options.runs} runs"
    )

    selector_ms: list[float] = []
    page_ms: list[float] = []
    queries: set[int] = set()
    page_queries: set[int] = set()
    ranked: list[int] = []
    client = Client()
    client.force_login(user)
    client.get(f"/community/cases/{sample[0]}/resources/")  # warm the template loader and caches
    for case_id in sample:
        for _run in range(options.runs):
            access.forget_memberships(user)
            case = access.access_case(user, case_id)
            reset_queries()
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                result = selectors.find_resources(user, case, selectors.ResourceSearch())
                selector_ms.append((time.perf_counter() - started) * 1000)
            queries.add(len(ctx.captured_queries))
            ranked.append(result.total)
            reset_queries()
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(f"/community/cases/{case_id}/resources/")
                page_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
            page_queries.add(len(ctx.captured_queries))

    print(f"{'measure':<40} {'median':>9} {'p95':>9} {'max':>9}  queries")
    for label, values, counts in (
        ("matching (selector: queries + ranking)", selector_ms, queries),
        ("whole page (test client)", page_ms, page_queries),
    ):
        print(
            f"{label:<40} {statistics.median(values):7.1f}ms {percentile(values, 0.95):7.1f}ms "
            f"{max(values):7.1f}ms  {min(counts)}–{max(counts)}"
        )
    print(f"resources ranked per case: median {statistics.median(ranked):.0f}, max {max(ranked)}")


if __name__ == "__main__":
    main()
