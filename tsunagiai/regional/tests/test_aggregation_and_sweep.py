"""Unmet needs aggregate in the database; the sweep proposes a regional issue once per cluster."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings

from tsunagiai.audit.models import AuditEvent
from tsunagiai.core.errors import ActionRefused
from tsunagiai.inbox.models import InboxItem
from tsunagiai.reference.models import Area
from tsunagiai.regional.actions import (
    do_change_issue_status,
    do_create_regional_issue,
    sweep_regional_clusters,
)
from tsunagiai.regional.models import IssueStatus, RegionalIssue, UnmetNeed
from tsunagiai.regional.selectors import unmet_need_counts, window_start
from tsunagiai.regional.tests.helpers import category, make_case, record_needs
from tsunagiai.testing import Town

TODAY = dt.date(2025, 6, 15)
NOON = "2025-06-15 12:00:00+09:00"


@pytest.fixture
def frozen() -> object:
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def test_an_unmet_need_defaults_to_the_focus_persons_elementary_district_and_stores_its_ancestors(
    town: Town, frozen: object
) -> None:
    case = make_case(town)
    (need,) = record_needs(town, case, 1)
    assert need.area == town.areas["north_elementary"]
    assert need.branch_area == town.areas["north_branch"]
    assert need.junior_high_district is not None and need.junior_high_district.code == "north-jh"
    assert AuditEvent.objects.filter(action="regional.unmet_need_recorded", object_id=str(need.pk)).exists()


def test_an_unmet_need_refuses_an_area_that_is_not_an_elementary_district_and_a_future_date(
    town: Town, frozen: object
) -> None:
    case = make_case(town)
    with pytest.raises(ActionRefused) as refused:
        record_needs(town, case, 1, area=town.areas["north_branch"])
    assert refused.value.field == "area"
    with pytest.raises(ActionRefused):
        record_needs(town, case, 1, on=TODAY + dt.timedelta(days=1))
    assert not UnmetNeed.objects.exists()


def test_counts_by_area_and_category_at_every_level(town: Town, frozen: object) -> None:
    north, south = make_case(town, "north"), make_case(town, "south")
    first, second = category(), category("mobility_shopping")
    record_needs(town, north, 3, code=first.pk)
    record_needs(town, north, 2, code=second.pk)
    record_needs(town, south, 4, code=first.pk)
    elementary = {(r.area.code, r.category.pk): r.count for r in unmet_need_counts(Area.Level.ELEMENTARY_DISTRICT)}
    assert elementary == {("north-el", first.pk): 3, ("north-el", second.pk): 2, ("south-el", first.pk): 4}
    branch = {(r.area.code, r.category.pk): r.count for r in unmet_need_counts(Area.Level.BRANCH_AREA)}
    assert branch == {("north-branch", first.pk): 3, ("north-branch", second.pk): 2, ("south-branch", first.pk): 4}


def test_counting_is_one_group_by_and_two_name_lookups(
    town: Town, frozen: object, django_assert_num_queries: object
) -> None:
    case = make_case(town)
    record_needs(town, case, 7)
    with django_assert_num_queries(3):  # type: ignore[operator]
        unmet_need_counts(Area.Level.JUNIOR_HIGH_DISTRICT)


def test_below_the_threshold_nothing_is_proposed_and_at_it_one_issue_is(town: Town, frozen: object) -> None:
    case = make_case(town)
    record_needs(town, case, 4)
    assert sweep_regional_clusters() == 0
    record_needs(town, case, 1)
    assert sweep_regional_clusters() == 1
    issue = RegionalIssue.objects.get()
    assert issue.status == IssueStatus.IDENTIFIED
    assert issue.area == town.areas["north_elementary"]
    assert list(issue.categories.all()) == [category()]
    assert issue.proposed_count == 5


@override_settings(TSUNAGIAI_REGIONAL_THRESHOLD=3, TSUNAGIAI_REGIONAL_WINDOW_MONTHS=6)
def test_the_threshold_and_the_window_are_settings_and_the_window_edges_hold(town: Town, frozen: object) -> None:
    case = make_case(town)
    start = window_start(TODAY)
    assert start == dt.date(2024, 12, 16)
    record_needs(town, case, 2, on=start)  # the first day inside the window
    record_needs(town, case, 5, on=start - dt.timedelta(days=1))  # the day before: outside
    assert sweep_regional_clusters() == 0
    record_needs(town, case, 1, on=TODAY)
    assert sweep_regional_clusters() == 1


def test_a_cluster_spread_over_two_districts_does_not_count_as_one(town: Town, frozen: object) -> None:
    record_needs(town, make_case(town, "north"), 3)
    record_needs(town, make_case(town, "south"), 3)
    assert sweep_regional_clusters() == 0


def test_a_second_sweep_proposes_nothing_twice_and_an_open_issue_of_staff_blocks_a_proposal(
    town: Town, frozen: object
) -> None:
    case = make_case(town)
    record_needs(town, case, 6)
    assert sweep_regional_clusters() == 1
    record_needs(town, case, 3)
    assert sweep_regional_clusters() == 0
    assert RegionalIssue.objects.count() == 1
    other = category("mobility_shopping")
    do_create_regional_issue(
        acting_user=town.users["coordinator"],
        title="手作業で登録",
        area=town.areas["north_elementary"],
        categories=[other],
    )
    record_needs(town, case, 5, code=other.pk)
    assert sweep_regional_clusters() == 0
    assert RegionalIssue.objects.count() == 2


def test_after_the_issue_is_resolved_a_new_cluster_is_proposed_again(town: Town, frozen: object) -> None:
    case = make_case(town)
    record_needs(town, case, 5)
    sweep_regional_clusters()
    RegionalIssue.objects.update(status=IssueStatus.RESOLVED)
    assert sweep_regional_clusters() == 1


def test_the_proposal_goes_to_the_branch_office_and_the_csw_covering_the_district(town: Town, frozen: object) -> None:
    record_needs(town, make_case(town), 5)
    sweep_regional_clusters()
    issue = RegionalIssue.objects.get()
    recipients = set(InboxItem.objects.filter(kind="regional_issue").values_list("organisation__code", flat=True))
    assert recipients == {"branch_north", "csw"}
    item = InboxItem.objects.filter(organisation=town.orgs["branch_north"]).get(kind="regional_issue")
    assert item.url == f"/regional/{issue.pk}/"
    assert issue.title in item.title


def test_taking_the_proposal_up_resolves_its_items(town: Town, frozen: object) -> None:
    record_needs(town, make_case(town), 5)
    sweep_regional_clusters()
    issue = RegionalIssue.objects.get()
    assert {item.subject for item in InboxItem.objects.filter(kind="regional_issue")} == {issue}
    do_change_issue_status(
        issue,
        to=IssueStatus.DISCUSSED,
        reason="地域ケア会議で検討",
        acting_user=town.users["coordinator"],
        expected_version=issue.version,
    )
    assert not InboxItem.objects.filter(kind="regional_issue", resolved_at__isnull=True).exists()


def test_run_sweeps_runs_the_regional_sweep(town: Town) -> None:
    with time_machine.travel(NOON, tick=False):
        record_needs(town, make_case(town), 5)
    with time_machine.travel("2025-07-01 09:00:00+09:00", tick=False):
        out = StringIO()
        call_command("run_sweeps", stdout=out)
    assert "regional_issues=1" in out.getvalue()
    with time_machine.travel("2026-07-01 09:00:00+09:00", tick=False):  # the needs left the window
        RegionalIssue.objects.update(status=IssueStatus.RESOLVED)
        out = StringIO()
        call_command("run_sweeps", stdout=out)
    assert "regional_issues=0" in out.getvalue()


def test_recording_through_the_case_page(client: object, town: Town, frozen: object) -> None:
    case = make_case(town)
    client.force_login(town.users["caseworker_north"])  # type: ignore[attr-defined]
    response = client.post(  # type: ignore[attr-defined]
        f"/regional/cases/{case.pk}/unmet-needs/",
        {"category": category().pk, "what_was_missing": "夜間の見守りがない", "noted_on": "2025-06-10"},
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{case.pk}/")  # type: ignore[attr-defined]
    assert "夜間の見守りがない" in page.content.decode()


def test_the_case_page_form_refuses_bad_input_naming_the_field(client: object, town: Town, frozen: object) -> None:
    case = make_case(town)
    client.force_login(town.users["caseworker_north"])  # type: ignore[attr-defined]
    response = client.post(  # type: ignore[attr-defined]
        f"/regional/cases/{case.pk}/unmet-needs/",
        {"category": "no-such-code", "what_was_missing": "x" * 1001, "noted_on": "2025-02-30"},
    )
    assert response.status_code == 400
    assert not UnmetNeed.objects.exists()


def test_another_branch_cannot_record_in_a_case_it_is_not_on(client: object, town: Town, frozen: object) -> None:
    case = make_case(town)
    client.force_login(town.users["caseworker_south"])  # type: ignore[attr-defined]
    response = client.post(  # type: ignore[attr-defined]
        f"/regional/cases/{case.pk}/unmet-needs/",
        {"category": category().pk, "what_was_missing": "x", "noted_on": "2025-06-10"},
    )
    assert response.status_code == 404
