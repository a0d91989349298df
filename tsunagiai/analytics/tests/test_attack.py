"""The attack suite: the analyst plays attacker against every output of the small demo (issue 15).

Signed in as the demo analyst, the attacker reads every figure the dashboard, the count tables, the
monthly reports and the national items publish for one fiscal year of the grid (every month, quarter,
the year × every area with records × every organisation with records there), writes each one down as a
constraint on the true counts, and tries to pin every protected count (a true 1 to 4) by integer linear
programming (attacker.py; what is read: harvest.py). The suite fails if one is pinned.

The second test shows that the same attacker is not toothless: against the old outputs (exact counts,
each table suppressed on its own) it pins hundreds of protected counts.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from tsunagiai.analytics import cellkey, grid, rollup
from tsunagiai.analytics.tests import harvest
from tsunagiai.analytics.tests.attacker import pinned, protected


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The small demo (load_reference + demo_data --scale small), rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_reference", verbosity=0, stdout=io.StringIO())
        call_command("demo_data", "--scale", "small", stdout=io.StringIO())
        rollup.refresh(full=True)
        yield
        transaction.set_rollback(True)


def _grid() -> tuple[grid.GridPeriod, list[grid.GridPeriod]]:
    """The last whole fiscal year of the demo: its months, quarters and the year."""
    year = grid.fiscal_year(grid.fiscal_year_of(timezone.localdate()) - 1)
    quarters = [grid.quarter(grid.fiscal_year_of(year.start), n) for n in (1, 2, 3, 4)]
    months = [grid.month(m.year, m.month) for m in year.months()]
    return year, [*months, *quarters, year]


@pytest.mark.django_db
def test_the_analyst_cannot_pin_any_small_count_from_every_output(demo: None, client: Client) -> None:
    from tsunagiai.accounts.models import User

    year, periods = _grid()
    client.force_login(User.objects.get(username="analyst"))
    truth = harvest.truth()
    found = harvest.Harvest(harvest.Public.load(), cellkey.possible_counts, year.months())
    found.support = harvest.support()
    found.structure()
    harvest.refusals(client, found, year)
    harvest.count_exports(client, found, periods)
    harvest.dashboards(client, found, periods)
    harvest.monthly_reports(client, found, [p for p in periods if p.kind == "month"])
    harvest.national(client, found, year)
    assert not found.refused, found.refused  # free periods and "the period plus one day" are refused
    for cell, (low, high) in found.knowledge.ranges.items():  # every figure read is true to the records
        true = sum(truth.get(atom, 0) for atom in cell)
        assert low <= true and (high is None or true <= high), (sorted(cell, key=repr)[:3], low, high, true)
    targets = protected(found.knowledge, truth)
    assert found.knowledge.figures > 3000 and len(targets) > 300  # the attacker did read the outputs
    verdict = pinned(found.knowledge, targets, integer=True)
    assert verdict.pinned == [], f"{verdict.pinned_count} of {verdict.targets} protected counts pinned"


@pytest.mark.django_db
def test_the_same_attack_pins_small_counts_of_tables_suppressed_one_by_one(demo: None) -> None:
    """On the first quarter of the same year (its months and the quarter: enough to show it, and the old
    suppression's audit is slow); on the whole year it pins every one of them (docs/analytics.md)."""
    year, periods = _grid()
    periods = [p for p in periods if p.end <= grid.add_months(year.start, 3)]
    truth = harvest.truth()
    old = harvest.Harvest(harvest.Public.load(), cellkey.possible_counts, year.months())
    old.support = harvest.support()
    old.structure()
    harvest.legacy_outputs(old, truth, periods)
    targets = protected(old.knowledge, truth)
    verdict = pinned(old.knowledge, targets, rounds=2, enough=len(targets) // 4 + 1)
    assert verdict.pinned_count > len(targets) // 4, f"only {verdict.pinned_count} of {len(targets)} pinned"
    for cell, true in verdict.pinned:  # and what it pins is the truth
        assert sum(truth.get(atom, 0) for atom in cell) == true
