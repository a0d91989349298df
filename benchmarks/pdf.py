"""Peak memory and time of the monthly report PDF (issue 14 item 5) against a prepared toyota database.

    SQLITE_PATH=/tmp/toyota.sqlite3 .venv/bin/python benchmarks/pdf.py --runs 3 [--month 2026-11]
    DATABASE_URL=postgres://… .venv/bin/python benchmarks/pdf.py

(prepare the database as benchmarks/pages.py says: ``demo_data --scale toyota --seed 8050``.)
Each measurement runs in a fresh process (``--child``), signed in as the demo coordinator: the peak
resident set (``ru_maxrss``) after Django's start-up, after the figures (``queries.monthly_figures``)
and after the whole request with the PDF — the first PDF of a process, as a worker serving it cold —
then the median wall and CPU time of ``--runs`` further requests. ``--profile`` also prints where Python allocated
(tracemalloc, top lines) during the first PDF.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def child(month: str, runs: int, profile: bool) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.test import Client

    from tsunagiai.accounts.models import User
    from tsunagiai.reports import queries

    client = Client()
    client.force_login(User.objects.get(username="coordinator"))
    started_mb = _peak_mb()
    year, number = (int(part) for part in month.split("-"))
    t0 = time.perf_counter()
    queries.monthly_figures(year, number)
    figures_s = time.perf_counter() - t0
    figures_mb = _peak_mb()
    if profile:
        import tracemalloc

        tracemalloc.start(25)
    t0 = time.perf_counter()
    response = client.get("/reports/monthly/", {"month": month})
    first_s = time.perf_counter() - t0
    pdf_mb = _peak_mb()
    if profile:
        snapshot = tracemalloc.take_snapshot()
        for stat in snapshot.statistics("filename")[:12]:
            print(stat, file=sys.stderr)
        print("traced peak MB", tracemalloc.get_traced_memory()[1] / 2**20, file=sys.stderr)
        tracemalloc.stop()
    assert response.status_code == 200, response.status_code
    body = b"".join(response) if response.streaming else response.content
    times, cpu_times = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        client.get("/reports/monthly/", {"month": month})
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
    print(
        json.dumps(
            {
                "start_mb": round(started_mb, 1),
                "after_figures_mb": round(figures_mb, 1),
                "peak_mb": round(pdf_mb, 1),
                "figures_s": round(figures_s, 2),
                "first_pdf_s": round(first_s, 2),
                "median_pdf_s": round(statistics.median(times), 2) if times else None,
                "median_pdf_cpu_s": round(statistics.median(cpu_times), 2) if cpu_times else None,
                "pdf_bytes": len(body),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--month", default="2026-11")
    parser.add_argument("--processes", type=int, default=1, help="fresh processes to measure (peak: the median)")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.month, options.runs, options.profile)
        return
    results = []
    for _ in range(options.processes):
        command = [sys.executable, __file__, "--child", "--month", options.month, "--runs", str(options.runs)]
        if options.profile:
            command.append("--profile")
        out = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
        if options.profile:
            print(out.stderr[-4000:])
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    for result in results:
        print(result)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
