"""The person search evaluates the visibility once per request (issue 14 item 3).

For a user outside the coordination section, what they may see is ``pk IN (… UNION …)``
(accounts.access.visible_people), the heaviest part of a search at city scale. The page
and the API used to run it twice, for the count and for the page's rows; the rows now
carry the total (``COUNT(*) OVER ()``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tsunagiai.people import selectors
from tsunagiai.people.models import Person
from tsunagiai.people.tests.factories import make_household, make_person
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(dt.datetime(2025, 6, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def _people(town: Town, count: int) -> None:
    for index in range(count):
        person = make_person(town, "鈴木", f"名{index}", family_name_kana="スズキ", given_name_kana="ナ")
        make_household(town, [(person, "head")])


def _visibility_runs(client: Any, url: str) -> tuple[int, Any]:
    client.get(url)  # warm caches (session, translations)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return sum(1 for query in queries.captured_queries if " UNION " in query["sql"]), response


def test_the_search_page_of_a_branch_office_evaluates_the_visibility_once(client: Any, town: Town) -> None:
    _people(town, 30)
    client.force_login(town.users["caseworker_north"])
    runs, response = _visibility_runs(client, reverse("people:search") + "?q=すずき")
    assert runs == 1
    assert response.context["page"].paginator.count == 30
    assert len(response.context["page"].object_list) == 25
    assert response.context["page"].has_next()


def test_the_person_api_of_a_branch_office_evaluates_the_visibility_once(client: Any, town: Town) -> None:
    _people(town, 30)
    client.force_login(town.users["caseworker_north"])
    runs, response = _visibility_runs(client, "/api/v1/persons?q=%E9%88%B4%E6%9C%A8")  # 鈴木
    assert runs == 1
    body = response.json()
    assert (body["count"], body["page"], body["pages"], len(body["items"])) == (30, 1, 1, 30)


@pytest.mark.parametrize("number", [None, "1", "2", "3", "99", "0", "-1", "abc", "2.0", str(10**30)])
def test_a_page_with_its_total_is_the_page_the_paginator_gives(town: Town, number: str | None) -> None:
    _people(town, 30)
    user = town.users["caseworker_north"]
    expected = Paginator(selectors.person_list(user, query="鈴木"), 12).get_page(number)
    page = selectors.page_with_total(selectors.person_list(user, query="鈴木"), number, 12)
    assert (page.number, page.paginator.count, page.paginator.num_pages) == (
        expected.number,
        expected.paginator.count,
        expected.paginator.num_pages,
    )
    assert [p.pk for p in page.object_list] == [p.pk for p in expected.object_list]


def test_an_empty_search_has_one_empty_page(town: Town) -> None:
    page = selectors.page_with_total(Person.objects.none(), "1", 25)
    assert (page.number, page.paginator.count, list(page.object_list)) == (1, 0, [])


def test_the_coordination_sections_unfiltered_list_counts_apart_and_a_search_does_not(town: Town) -> None:
    coordinator, caseworker = town.users["coordinator"], town.users["caseworker_north"]
    assert not selectors.total_with_the_page(coordinator, "")
    assert not selectors.total_with_the_page(coordinator, "   ")
    assert selectors.total_with_the_page(coordinator, "鈴木")
    assert selectors.total_with_the_page(caseworker, "")


def test_a_page_counted_apart_is_the_paginators_page(town: Town) -> None:
    _people(town, 3)
    people = selectors.person_list(town.users["coordinator"])
    page = selectors.page_with_total(people, "1", 2, in_one_query=False)
    assert (page.paginator.count, [p.pk for p in page.object_list]) == (
        Person.objects.count(),
        [p.pk for p in Paginator(people, 2).get_page("1").object_list],
    )


def _touch_related(rows: list[Any]) -> int:
    """Queries made reading what a list's template reads of each row (its joined and prefetched rows)."""
    with CaptureQueriesContext(connection) as queries:
        for row in rows:
            if isinstance(row, Person):
                str(row.town_block)
                selectors.current_household(row)
            else:
                str(row.town_block)
                list(row.memberships.all())
    return len(queries)


@pytest.mark.parametrize("kind", ["people", "households"])
def test_the_rows_of_a_page_keep_the_lists_related_rows(town: Town, kind: str) -> None:
    """The rows are fetched by key after counting: they must carry what the paginator's rows carry."""
    _people(town, 5)
    user = town.users["caseworker_north"]
    make = (
        (lambda: selectors.person_list(user, query="鈴木"))
        if kind == "people"
        else (lambda: selectors.household_list(user))
    )
    ours = list(selectors.page_with_total(make(), "1", 3).object_list)
    theirs = list(Paginator(make(), 3).get_page("1").object_list)
    assert [r.pk for r in ours] == [r.pk for r in theirs]
    assert _touch_related(ours) == _touch_related(theirs)
