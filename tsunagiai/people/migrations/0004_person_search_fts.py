"""The person search's full-text index on SQLite (issue 14): FTS5, trigram tokenizer.

The SQLite counterpart of 0003's pg_trgm indexes: an external-content FTS5 table
``people_person_fts`` over ``search_name`` and ``search_kana``, triggers that keep it
in step with ``people_person``, and the index filled from the people already there.
See ``tsunagiai.people.fts``. PostgreSQL: nothing. The reverse drops table and triggers.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def create_index(apps: Any, schema_editor: Any) -> None:
    from tsunagiai.people import fts

    fts.install(schema_editor.connection)


def drop_index(apps: Any, schema_editor: Any) -> None:
    from tsunagiai.people import fts

    fts.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_person_search_trigram_indexes"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
