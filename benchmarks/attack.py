"""The attack suite at toyota scale: the analyst plays attacker against the real outputs (issue 15).

    SQLITE_PATH=/tmp/toyota.sqlite3 .venv/bin/python benchmarks/attack.py --branches 2

Signed in as the demo analyst, through the Django test client, for the last whole fiscal year (every
month, quarter and the year) and the districts of the first ``--branches`` branch areas: every count
table (3 area levels × window, channel, consulter), the dashboard of every area there × every
organisation with records there, the monthly report's branch-area rows. Figures that also count records
outside those districts (city totals) are left out, which only weakens the attacker a little and keeps
the linear programme to a few thousand unknowns. Every published figure with a true count of 1-4 is then
bounded by linear programming (tsunagiai/analytics/tests/attacker.py); the script prints how many are
pinned, and how many the same attacker pins from the old outputs (exact counts, each table suppressed on
its own) of the same grid. See docs/performance.md ("Attack at toyota scale").
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

from tsunagiai.accounts.models import User  # noqa: E402
from tsunagiai.analytics import cellkey, grid, rollup  # noqa: E402
from tsunagiai.analytics.tests import harvest  # noqa: E402
from tsunagiai.analytics.tests.attacker import pinned, protected  # noqa: E402
from tsunagiai.intake.models import Intake  # noqa: E402
from tsunagiai.reference.models import Area  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--branches", type=int, default=2)
    parser.add_argument("--skip-legacy", action="store_true")
    parser.add_argument("--legacy-only", action="store_true", help="only the attack on the old outputs")
    options = parser.parse_args()
    started = time.perf_counter()
    rollup.ensure_fresh()
    latest = Intake.objects.order_by("-received_at").values_list("received_at", flat=True).first()
    if latest is None:
        print("No intakes.")
        return
    year = grid.fiscal_year(grid.fiscal_year_of(latest.date()) - 1)
    number = grid.fiscal_year_of(year.start)
    periods = [
        *(grid.month(m.year, m.month) for m in year.months()),
        *(grid.quarter(number, n) for n in (1, 2, 3, 4)),
        year,
    ]
    branches = list(
        Area.objects.filter(level="branch_area").order_by("code").values_list("pk", "name")[: options.branches]
    )
    public = harvest.Public.load()
    scope = {el for el, (branch, _junior) in public.elementary_of.items() if branch in {pk for pk, _n in branches}}
    truth = harvest.truth()
    support = {atom for atom in harvest.support() if atom[1] in scope and atom[0] in set(year.months())}
    print(f"{Intake.objects.count()} intakes; {year.code}; branch areas {', '.join(n for _p, n in branches)}: "
          f"{len(scope)} elementary districts, {len(support)} cells with records")  # fmt: skip

    if options.legacy_only:
        _legacy(public, year, periods, support, scope, truth)
        return
    client = Client()
    client.force_login(User.objects.get(username="analyst"))
    found = harvest.Harvest(public, cellkey.possible_counts, year.months(), support=support, scope=scope)
    found.structure()
    harvest.refusals(client, found, year)
    harvest.count_exports(client, found, periods)
    harvest.dashboards(client, found, periods)
    harvest.monthly_reports(client, found, [p for p in periods if p.kind == "month"])
    read = time.perf_counter() - started
    wanted = protected(found.knowledge, truth)
    figures, distinct = found.knowledge.figures, len(found.knowledge.ranges)
    print(f"Read {figures} figures ({distinct} distinct) in {found.requests} requests ({read:.0f} s);"
          f" refused as they should be: {not found.refused}; protected counts: {len(wanted)}")  # fmt: skip
    started = time.perf_counter()
    verdict = pinned(found.knowledge, wanted, log=print)
    took = time.perf_counter() - started
    print(f"Cell-key outputs: {verdict.pinned_count} of {verdict.targets} protected counts pinned "
          f"({verdict.variables} unknowns, {verdict.constraints} constraints, {took:.0f} s)")  # fmt: skip
    if not options.skip_legacy:
        _legacy(public, year, periods, support, scope, truth)


def _legacy(public: Any, year: Any, periods: list[Any], support: set[Any], scope: set[int], truth: Any) -> None:
    started = time.perf_counter()
    old = harvest.Harvest(public, cellkey.possible_counts, year.months(), support=support, scope=scope)
    old.structure()
    harvest.legacy_outputs(old, truth, periods)
    old_targets = protected(old.knowledge, truth)
    old_verdict = pinned(old.knowledge, old_targets, rounds=2)
    print(f"Old outputs (exact, suppressed table by table): {old_verdict.pinned_count} of {old_verdict.targets} "
          f"protected counts pinned ({time.perf_counter() - started:.0f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
