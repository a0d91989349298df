"""Time the analytics dashboard (/analytics/) against a prepared toyota database (median of N runs).

    SQLITE_PATH=/tmp/toyota.sqlite3 .venv/bin/python benchmarks/dashboard.py --runs 10
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tsunagiai_bench .venv/bin/python benchmarks/dashboard.py

(prepare the database as benchmarks/pages.py says). Two numbers per filter: the page
computed from scratch (the cache cleared before every run: every KPI query runs) and the
page served from the cache (the data version query only). Requests go through the Django
test client in-process, signed in as the demo analyst.
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

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tsunagiai.accounts.models import User  # noqa: E402
from tsunagiai.intake.models import Intake  # noqa: E402
from tsunagiai.reference.models import Area  # noqa: E402


def measure(client: Client, url: str, runs: int, *, cold: bool) -> tuple[float, float, int, int]:
    cache.clear()
    client.get(url)  # warm the template loader and the connection
    times: list[float] = []
    queries = status = 0
    for _ in range(runs):
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        queries, status = len(captured), response.status_code
    return statistics.median(times), max(times), queries, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--user", default="analyst")
    options = parser.parse_args()
    print(f"Data: {Intake.objects.count()} intakes ({connection.vendor})")
    client = Client()
    client.force_login(User.objects.get(username=options.user))
    branch = Area.objects.filter(level="branch_area").order_by("code").first()
    elementary = Area.objects.filter(level="elementary_district").order_by("code").first()
    year = Intake.objects.order_by("-received_at").values_list("received_at", flat=True).first()
    pages = [("all intakes, no filter", "/analytics/")]
    if year:
        pages.append(("one fiscal year", f"/analytics/?date_from={year.year - 1}-04-01&date_to={year.year}-03-31"))
    if branch:
        pages.append((f"branch area {branch.name}", f"/analytics/?area={branch.pk}"))
    if elementary:
        pages.append((f"elementary district {elementary.name}", f"/analytics/?area={elementary.pk}"))
    print(f"{'filter':<40} {'':>7} {'median ms':>10} {'max ms':>8} {'queries':>8} {'status':>7}")
    for label, url in pages:
        for cold in (True, False):
            median, worst, queries, status = measure(client, url, options.runs, cold=cold)
            kind = "compute" if cold else "cached"
            print(f"{label:<40} {kind:>7} {median:>10.1f} {worst:>8.1f} {queries:>8} {status:>7}")


if __name__ == "__main__":
    main()
