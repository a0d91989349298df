from __future__ import annotations

import datetime as dt

import pytest

from tsunagiai.people.selectors import current_household, parse_date_query, search_people
from tsunagiai.people.tests.factories import make_household, make_person

pytestmark = pytest.mark.django_db


def test_search_finds_old_kanji_form_by_new_form_and_kana(town):
    person = make_person(town, "髙橋", "一郎", family_name_kana="タカハシ", given_name_kana="イチロウ")
    user = town.users["caseworker_north"]
    assert search_people(user, "高橋") == [person]
    assert search_people(user, "たかはし いちろう") == [person]
    assert search_people(user, "ﾀｶﾊｼ") == [person]
    assert search_people(user, "高橋 一郎") == [person]
    assert search_people(user, "髙橋一郎") == [person]


def test_search_puts_prefix_matches_before_contains_matches(town):
    contains = make_person(town, "大山田", "太郎", family_name_kana="オオヤマダ", given_name_kana="タロウ")
    prefix = make_person(town, "山田", "太郎", family_name_kana="ヤマダ", given_name_kana="タロウ")
    assert search_people(town.users["caseworker_north"], "やまだ") == [prefix, contains]


def test_search_by_birth_date_in_western_and_era_forms(town):
    person = make_person(town, birth_date=dt.date(1950, 4, 1))
    make_person(town, "佐藤", birth_date=dt.date(1950, 4, 2))
    user = town.users["caseworker_north"]
    assert search_people(user, "1950-04-01") == [person]
    assert search_people(user, "1950/4/1") == [person]
    assert search_people(user, "昭和25年4月1日") == [person]
    assert search_people(user, "S25.4.1") == [person]


def test_search_never_shows_another_organisations_people(town):
    make_person(town, "南野", organisation=town.orgs["branch_south"], acting_user=town.users["caseworker_south"])
    assert search_people(town.users["caseworker_north"], "南野") == []
    assert len(search_people(town.users["caseworker_south"], "南野")) == 1
    assert len(search_people(town.users["coordinator"], "南野")) == 1
    for role in ("analyst", "volunteer", "admin", "auditor"):
        assert search_people(town.users[role], "南野") == []


def test_search_loads_current_household_without_extra_queries(town, django_assert_num_queries):
    person = make_person(town)
    household = make_household(town, [(person, "head")])
    user = town.users["caseworker_north"]
    search_people(user, "山田")  # memberships cached
    with django_assert_num_queries(2):
        results = search_people(user, "山田")
        assert current_household(results[0]) == household


def test_parse_date_query_refuses_impossible_dates():
    assert parse_date_query("2025-02-30") is None
    assert parse_date_query("平成元年1月8日") == dt.date(1989, 1, 8)
    assert parse_date_query("やまだ") is None


@pytest.mark.parametrize(
    ("typed", "born"),
    [
        ("昭和65年1月1日", dt.date(1990, 1, 1)),  # Shōwa ended on 7 January 1989 (平成2年 is 1990)
        ("昭和64年1月8日", dt.date(1989, 1, 8)),
        ("H99.1.1", None),  # would be 2087: no one is born in the future, but neither is it a date
        ("平成31年5月1日", dt.date(2019, 5, 1)),
    ],
)
def test_search_by_an_era_date_that_never_existed_finds_nobody(town, typed: str, born: dt.date | None) -> None:
    if born is not None:
        make_person(town, birth_date=born)
    assert parse_date_query(typed) is None
    assert search_people(town.users["caseworker_north"], typed) == []


def test_search_by_the_last_day_of_an_era_finds_the_person(town) -> None:
    person = make_person(town, birth_date=dt.date(1989, 1, 7))
    assert search_people(town.users["caseworker_north"], "昭和64年1月7日") == [person]
    assert search_people(town.users["caseworker_north"], "Ｓ６４．１．７") == [person]
