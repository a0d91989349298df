"""Trigram indexes for the person search on PostgreSQL (issue 14 item 3, migration people 0003).

``search_name``/``search_kana`` ``LIKE '%key%'`` read every person; a GIN index with
``gin_trgm_ops`` answers a key of three characters or more. SQLite gets no index.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from tsunagiai.people import selectors

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm indexes exist on PostgreSQL only"),
    pytest.mark.django_db,
]

INDEXES = {"people_person_search_name_trgm": "search_name", "people_person_search_kana_trgm": "search_kana"}


def test_the_migration_creates_trigram_indexes_on_the_search_keys() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() is not None
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'people_person' AND indexname = ANY(%s)",
            [list(INDEXES)],
        )
        found = dict(cursor.fetchall())
    assert set(found) == set(INDEXES)
    for name, column in INDEXES.items():
        assert "USING gin" in found[name]
        assert f"{column} gin_trgm_ops" in found[name]


def _plan(queryset: Any) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # A test database is tiny: make the planner show whether it *can* use the index. Plain index scans are
        # switched off too: without them a full ordered walk of the primary key (which a nearly empty table
        # invites) is not an option, and the only way left to apply LIKE '%…%' is a bitmap scan of a trigram index.
        cursor.execute("ANALYZE people_person")  # as autovacuum may have done: the plan must not depend on it
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_search_of_three_characters_or_more_can_use_the_trigram_indexes(town: Any) -> None:
    plan = _plan(selectors.person_list(town.users["coordinator"], query="すずき"))
    assert "Bitmap Index Scan on people_person_search_name_trgm" in plan
    assert "Bitmap Index Scan on people_person_search_kana_trgm" in plan
