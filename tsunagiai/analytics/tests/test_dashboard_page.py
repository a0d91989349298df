"""The dashboard page: who may open it, counts only (no names), suppression on screen, drill-down, query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.testing import Town, aware

pytestmark = pytest.mark.django_db
URL = reverse("analytics:dashboard")
NAME = "秘密川"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


def _intakes(town: Town, n: int, side: str = "north") -> None:
    org = f"branch_{side}"
    user = f"caseworker_{side}"
    person = make_person(town, org=org, family_name=NAME, given_name="花子", town_block=town.blocks[side])
    for day in range(n):
        make_intake(
            town, org=org, user=user, person=person, is_anonymous=False, consulter_name="長女 " + NAME,
            received_at=aware(2025, 4, 1 + day % 28), town_block=town.blocks[side],
        )  # fmt: skip


@pytest.mark.parametrize("username", ["analyst", "coordinator", "supervisor_north", "admin"])
def test_aggregate_viewers_open_the_dashboard(client: Any, town: Town, username: str) -> None:
    _intakes(town, 7)
    client.force_login(town.users[username])
    response = client.get(URL)
    assert response.status_code == 200
    assert "北支所" in response.content.decode()


@pytest.mark.parametrize(
    "username", ["volunteer", "auditor", "caseworker_north", "intake_north", "elderly_worker", "fire_crew"]
)
def test_volunteers_auditors_and_branch_caseworkers_are_refused(client: Any, town: Town, username: str) -> None:
    client.force_login(town.users[username])
    assert client.get(URL).status_code == 403


def test_analyst_sees_counts_only_no_names_and_no_drill_down(client: Any, town: Town) -> None:
    _intakes(town, 7)
    client.force_login(town.users["analyst"])
    page = client.get(URL).content.decode()
    assert NAME not in page
    assert "花子" not in page
    assert reverse("intake:list") not in page
    assert 'id="table-window"' in page


def test_coordinator_counts_link_to_the_intake_list(client: Any, town: Town) -> None:
    _intakes(town, 7)
    client.force_login(town.users["coordinator"])
    page = client.get(URL).content.decode()
    assert f"{reverse('intake:list')}?receiving_organisation={town.orgs['branch_north'].pk}" in page
    assert NAME not in page


def test_small_counts_appear_as_under_five_in_tables_and_chart_data(client: Any, town: Town) -> None:
    _intakes(town, 12)
    _intakes(town, 2, side="south")
    client.force_login(town.users["analyst"])
    response = client.get(URL)
    page = response.content.decode()
    assert "&lt;5" in page
    south = next(c for c in response.context["charts"] if c["id"] == "chart-window")
    assert "<5" in south["displays"]
    assert None in south["values"]  # the chart never carries the suppressed number
    assert 2 not in south["values"]


def test_district_filter_changes_the_figures_and_htmx_gets_the_body(client: Any, town: Town) -> None:
    _intakes(town, 7)
    _intakes(town, 9, side="south")
    client.force_login(town.users["analyst"])
    south = town.areas["south_branch"].pk
    response = client.get(URL, {"area": south}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="dashboard-body"')
    assert "南支所" in body and "北支所" not in body


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2025-02-30"},
        {"date_from": "2025-05-01", "date_to": "2025-04-01"},
        {"area": "999999"},
        {"area": "abc"},
        {"organisation": "x"},
        {"date_to": "9999-12-31"},
    ],
)
def test_invalid_filters_are_reported_in_japanese_with_a_400(client: Any, town: Town, params: dict[str, str]) -> None:
    client.force_login(town.users["analyst"])
    client.cookies["django_language"] = "ja"
    response = client.get(URL, params, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 400
    page = response.content.decode()
    assert "error-summary" in page
    assert 'aria-describedby="id_' in page
    assert any(f"{label}:" in page for label in ("開始日", "終了日", "地区", "機関"))  # in Japanese, naming the field


def test_query_count_does_not_grow_with_the_data(client: Any, town: Town) -> None:
    client.force_login(town.users["analyst"])

    def count() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    _intakes(town, 1)
    one = count()
    _intakes(town, 29, side="south")
    assert count() == one


def test_the_second_request_is_served_from_the_cache_until_the_data_change(client: Any, town: Town) -> None:
    _intakes(town, 6)
    client.force_login(town.users["analyst"])
    client.get(URL)
    with CaptureQueriesContext(connection) as ctx:
        client.get(URL)
    cached = len(ctx.captured_queries)
    assert cached < 12
    _intakes(town, 1)
    page = client.get(URL).content.decode()
    assert 'data-kpi="consultations">7<' in page


@pytest.mark.parametrize(("style", "label"), [("era", "令和7年4月"), ("western", "2025年4月")])
def test_months_follow_the_users_date_style(client: Any, town: Town, style: str, label: str) -> None:
    _intakes(town, 6)
    analyst = town.users["analyst"]
    analyst.date_style = style
    analyst.save(update_fields=["date_style"])
    client.force_login(analyst)
    response = client.get(URL)
    months = next(c for c in response.context["charts"] if c["id"] == "chart-month")
    assert months["labels"] == [label]
