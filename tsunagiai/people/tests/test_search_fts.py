"""The SQLite person search index (FTS5 trigram, migration people 0004; issue 14).

On SQLite a search of three characters or more takes its ids from ``people_person_fts``
instead of ``LIKE '%key%'`` over every person; the answer must be the same, row for row
and in the same order. On PostgreSQL (pg_trgm, migration 0003) the index does not exist:
the same searches run with ``LIKE`` and must find the same people.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tsunagiai.people import fts, matching, selectors
from tsunagiai.people.actions import do_update_person
from tsunagiai.people.models import Person
from tsunagiai.people.tests.factories import make_household, make_person

pytestmark = pytest.mark.django_db

ON_SQLITE = fts.supported(connection)
needs_the_index = pytest.mark.skipif(
    not ON_SQLITE,
    reason=(
        f"the FTS5 trigram index exists only on SQLite 3.34 or newer (this run: {connection.vendor}, SQLite "
        f"library {sqlite3.sqlite_version}); PostgreSQL's pg_trgm index is tested in test_search_indexes_postgres.py"
    ),
)

# (typed, whom it must find): kana folding, half width, long vowel, 異体字, spaces, two words, short keys.
QUERIES = [
    ("すずき", {"鈴木一郎", "鈴木ユーコ", "大鈴木花子"}),
    ("スズキ", {"鈴木一郎", "鈴木ユーコ", "大鈴木花子"}),
    ("ｽｽﾞｷ", {"鈴木一郎", "鈴木ユーコ", "大鈴木花子"}),
    ("鈴木一郎", {"鈴木一郎"}),
    ("ﾕｰｺ", {"鈴木ユーコ"}),
    ("ゆーこ", {"鈴木ユーコ"}),
    ("すずき ゆーこ", {"鈴木ユーコ"}),
    ("髙橋", {"髙橋一郎", "高橋次郎"}),
    ("高橋一郎", {"髙橋一郎"}),
    ("たかはし", {"髙橋一郎", "高橋次郎"}),
    ("齋藤", {"斎藤葉子"}),
    ("斉藤 ようこ", {"斎藤葉子"}),
    ("佐藤 ようこ", set()),
    ("斎藤 ようこ", {"斎藤葉子"}),
    ("渡邉", {"渡辺純"}),
    ("わたなべ　じゅん", {"渡辺純"}),
    ("ワタナベジュン", {"渡辺純"}),
    ("鈴木", {"鈴木一郎", "鈴木ユーコ", "大鈴木花子"}),
    ("木", {"鈴木一郎", "鈴木ユーコ", "大鈴木花子"}),
    ("ジロ", {"高橋次郎"}),
    ("ぢろう", {"高橋次郎"}),
    ("100%", set()),
    ('"ス', set()),
    ("no_one", set()),
]


@pytest.fixture
def people(town: Any) -> dict[str, Person]:
    made = {
        "鈴木一郎": make_person(town, "鈴木", "一郎", family_name_kana="スズキ", given_name_kana="イチロウ"),
        "鈴木ユーコ": make_person(town, "鈴木", "ユーコ", family_name_kana="スズキ", given_name_kana="ユーコ"),
        "大鈴木花子": make_person(town, "大鈴木", "花子", family_name_kana="オオスズキ", given_name_kana="ハナコ"),
        "髙橋一郎": make_person(town, "髙橋", "一郎", family_name_kana="タカハシ", given_name_kana="イチロウ"),
        "高橋次郎": make_person(town, "高橋", "次郎", family_name_kana="ﾀｶﾊｼ", given_name_kana="ジロウ"),
        "斎藤葉子": make_person(town, "齋藤", "葉子", family_name_kana="サイトウ", given_name_kana="ヨウコ"),
        "渡辺純": make_person(town, "渡邊", "純", family_name_kana="わたなべ", given_name_kana="じゅん"),
        "山田花子": make_person(town, birth_date=dt.date(1950, 4, 1)),
    }
    make_household(town, [(made["鈴木一郎"], "head"), (made["鈴木ユーコ"], "spouse")], name="鈴木家")
    return made


def test_the_index_exists_exactly_where_it_is_supported() -> None:
    """Never skipped: the migration made the index wherever fts.supported says so, and nowhere else."""
    tables = set(connection.introspection.table_names())
    assert (fts.TABLE in tables) == ON_SQLITE
    assert (connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 34, 0)) == ON_SQLITE


def _ids(queryset: Any) -> list[int]:
    return [person.pk for person in queryset]


def test_the_index_answers_exactly_as_like_does(town: Any, people: dict[str, Person]) -> None:
    names = {person.pk: name for name, person in people.items()}
    for login in ("caseworker_north", "coordinator"):
        user = town.users[login]
        for typed, expected in QUERIES:
            with CaptureQueriesContext(connection) as captured:
                indexed = _ids(selectors.person_list(user, query=typed))
            households = _ids(selectors.household_list(user, query=typed))
            used_index = any(f"{fts.TABLE} MATCH" in query["sql"] for query in captured.captured_queries)
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(fts, "available", lambda connection=None: False)
                assert _ids(selectors.person_list(user, query=typed)) == indexed, typed
                assert _ids(selectors.household_list(user, query=typed)) == households, typed
            assert {names[pk] for pk in indexed} == expected, typed
            # SQLite: every key of three characters or more goes through the index; PostgreSQL never.
            assert used_index == (ON_SQLITE and len(matching.normalise(typed)) >= fts.MIN_LENGTH), typed


def test_a_search_through_the_index_is_still_limited_to_what_the_user_may_see(town: Any, people: Any) -> None:
    make_person(
        town,
        "鈴木",
        "南子",
        family_name_kana="スズキ",
        given_name_kana="ミナコ",
        organisation=town.orgs["branch_south"],
        acting_user=town.users["caseworker_south"],
    )
    north = {person.given_name for person in selectors.search_people(town.users["caseworker_north"], "すずき")}
    assert north == {"一郎", "ユーコ", "花子"}
    south = [person.given_name for person in selectors.search_people(town.users["caseworker_south"], "すずき")]
    assert south == ["南子"]
    assert selectors.search_people(town.users["analyst"], "すずき") == []


def test_the_index_follows_new_renamed_and_deleted_people(town: Any) -> None:
    user = town.users["caseworker_north"]
    person = make_person(town, "長谷川", "蓮", family_name_kana="ハセガワ", given_name_kana="レン")
    assert selectors.search_people(user, "はせがわ") == [person]
    person = do_update_person(
        person,
        acting_user=user,
        expected_version=person.version,
        family_name="長谷部",
        family_name_kana="ハセベ",
    )
    assert selectors.search_people(user, "はせがわ") == []
    assert selectors.search_people(user, "はせべれん") == [person]
    Person.objects.filter(pk=person.pk).update(search_name="ちがうなまえ", search_kana="チガウナマエ")
    assert selectors.search_people(user, "はせべ") == []
    assert selectors.search_people(user, "ちがうなま") == [person]
    Person.objects.filter(pk=person.pk).delete()
    assert selectors.search_people(town.users["coordinator"], "ちがうなま") == []


@needs_the_index
def test_migrate_puts_back_triggers_that_a_table_rebuild_dropped(town: Any) -> None:
    user = town.users["caseworker_north"]
    with connection.cursor() as cursor:
        for name in fts.TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")  # as Django's rebuild of people_person would
    person = make_person(town, "長谷川", "蓮", family_name_kana="ハセガワ", given_name_kana="レン")
    assert selectors.search_people(user, "はせがわ") == []  # out of step: why ensure exists
    assert fts.ensure(connection) is True
    assert selectors.search_people(user, "はせがわ") == [person]
    assert fts.ensure(connection) is False  # nothing missing: nothing done


@needs_the_index
def test_the_index_is_an_exact_substring_match_of_the_stored_keys(town: Any, people: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_name, search_kana FROM people_person")
        keys = cursor.fetchall()
        for key in ("スズキ", "ズキイ", "ハシジ", "高橋次", "ABC", "abc", "イチロ"):
            cursor.execute(fts.MATCHING_IDS, [fts.phrase(key)])
            assert len(cursor.fetchall()) == sum(1 for name, kana in keys if key in name or key in kana), key
