"""KPIs computed in the database: each one filtered by period, area and organisation, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tsunagiai.analytics import kpis
from tsunagiai.analytics.kpis import Filters
from tsunagiai.intake.models import Intake
from tsunagiai.intake.tests.helpers import make_intake
from tsunagiai.people.models import Household
from tsunagiai.reference.models import ConsulterType, IntakeChannel, IssueCategory
from tsunagiai.testing import Town, aware

pytestmark = pytest.mark.django_db

APRIL = Filters(date_from=dt.date(2025, 4, 1), date_to=dt.date(2025, 4, 30))


def _intake(town: Town, *, when: dt.datetime, side: str = "north", org: str = "branch_north", **fields: Any) -> Intake:
    user = "caseworker_north" if org != "branch_south" else "caseworker_south"
    return make_intake(town, org=org, user=user, received_at=when, town_block=town.blocks[side], **fields)


def test_consultations_by_window_channel_consulter_and_month(town: Town) -> None:
    _intake(town, when=aware(2025, 4, 3))
    _intake(town, when=aware(2025, 4, 20), channel=IntakeChannel.objects.get(pk="visit_window"))
    _intake(town, when=aware(2025, 4, 21), org="branch_south", side="south")
    _intake(town, when=aware(2025, 5, 2))  # outside the period

    by_window = kpis.consultations_by_window(APRIL)
    assert dict(zip(by_window.labels, by_window.values, strict=True)) == {"北支所": 2, "南支所": 1}
    by_channel = kpis.consultations_by_channel(APRIL)
    assert dict(zip(by_channel.keys, by_channel.values, strict=True)) == {"visit_window": 1, "phone": 2}
    assert kpis.consultations_by_consulter_type(APRIL).values == [3]
    assert kpis.consultations_by_month(Filters()).keys == ["2025-04", "2025-05"]
    assert kpis.consultations_by_month(Filters()).values == [3, 1]


def test_area_and_organisation_filters_narrow_every_count(town: Town) -> None:
    _intake(town, when=aware(2025, 4, 3))
    _intake(town, when=aware(2025, 4, 4), org="branch_south", side="south")
    north = Filters(area_level="elementary_district", area_id=town.areas["north_elementary"].pk)
    assert kpis.consultations_by_window(north).labels == ["北支所"]
    south_branch = Filters(area_level="branch_area", area_id=town.areas["south_branch"].pk)
    assert kpis.consultations_by_window(south_branch).labels == ["南支所"]
    by_org = Filters(organisation_id=town.orgs["branch_south"].pk)
    assert kpis.consultations_by_window(by_org).values == [1]


def test_unknown_area_level_is_refused() -> None:
    with pytest.raises(ValueError):
        Filters(area_level="prefecture", area_id=1)


def test_referral_sources_group_community_agencies_and_self(town: Town) -> None:
    for code in ("community_volunteer", "neighbor", "school", "self", "family"):
        _intake(town, when=aware(2025, 4, 3), consulter_type=ConsulterType.objects.get(pk=code))
    sources = kpis.referral_sources(APRIL)
    assert dict(zip(sources.keys, sources.values, strict=True)) == {"community": 2, "agencies": 1, "self_family": 2}


def test_multi_issue_share_counts_distinct_core_agency_types(town: Town) -> None:
    cats = {c.pk: c for c in IssueCategory.objects.all()}
    _intake(town, when=aware(2025, 4, 3), categories=[cats["elderly_care"], cats["financial_hardship"]])  # 2 types
    _intake(town, when=aware(2025, 4, 3), categories=[cats["elderly_care"], cats["dementia"]])  # one type
    _intake(town, when=aware(2025, 4, 3), categories=[cats["housing"], cats["daily_living"]])  # supplementary
    share = kpis.multi_issue(APRIL)
    assert (share.part, share.whole) == (1, 3)
    assert share.rate == pytest.approx(1 / 3)


def test_households_newly_connected_are_those_whose_first_intake_is_in_the_period(town: Town) -> None:
    org = town.orgs["branch_north"]
    old = Household.objects.create(name="古", registered_by_organisation=org)
    new = Household.objects.create(name="新", registered_by_organisation=org)
    for household, when in ((old, aware(2025, 1, 5)), (old, aware(2025, 4, 5)), (new, aware(2025, 4, 6))):
        intake = _intake(town, when=when)
        Intake.objects.filter(pk=intake.pk).update(household=household)
    assert kpis.households_newly_connected(APRIL) == 1
    assert kpis.households_newly_connected(Filters()) == 2


def test_every_kpi_runs_in_the_same_number_of_queries_for_1_and_30_intakes(town: Town) -> None:
    def run_all() -> int:
        with CaptureQueriesContext(connection) as ctx:
            for name in (
                "consultations_by_window",
                "consultations_by_month",
                "referral_sources",
                "multi_issue",
                "households_newly_connected",
                "referral_times",
                "declines_by_reason",
                "leads_by_agency_type",
                "coordination_overstay_count",
                "gap_cases",
                "unmet_needs_by_district",
                "services_by_district",
                "help_requests_by_status",
                "volunteers_by_centre",
                "participation_by_status",
            ):
                getattr(kpis, name)(APRIL)
        return len(ctx.captured_queries)

    _intake(town, when=aware(2025, 4, 3))
    one = run_all()
    for day in range(1, 30):
        _intake(town, when=aware(2025, 4, day), side="south" if day % 2 else "north")
    assert run_all() == one


def test_overstay_count_agrees_with_the_case_rule(town: Town) -> None:
    import time_machine

    from tsunagiai.cases.actions import do_add_team_member
    from tsunagiai.cases.selectors import coordination_overstays
    from tsunagiai.cases.tests.helpers import open_case

    start = aware(2025, 4, 1)
    with time_machine.travel(start, tick=False):
        case = open_case(town, lead="coordination", user="coordinator")
    with time_machine.travel(start + dt.timedelta(days=5), tick=False):
        do_add_team_member(case, town.orgs["elderly_north"], acting_user=town.users["coordinator"])
    for days, expected in ((35, 0), (36, 1)):
        now = start + dt.timedelta(days=days)
        assert kpis.coordination_overstay_count(Filters(), now=now) == expected == len(coordination_overstays(now))


def test_multi_issue_households_span_their_intakes(town: Town) -> None:
    cats = {c.pk: c for c in IssueCategory.objects.all()}
    household = Household.objects.create(name="複合", registered_by_organisation=town.orgs["branch_north"])
    for category in ("elderly_care", "financial_hardship"):  # two intakes, one core type each
        intake = _intake(town, when=aware(2025, 4, 3), categories=[cats[category]])
        Intake.objects.filter(pk=intake.pk).update(household=household)
    share = kpis.multi_issue_households(APRIL)
    assert (share.part, share.whole) == (1, 1)
    assert kpis.multi_issue(APRIL).part == 0  # no single intake spans two types
