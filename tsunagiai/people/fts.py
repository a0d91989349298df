"""The person search's full-text index on SQLite: an FTS5 table with the trigram tokenizer.

PostgreSQL answers ``search_name LIKE '%key%'`` from a pg_trgm GIN index (migration
``people 0003``). SQLite has no such index: a ``LIKE '%…%'`` reads every person. Its
equivalent is an FTS5 table tokenized into trigrams (SQLite ≥ 3.34): a phrase of three
characters or more matches exactly the rows that contain it as a substring, from the index.

``people_person_fts`` is an *external content* table over ``people_person`` (rowid = the
person's id, columns ``search_name`` and ``search_kana``): it stores only the index, and
``'rebuild'`` fills it again from the people. ``case_sensitive 1`` makes a match an exact
substring, as ``LIKE`` on the keys is (the keys and the query are lower-cased by
``matching.normalise``, so ``LIKE``'s ASCII case folding never comes into play).

Triggers keep it in step with every INSERT, DELETE and UPDATE of the two keys — ``bulk``'s
``executemany`` included (a trigger fires for each row of a plain INSERT). Django rebuilds a
SQLite table to alter it (copy, drop, rename), and dropping a table drops its triggers:
``ensure`` (run after every ``migrate``, see ``apps.py``) recreates missing triggers and then
rebuilds the index, so a later migration of ``Person`` cannot leave the search behind.

Nothing here runs on PostgreSQL (``available`` is False there).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection as default_connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

TABLE = "people_person_fts"
MIN_LENGTH = 3  # a trigram index cannot answer a shorter phrase (it matches no row)

# Literal SQL (no formatting): the table and its triggers are fixed names.
CREATE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS people_person_fts USING fts5("
    "search_name, search_kana, content='people_person', content_rowid='id', "
    "tokenize='trigram case_sensitive 1')"
)
TRIGGERS = {
    "people_person_fts_insert": (
        "CREATE TRIGGER IF NOT EXISTS people_person_fts_insert AFTER INSERT ON people_person BEGIN "
        "INSERT INTO people_person_fts(rowid, search_name, search_kana) "
        "VALUES (new.id, new.search_name, new.search_kana); "
        "END"
    ),
    "people_person_fts_delete": (
        "CREATE TRIGGER IF NOT EXISTS people_person_fts_delete AFTER DELETE ON people_person BEGIN "
        "INSERT INTO people_person_fts(people_person_fts, rowid, search_name, search_kana) "
        "VALUES ('delete', old.id, old.search_name, old.search_kana); "
        "END"
    ),
    "people_person_fts_update": (
        "CREATE TRIGGER IF NOT EXISTS people_person_fts_update AFTER UPDATE OF id, search_name, search_kana "
        "ON people_person BEGIN "
        "INSERT INTO people_person_fts(people_person_fts, rowid, search_name, search_kana) "
        "VALUES ('delete', old.id, old.search_name, old.search_kana); "
        "INSERT INTO people_person_fts(rowid, search_name, search_kana) "
        "VALUES (new.id, new.search_name, new.search_kana); "
        "END"
    ),
}
REBUILD = "INSERT INTO people_person_fts(people_person_fts) VALUES ('rebuild')"
MATCHING_IDS = "SELECT rowid FROM people_person_fts WHERE people_person_fts MATCH %s"


def supported(connection: Any = default_connection) -> bool:
    """SQLite with the trigram tokenizer (3.34 or newer)."""
    return bool(connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 34, 0))


def _names(cursor: Any, kind: str) -> set[str]:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = %s AND name LIKE %s", [kind, "people_person_fts%"])
    return {row[0] for row in cursor.fetchall()}


def install(connection: Any) -> None:
    """Create the index, its triggers, and fill it from the people there are (the migration)."""
    if not supported(connection):
        return
    with connection.cursor() as cursor:
        cursor.execute(CREATE_TABLE)
        for sql in TRIGGERS.values():
            cursor.execute(sql)
        cursor.execute(REBUILD)


def uninstall(connection: Any) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


def ensure(connection: Any) -> bool:
    """Recreate triggers a table rebuild dropped, then rebuild the index; True when it had to."""
    if not supported(connection):
        return False
    with connection.cursor() as cursor:
        if TABLE not in _names(cursor, "table"):
            return False  # not migrated that far yet (or migrated back): nothing to keep up
        missing = [name for name in TRIGGERS if name not in _names(cursor, "trigger")]
        if not missing:
            return False
        for name in missing:
            cursor.execute(TRIGGERS[name])
        cursor.execute(REBUILD)
    return True


def rebuild(connection: Any = default_connection) -> None:
    """Fill the index again from the people (after writing people with the triggers off)."""
    if supported(connection):
        with connection.cursor() as cursor:
            cursor.execute(REBUILD)


def available(connection: Any = default_connection) -> bool:
    """Whether the search may use the index: SQLite with trigram support (the migration created it)."""
    return supported(connection)


def phrase(key: str) -> str:
    """An FTS5 query matching ``key`` as a substring: one quoted phrase (``"`` doubled inside)."""
    return '"' + key.replace('"', '""') + '"'


def contains(key: str, *, field: str = "pk") -> Q | None:
    """``Q(<field> IN (ids whose search_name or search_kana contains key))`` from the index,
    or None when the index cannot answer (not SQLite, or a key under three characters)."""
    if len(key) < MIN_LENGTH or not available():
        return None
    ids = RawSQL(MATCHING_IDS, [phrase(key)])  # noqa: S611 - a fixed statement, the phrase is a parameter
    return Q(**{f"{field}__in": ids})


@contextmanager
def suspended(connection: Any = default_connection) -> Iterator[None]:
    """Bulk writes of people without the triggers, then one ``'rebuild'`` of the index.

    A trigger costs an FTS5 insert per row: at the toyota scale (60,000 people, plain
    ``executemany``) 5.7 s with the triggers against 0.7 s without them and 0.2–0.3 s
    for the rebuild (SQLite 3.40, measured for issue 14). Inside a transaction a failure
    rolls the dropped triggers back with everything else; outside one they are put back.
    """
    if not supported(connection):
        yield
        return
    with connection.cursor() as cursor:
        if TABLE not in _names(cursor, "table"):
            suspend = False
        else:
            suspend = True
            for name in TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    if not suspend:
        yield
        return
    try:
        yield
    except BaseException:
        if not connection.in_atomic_block:
            ensure(connection)
        raise
    ensure(connection)
