"""The load benchmark's mixed workload in one process, profiled: where a request's CPU goes (issue 14).

    DATABASE_URL=postgres://…/tsunagiai_bench .venv/bin/python benchmarks/load/profile_mix.py --rounds 20
    … --profile 40   # the 40 functions with the most own time (cProfile), for all pages together

Runs the locust file's pages with its weights (benchmarks/load/locustfile.py) through the Django test client
as the three logins of run.py, and prints per page the CPU time of this process (time.process_time: the app,
without the database server's share) and the SQL time, median of the rounds, and the weighted CPU per request
of the mix — the number that sets how many requests/s two cores can serve.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from benchmarks._sql import SqlTimer  # noqa: E402
from tsunagiai.accounts import access  # noqa: E402
from tsunagiai.accounts.models import User  # noqa: E402

TYPED = ("すず", "すずき", "たか", "鈴木", "高橋", "いと", "山本", "すぎうら")
SEARCHED = ("鈴木", "高橋", "伊藤", "渡辺", "山本", "すずき", "やまだ")


def pages(user: User) -> list[tuple[str, int, Callable[[], str]]]:
    """(name, weight, url maker) as in locustfile.py; weights of the API pair split over its two requests."""
    households = list(access.visible_households(user).order_by("pk").values_list("pk", flat=True)[:300])
    cases = list(access.visible_cases(user).order_by("pk").values_list("pk", flat=True)[:300])
    out: list[tuple[str, int, Callable[[], str]]] = [
        ("intake list", 4, lambda: f"/intakes/?page={random.randint(1, 20)}"),
        ("htmx person search", 6, lambda: f"/intakes/people/search/?q={random.choice(TYPED)}"),
        ("person search", 1, lambda: f"/people/?q={random.choice(SEARCHED)}"),
        ("inbox", 3, lambda: "/inbox/"),
        ("API intakes list", 2, lambda: "/api/v1/intakes/?limit=50"),
        ("API persons search", 2, lambda: f"/api/v1/persons?q={random.choice(SEARCHED)}&limit=50"),
        ("HSDS services", 1, lambda: "/api/hsds/services?per_page=50"),
    ]
    if households:
        out.append(("household", 3, lambda: f"/people/households/{random.choice(households)}/"))
    if cases:
        out.append(("case", 3, lambda: f"/cases/{random.choice(cases)}/"))
    if access.may_view_dashboard(user):
        out.append(("dashboard", 1, lambda: "/analytics/"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--profile", type=int, default=0, help="print this many functions by own time")
    parser.add_argument("--logins", default="coordinator,supervisor,branch")
    parser.add_argument("--only", default="", help="profile only this page (a name in the table)")
    parser.add_argument("--profile-out", default="", help="also write the profile to this file (pstats)")
    parser.add_argument("--restrict", default="", help="print only functions whose path contains this")
    options = parser.parse_args()
    random.seed(8050)
    profiler = cProfile.Profile(time.process_time) if options.profile else None
    cpu: dict[str, list[float]] = {}
    sql: dict[str, list[float]] = {}
    weights: dict[str, int] = {}
    for username in options.logins.split(","):
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        mix = pages(user)
        for name, _, url in mix:  # warm the template loader and the caches
            client.get(url(), headers={"HX-Request": "true"} if name.startswith("htmx") else {})
        for _ in range(options.rounds):
            for name, weight, url in mix:
                weights[name] = weight
                for _ in range(weight):
                    timer = SqlTimer()
                    headers = {"HX-Request": "true"} if name.startswith("htmx") else {}
                    with connection.execute_wrapper(timer):
                        started = time.process_time()
                        if profiler and (not options.only or name == options.only):
                            profiler.enable()
                        response = client.get(url(), headers=headers)
                        if profiler:
                            profiler.disable()
                        used = time.process_time() - started
                    assert response.status_code == 200, (name, response.status_code)
                    cpu.setdefault(name, []).append(used * 1000)
                    sql.setdefault(name, []).append(timer.seconds * 1000)
    total_weight = 0
    weighted = 0.0
    print(f"{'page':<22} {'CPU ms (median)':>16} {'SQL wall ms':>12} {'requests':>9}")
    for name in sorted(cpu):
        median = statistics.median(cpu[name])
        print(f"{name:<22} {median:>16.1f} {statistics.median(sql[name]):>12.1f} {len(cpu[name]):>9}")
        weighted += statistics.mean(cpu[name]) * len(cpu[name])
        total_weight += len(cpu[name])
    print(f"weighted mean CPU per request: {weighted / total_weight:.1f} ms ({connection.vendor})")
    if profiler:
        if options.profile_out:
            profiler.dump_stats(options.profile_out)
        stats = pstats.Stats(profiler).sort_stats("cumulative" if options.restrict else "tottime")
        if options.restrict:
            stats.print_stats(options.restrict, options.profile)
        else:
            stats.print_stats(options.profile)


if __name__ == "__main__":
    main()
