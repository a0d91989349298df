"""Time the analytics dashboard (/analytics/) against a prepared toyota database (median of N runs).

    SQLITE_PATH=/tmp/toyota.sqlite3 .venv/bin/python benchmarks/dashboard.py --runs 10
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tsunagiai_bench .venv/bin/python benchmarks/dashboard.py

(prepare the database as benchmarks/pages.py says; ``demo_data --people 180000`` for three times the
data). Two numbers per filter: the page computed from scratch (the cache cleared before every run: every
query runs, the rollup included) and the page served from the cache. Requests go through the Django test
client in-process, signed in as the demo analyst (perturbed figures, grid periods: from the rollup) and
as the demo coordinator (exact figures; free dates are computed from the records). Wall time and the
process's CPU time are both given, and the time spent in SQL (the sum of the queries' times): on a shared
machine the CPU time is the steadier one (SQLite runs in the process; PostgreSQL's own work is in its
server and shows in the SQL time).

Before the pages, the rollup is built (``--rebuild`` times a full rebuild) and the cost of bringing one
changed month up to date is measured (what the first reader after a change pays).
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
from tsunagiai.analytics import grid, rollup  # noqa: E402
from tsunagiai.analytics.models import RollupRow  # noqa: E402
from tsunagiai.intake.models import Intake  # noqa: E402
from tsunagiai.reference.models import Area  # noqa: E402


def measure(client: Client, url: str, runs: int, *, cold: bool) -> tuple[float, float, float, float, int, int]:
    cache.clear()
    client.get(url)  # warm the template loader and the connection
    times: list[float] = []
    cpu: list[float] = []
    sql: list[float] = []
    queries = status = 0
    for _ in range(runs):
        if cold:
            cache.clear()
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        queries, status = len(captured), response.status_code
    return statistics.median(times), max(times), statistics.median(cpu), statistics.median(sql), queries, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rebuild", action="store_true", help="time a full rebuild of the rollup first")
    parser.add_argument("--city", action="store_true", help="only the whole-city pages")
    options = parser.parse_args()
    print(f"Data: {Intake.objects.count()} intakes ({connection.vendor})")
    started = time.perf_counter()
    done = rollup.refresh(full=options.rebuild)
    print(f"Rollup: {'full rebuild' if done['full'] else 'up to date'} in {time.perf_counter() - started:.1f} s"
          f" ({RollupRow.objects.count()} rows)")  # fmt: skip
    latest = Intake.objects.order_by("-received_at").values_list("received_at", flat=True).first()
    if latest is None:
        return
    year = grid.fiscal_year(grid.fiscal_year_of(latest.date()) - 1)  # the last whole fiscal year
    month = grid.month(year.start.year, 10)
    rollup.mark_changed(month.start)
    started = time.perf_counter()
    rollup.ensure_fresh()
    print(f"One changed month brought up to date in {(time.perf_counter() - started) * 1000:.0f} ms")
    branch = Area.objects.filter(level="branch_area").order_by("code").first()
    elementary = Area.objects.filter(level="elementary_district").order_by("code").first()
    pages = [
        ("analyst", f"whole city, {year.code}", f"/analytics/?period={year.code}"),
        ("analyst", f"whole city, {month.code}", f"/analytics/?period={month.code}"),
        ("coordinator", f"whole city, {year.code} (exact)", f"/analytics/?period={year.code}"),
        (
            "coordinator",
            "whole city, free dates (exact, records)",
            f"/analytics/?date_from={year.start}&date_to={year.last_day}",
        ),
    ]
    if branch and not options.city:
        pages.append(
            ("analyst", f"branch area {branch.name}, {year.code}", f"/analytics/?period={year.code}&area={branch.pk}")
        )
    if elementary and not options.city:
        url = f"/analytics/?period={year.code}&area={elementary.pk}"
        pages.append(("analyst", f"elementary district {elementary.name}, {year.code}", url))
    head = f"{'':>7} {'median ms':>10} {'max ms':>8} {'cpu ms':>8} {'sql ms':>8} {'queries':>8} {'status':>7}"
    print(f"{'user':<12} {'filter':<48} {head}")
    clients: dict[str, Client] = {}
    for username, label, url in pages:
        if username not in clients:
            clients[username] = Client()
            clients[username].force_login(User.objects.get(username=username))
        for cold in (True, False):
            median, worst, cpu, sql, queries, status = measure(clients[username], url, options.runs, cold=cold)
            kind = "compute" if cold else "cached"
            row = f"{kind:>7} {median:>10.1f} {worst:>8.1f} {cpu:>8.1f} {sql:>8.1f} {queries:>8} {status:>7}"
            print(f"{username:<12} {label:<48} {row}")


if __name__ == "__main__":
    main()
