"""Time the intake row export (/reports/intakes/) against a prepared toyota database (median of N runs).

    SQLITE_PATH=/tmp/toyota.sqlite3 .venv/bin/python benchmarks/exports.py --runs 3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tsunagiai_bench .venv/bin/python benchmarks/exports.py

(prepare the database as benchmarks/pages.py says: ``demo_data --scale toyota`` gives ~40,000 intakes).
Signed in as the demo coordinator (who sees every intake), every intake received from the first one to
today, in each format: CSV (UTF-8), CSV (CP932) and xlsx, with era dates (the default and the costlier
style) and, for xlsx, western dates (real date cells).

Two paths are timed: ``request`` — the export made in the request, the whole response consumed (the
threshold for background jobs is lifted so that even 40,000 rows stay in the request, as before
issue 14 item 5); ``job`` — the background job (``tsunagiai.reports.exports.run_job``), what the worker
does, file written included. Wall time and the process's CPU time are both given: on a shared machine
the CPU time is the steadier one (SQLite runs in the process).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from tsunagiai.accounts.models import User  # noqa: E402
from tsunagiai.intake.models import Intake  # noqa: E402

FORMATS = [("csv", "era"), ("csv_sjis", "era"), ("xlsx", "era"), ("xlsx", "western")]


def timed(action: Callable[[], int], runs: int) -> tuple[float, float, float, int]:
    """(median wall s, max wall s, median CPU s, rows or bytes) of ``runs`` calls of ``action``."""
    walls: list[float] = []
    cpus: list[float] = []
    size = 0
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        size = action()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - started_cpu)
    return statistics.median(walls), max(walls), statistics.median(cpus), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--user", default="coordinator")
    parser.add_argument("--only", choices=["request", "job"], help="time one path only")
    options = parser.parse_args()
    first = Intake.objects.order_by("received_at").values_list("received_at", flat=True).first()
    if first is None:
        sys.exit("No intakes: prepare a database first (see the docstring).")
    start, end = timezone.localtime(first).date(), timezone.localdate()
    user = User.objects.get(username=options.user)
    print(f"Data: {Intake.objects.count()} intakes ({connection.vendor}), exported {start} to {end} as {user}")
    client = Client()
    client.force_login(user)
    # Job files go to a temporary folder (each is deleted once measured).
    override_settings(REPORTS_EXPORT_ROOT=Path(tempfile.mkdtemp(prefix="exports-bench-"))).enable()
    head = f"{'median s':>9} {'max s':>7} {'cpu s':>7} {'bytes':>10} {'status':>6}"
    print(f"{'path':<8} {'format':<10} {'dates':<8} {head}")
    for fmt, dates in FORMATS:
        query = {"from": str(start), "to": str(end), "format": fmt, "dates": dates}
        if options.only in (None, "request"):
            status = 0

            def by_request(query: dict[str, str] = query) -> int:
                nonlocal status
                with override_settings(REPORTS_BACKGROUND_EXPORT_ROWS=10**9):
                    response = client.get("/reports/intakes/", query)
                    status = response.status_code
                    body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
                return len(body)

            median, worst, cpu, size = timed(by_request, options.runs)
            print(
                f"{'request':<8} {fmt:<10} {dates:<8} {median:>9.2f} {worst:>7.2f} {cpu:>7.2f} {size:>10} {status:>6}"
            )
        if options.only in (None, "job"):
            from tsunagiai.reports import exports  # the background path (issue 14 item 5)

            job_status = ""

            def by_job(query: dict[str, str] = query) -> int:
                nonlocal job_status
                export = exports.IntakeExport.from_json(query, user)
                job = exports.create_job(user, export, count=0)
                exports.run_job(job.pk)
                job.refresh_from_db()
                job_status = job.status
                size = exports.job_file(job).stat().st_size if job.file_path else 0
                exports.delete_file(job)
                return size

            median, worst, cpu, size = timed(by_job, options.runs)
            print(
                f"{'job':<8} {fmt:<10} {dates:<8} {median:>9.2f} {worst:>7.2f} {cpu:>7.2f} {size:>10} {job_status:>6}"
            )


if __name__ == "__main__":
    main()
