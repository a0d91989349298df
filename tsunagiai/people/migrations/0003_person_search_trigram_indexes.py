"""Trigram indexes for the person search on PostgreSQL (issue 14 item 3).

The search is ``search_name LIKE '%key%' OR search_kana LIKE '%key%'`` on the
normalised keys (people.matching). A B-tree index helps only a prefix; on
PostgreSQL a GIN index with ``gin_trgm_ops`` (pg_trgm) answers a contains of
three characters or more with a bitmap index scan instead of reading every
person. pg_trgm splits Japanese into trigrams only where the database's
LC_CTYPE classifies kana and kanji as letters (C.UTF-8, ja_JP.UTF-8 do; plain
"C" does not: there the index exists but is never chosen).

SQLite: nothing (the search stays a scan there; see docs/performance.md).
The reverse drops the indexes and leaves the extension, which other database
objects may have come to use.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

INDEXES = {
    "people_person_search_name_trgm": "search_name",
    "people_person_search_kana_trgm": "search_kana",
}


def create_trigram_indexes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "people_person" USING gin ("{column}" gin_trgm_ops)'
        )


def drop_trigram_indexes(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_person_use_suspended"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
