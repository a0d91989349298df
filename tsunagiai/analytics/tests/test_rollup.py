"""The rollup: the same counts as the records (the KPIs computed directly), kept up to date by what changes,
key sums that add up, and the dashboard computed in a fixed number of queries from it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tsunagiai.analytics import cellkey, grid, kpis, rollup
from tsunagiai.analytics.kpis import Filters
from tsunagiai.analytics.models import RollupHousehold, RollupMonth
from tsunagiai.analytics.rollup import HOUSEHOLD, INTAKE, NEW_HOUSEHOLD, REFERRAL
from tsunagiai.intake.models import Intake
from tsunagiai.intake.tests.helpers import make_intake
from tsunagiai.people.models import Household
from tsunagiai.reference.models import ConsulterType, IntakeChannel, IssueCategory
from tsunagiai.testing import Town, aware

pytestmark = pytest.mark.django_db


def _intake(town: Town, when: dt.datetime, side: str = "north", org: str = "branch_north", **fields: Any) -> Intake:
    user = {"branch_north": "caseworker_north", "branch_south": "caseworker_south"}.get(org, "elderly_worker")
    return make_intake(town, org=org, user=user, received_at=when, town_block=town.blocks[side], **fields)


@pytest.fixture
def data(town: Town) -> Town:
    cats = {c.pk: c for c in IssueCategory.objects.all()}
    phone, visit = IntakeChannel.objects.get(pk="phone"), IntakeChannel.objects.get(pk="visit_window")
    family = ConsulterType.objects.get(pk="family")
    household = Household.objects.create(name="巡回", registered_by_organisation=town.orgs["branch_north"])
    for when, side, org, extra in (
        (aware(2025, 4, 3), "north", "branch_north", {"channel": visit}),
        (
            aware(2025, 4, 20),
            "north",
            "elderly_north",
            {"categories": [cats["elderly_care"], cats["financial_hardship"]]},
        ),
        (aware(2025, 5, 2), "south", "branch_south", {"consulter_type": family, "channel": phone}),
        (aware(2025, 7, 9), "north", "branch_north", {}),
        (aware(2026, 1, 15), "south", "branch_south", {}),
    ):
        intake = _intake(town, when, side, org, **extra)
        if side == "north":
            Intake.objects.filter(pk=intake.pk).update(household=household)
    rollup.refresh(full=True)  # the updates above bypass the signals: a full build
    return town


def _by(found: dict[tuple[Any, ...], Any], dimension: str) -> dict[str, int]:
    return {str(value): cell.n for (dim, value), cell in found.items() if dim == dimension}


@pytest.mark.parametrize("code", ["2025-04", "2025-05", "2025Q1", "2025Q2", "FY2025"])
def test_the_rollup_counts_what_the_records_count(data: Town, code: str) -> None:
    period = grid.parse(code)
    filters = Filters(period.start, period.last_day)
    found = rollup.read(INTAKE, period)
    assert found.get(("total", ""), rollup.EMPTY).n == kpis.consultations_by_window(filters).total
    channel = kpis.consultations_by_channel(filters)
    assert _by(found, "channel") == dict(zip(channel.keys, channel.values, strict=True))
    consulter = kpis.consultations_by_consulter_type(filters)
    assert _by(found, "consulter") == dict(zip(consulter.keys, consulter.values, strict=True))
    assert found.get(("multi", "1"), rollup.EMPTY).n == kpis.multi_issue(filters).part
    assert rollup.read(NEW_HOUSEHOLD, period).get(("total", ""), rollup.EMPTY).n == kpis.households_newly_connected(
        filters
    )
    windows = rollup.read(INTAKE, period, dimensions=["total"], by=("organisation",), any_organisation=True)
    by_window = kpis.consultations_by_window(filters)
    assert {str(org): cell.n for (org, _d, _v), cell in windows.items()} == dict(
        zip(by_window.keys, by_window.values, strict=True)
    )


def test_areas_and_organisations_select_the_same_records_as_the_filters(data: Town) -> None:
    year = grid.parse("FY2025")
    for level, area in (
        ("branch_area", data.areas["north_branch"].pk),
        ("elementary_district", data.areas["south_elementary"].pk),
    ):
        for org in (None, data.orgs["branch_north"].pk):
            filters = Filters(year.start, year.last_day, level, area, org)
            found = rollup.read(INTAKE, year, area=(level, area), organisation=org).get(("total", ""), rollup.EMPTY)
            assert found.n == kpis.consultations_by_window(filters).total


def test_the_key_sum_of_a_figure_is_the_sum_of_its_records_keys(data: Town) -> None:
    year = grid.parse("FY2025")
    found = rollup.read(INTAKE, year).get(("total", ""), rollup.EMPTY)
    ids = Intake.objects.values_list("pk", flat=True)
    assert found.key_sum == sum(cellkey.record_key(INTAKE, pk) for pk in ids)
    months = rollup.read(INTAKE, year, dimensions=["total"], by=("period",))
    assert sum(cell.key_sum for cell in months.values()) == found.key_sum  # additive over months


def test_households_are_counted_once_per_period_where_their_first_intake_was(data: Town) -> None:
    year = grid.parse("FY2025")
    households = rollup.read(HOUSEHOLD, year)
    assert households[("total", "")].n == 1  # the one household, three intakes in the year
    assert households[("multi", "1")].n == 1  # its intakes span two core agency types
    north = rollup.read(HOUSEHOLD, year, area=("branch_area", data.areas["north_branch"].pk))
    assert north[("total", "")].n == 1
    assert rollup.read(NEW_HOUSEHOLD, grid.parse("2025-04"))[("total", "")].n == 1
    assert rollup.read(NEW_HOUSEHOLD, grid.parse("2025-07")) == {}  # not new any more in July


def test_a_new_intake_marks_its_month_and_the_next_read_counts_it(data: Town) -> None:
    _intake(data, aware(2025, 5, 20), "south", "branch_south")
    assert RollupMonth.objects.get(month=dt.date(2025, 5, 1)).dirty
    rollup.ensure_fresh()
    assert rollup.read(INTAKE, grid.parse("2025-05"))[("total", "")].n == 2
    assert not RollupMonth.objects.filter(dirty=True).exists()


def test_a_deleted_intake_is_taken_out_when_the_deletion_commits(
    data: Town, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        Intake.objects.filter(received_at__gte=aware(2025, 5, 1), received_at__lt=aware(2025, 6, 1)).delete()
    rollup.ensure_fresh()
    assert rollup.read(INTAKE, grid.parse("2025-05")) == {}


def test_a_changed_category_changes_the_multi_issue_count(data: Town) -> None:
    cats = {c.pk: c for c in IssueCategory.objects.all()}
    intake = Intake.objects.get(received_at=aware(2025, 4, 3))
    intake.categories.set([cats["elderly_care"], cats["financial_hardship"]])
    rollup.ensure_fresh()
    assert rollup.read(INTAKE, grid.parse("2025-04"))[("multi", "1")].n == 2


def test_a_month_that_did_not_change_keeps_its_version(data: Town) -> None:
    april = rollup.version(grid.parse("2025-04"))
    _intake(data, aware(2025, 7, 20))
    rollup.ensure_fresh()
    assert rollup.version(grid.parse("2025-04")) == april
    assert rollup.version(grid.parse("2025Q2")) > april


def test_referrals_are_counted_for_the_sender_and_the_receiver_and_declines_by_reason(data: Town) -> None:
    from tsunagiai.referrals.tests.helpers import move_to, send

    referral = send(data, intake=Intake.objects.get(received_at=aware(2025, 4, 3)))
    move_to(data, referral, "declined")
    rollup.ensure_fresh()
    period = grid.fiscal_year(grid.fiscal_year_of(referral.sent_at.date()))
    for org in (None, data.orgs["branch_north"].pk, data.orgs["csw"].pk):
        assert rollup.read(REFERRAL, period, organisation=org)[("total", "")].n == 1
    assert rollup.read(REFERRAL, period, organisation=data.orgs["branch_south"].pk) == {}
    declined = {value: cell.n for (dim, value), cell in rollup.read(REFERRAL, period).items() if dim == "declined"}
    filters = Filters(period.start, period.last_day)
    by_reason = kpis.declines_by_reason(filters)
    assert declined == dict(zip(by_reason.keys, by_reason.values, strict=True))


def test_the_dashboard_reads_the_same_number_of_queries_whatever_the_data(data: Town) -> None:
    from tsunagiai.analytics import dashboard

    scope = dashboard.Scope(period=grid.parse("FY2025"))
    dashboard.build(scope)
    with CaptureQueriesContext(connection) as few:
        dashboard.build(scope)
    for day in range(1, 25):
        _intake(data, aware(2025, 6, day), "south", "branch_south")
    rollup.ensure_fresh()
    with CaptureQueriesContext(connection) as many:
        dashboard.build(scope)
    assert len(many) == len(few)


def _snapshot() -> list[tuple[Any, ...]]:
    from tsunagiai.analytics.models import RollupRow

    fields = ("family", "span", "period", "level", "branch_area", "junior_high", "elementary", "organisation")
    rows = RollupRow.objects.values_list(*fields, "dimension", "value", "n", "key_sum")
    return sorted(rows, key=repr)


def _edit(town: Town, intake: Intake, **values: Any) -> None:
    """An edit as the actions make it: save_versioned (no post_save) and its audit event."""
    from tsunagiai.audit.actions import diff_fields, record_audit_event
    from tsunagiai.core.concurrency import save_versioned

    before = {name: getattr(intake, name) for name in values}
    for name, value in values.items():
        setattr(intake, name, value)
    save_versioned(intake, expected_version=intake.version, fields=list(values), acting_user=town.users["admin"])
    record_audit_event(
        "intake.updated", acting_user=town.users["admin"], obj=intake, changes=diff_fields(before, values)
    )


def _earlier_first_intake(town: Town) -> None:
    intake = _intake(town, aware(2025, 3, 30))
    _edit(town, intake, household=Household.objects.get(name="巡回"))  # no longer new in April: in March


def _later_intake_of_a_household(town: Town) -> None:
    intake = _intake(town, aware(2025, 12, 1), "south", "branch_south")
    _edit(town, intake, household=Household.objects.get(name="巡回"))


def _moved_to_another_month(town: Town) -> None:
    _edit(town, Intake.objects.get(received_at=aware(2025, 4, 3)), received_at=aware(2025, 9, 1))


def _moved_to_another_area(town: Town) -> None:
    _edit(town, Intake.objects.get(received_at=aware(2025, 4, 20)), town_block=town.blocks["south"])


def _categories_changed(town: Town) -> None:
    cats = {c.pk: c for c in IssueCategory.objects.all()}
    Intake.objects.get(received_at=aware(2025, 7, 9)).categories.set([cats["dementia"], cats["financial_hardship"]])


def _first_intake_deleted(town: Town) -> None:
    Intake.objects.filter(received_at=aware(2025, 4, 3)).delete()


@pytest.mark.parametrize(
    "change",
    [
        _earlier_first_intake,
        _later_intake_of_a_household,
        _moved_to_another_month,
        _moved_to_another_area,
        _categories_changed,
        _first_intake_deleted,
    ],
)
def test_bringing_what_changed_up_to_date_gives_what_a_full_rebuild_gives(
    data: Town, django_capture_on_commit_callbacks: Any, change: Any
) -> None:
    before = _snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        change(data)
    rollup.ensure_fresh()
    incremental = _snapshot()
    assert incremental != before
    rollup.refresh(full=True)
    assert incremental == _snapshot()


def test_a_fresh_rollup_is_checked_in_one_query_and_a_mark_of_either_kind_still_refreshes_it(
    data: Town, django_assert_num_queries: Any
) -> None:
    rollup.ensure_fresh()
    with django_assert_num_queries(1):  # the state row with both marks (issue 14: it was three queries)
        rollup.ensure_fresh()
    RollupMonth.objects.filter(month=dt.date(2025, 4, 1)).update(dirty=True)
    rollup.ensure_fresh()
    assert not RollupMonth.objects.filter(dirty=True).exists()
    household = Household.objects.first()
    assert household is not None
    RollupHousehold.objects.create(household=household.pk)
    rollup.ensure_fresh()
    assert not RollupHousehold.objects.exists()
