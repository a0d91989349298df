"""Finding resources for a case: ranking, reasons in words, area and neighbours, target groups, schedule, capacity."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tsunagiai.community import matching, selectors
from tsunagiai.community.tests.conftest import World, make_service
from tsunagiai.people.models import Person
from tsunagiai.reference.models import TownBlock

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _find(world: World, **search: Any) -> selectors.ResourceResult:
    user = world.town.users["caseworker_north"]
    return selectors.find_resources(user, world.case, selectors.ResourceSearch(**search), today=dt.date(2026, 3, 2))


def _names(result: selectors.ResourceResult) -> list[str]:
    return [m.service.name for m in result.matches]


def _reasons(result: selectors.ResourceResult, name: str) -> list[str]:
    return next([str(r) for r in m.reasons] for m in result.matches if m.service.name == name)


def test_resources_are_ranked_by_need_area_and_mobility_with_reasons_in_words(world: World) -> None:
    result = _find(world)
    names = _names(result)
    # The dementia café helps with a need of the case, in the neighbouring district.
    assert "認知症に対応" in _reasons(result, "認知症カフェ みどり")
    assert "となりの小学校区" in _reasons(result, "認知症カフェ みどり")
    assert "同じ小学校区" in _reasons(result, "ふれあいサロン北")
    assert "ひきこもり・孤立に対応" in _reasons(result, "ふれあいサロン北")
    assert "送迎あり" in _reasons(result, "おでかけ支援 北")
    # Full: ranked last, saying why.
    assert names[-1] == "満員の体操教室"
    assert "空きなし" in _reasons(result, "満員の体操教室")
    # Care level 3: cannot travel alone, so what comes to her (transport, visits) is listed first.
    assert names[:2] == ["北お助け隊の生活支援", "おでかけ支援 北"]
    assert "訪問あり" in _reasons(result, "北お助け隊の生活支援")
    going = _names(_find(world, cannot_travel=False))
    assert going.index("ふれあいサロン北") < going.index("おでかけ支援 北")


def test_services_outside_the_persons_area_target_group_or_status_are_not_candidates(world: World) -> None:
    names = _names(_find(world))
    assert "南のサロン" not in names  # another junior-high district
    assert "こども食堂 北" not in names  # for children and parents only
    assert "終了したサロン" not in names  # not active


def test_staff_see_internal_resources(world: World) -> None:
    assert "職員向け 専門相談" in _names(_find(world))


def test_a_person_who_cannot_travel_gets_transport_first(world: World) -> None:
    staying = _find(world, cannot_travel=True)
    going = _find(world, cannot_travel=False)
    outing_staying = next(m.score for m in staying.matches if m.service.name == "おでかけ支援 北")
    outing_going = next(m.score for m in going.matches if m.service.name == "おでかけ支援 北")
    assert outing_staying > outing_going
    # By default from the care level: care level 3 cannot travel alone.
    assert _find(world).profile is not None and _find(world).profile.cannot_travel  # type: ignore[union-attr]


def test_weekday_filter_keeps_services_open_that_day(world: World) -> None:
    names = _names(_find(world, weekday=4))  # Friday
    assert names == ["おでかけ支援 北"]
    assert "認知症カフェ みどり" in _names(_find(world, weekday=2))  # the second Wednesday of the month


def test_service_type_filter(world: World) -> None:
    assert _names(_find(world, service_type="dementia_cafe")) == ["認知症カフェ みどり"]


def test_next_opening_for_weekly_and_monthly_schedules(world: World) -> None:
    result = _find(world)
    by_name = {m.service.name: m.next_opening for m in result.matches}
    assert by_name["ふれあいサロン北"] == (dt.date(2026, 3, 2), dt.time(10, 0))  # Monday, today
    assert by_name["認知症カフェ みどり"] == (dt.date(2026, 3, 11), dt.time(10, 0))  # 2nd Wednesday of March
    assert by_name["職員向け 専門相談"] is None


def test_next_opening_rolls_over_to_next_month() -> None:
    schedule = type("S", (), {"byday": "-1FR", "freq": "MONTHLY", "opens_at": None})()
    assert matching.next_opening([schedule], dt.date(2026, 3, 28)) == (dt.date(2026, 4, 24), None)  # type: ignore[list-item]


def test_neighbours_are_the_other_elementary_districts_of_the_junior_high_district(world: World) -> None:
    block = TownBlock.objects.get(pk=world.town.blocks["north"].pk)
    assert matching.neighbour_elementary_ids(block) == frozenset({world.neighbour.pk})
    assert matching.neighbour_elementary_ids(None) == frozenset()


@pytest.mark.parametrize(
    ("fields", "categories", "expected"),
    [
        ({"birth_date": dt.date(1950, 1, 1)}, (), {"all_ages", "elderly"}),
        ({"birth_date": dt.date(2015, 1, 1)}, (), {"all_ages", "children"}),
        ({"birth_date": dt.date(1980, 1, 1), "certificate_mental": True}, (), {"all_ages", "disabled"}),
        ({"public_assistance": True}, (), {"all_ages", "low_income"}),
        ({"primary_language": "pt"}, (), {"all_ages", "foreign"}),
        ({"birth_date": dt.date(1990, 1, 1)}, ("child_rearing",), {"all_ages", "parents"}),
    ],
)
def test_target_groups_of_a_person(fields: dict[str, Any], categories: tuple[str, ...], expected: set[str]) -> None:
    person = Person(family_name="試験", **fields)
    assert matching.person_target_groups(person, categories, on=dt.date(2026, 3, 2)) == expected


def test_a_case_with_no_town_block_finds_only_city_wide_resources(world: World) -> None:
    Person.objects.filter(pk=world.person.pk).update(town_block=None)
    world.case.household.town_block = None
    world.case.household.save(update_fields=["town_block"])
    world.case.refresh_from_db()
    assert _names(_find(world)) == ["職員向け 専門相談"]


def _count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_matching_page_makes_the_same_number_of_queries_for_1_and_30_resources(client: Any, world: World) -> None:
    client.force_login(world.town.users["caseworker_north"])
    url = f"/community/cases/{world.case.pk}/resources/"
    one = _count_queries(client, url)
    for i in range(30):
        make_service(
            f"サロン{i}",
            types=("salon",),
            groups=("elderly",),
            categories=("social_isolation",),
            areas=(world.town.areas["north_elementary"],),
            byday="WE",
        )
    thirty = _count_queries(client, url)
    assert one == thirty
    assert "サロン29" in client.get(url).content.decode()


@time_machine.travel(MONDAY, tick=False)
def test_the_matching_page_shows_reasons_and_a_propose_button(client: Any, world: World) -> None:
    client.force_login(world.town.users["caseworker_north"])
    page = client.get(f"/community/cases/{world.case.pk}/resources/").content.decode()
    assert "認知症に対応" in page and "送迎あり" in page and "空きなし" in page
    assert "参加支援" in page


def test_invalid_search_input_answers_4xx_free_page_in_japanese(client: Any, world: World) -> None:
    client.force_login(world.town.users["caseworker_north"])
    response = client.get(f"/community/cases/{world.case.pk}/resources/?weekday=9&person=abc")
    assert response.status_code == 200
    assert "開いている曜日" in response.content.decode()
