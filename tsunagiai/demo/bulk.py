"""Fast inserts for generated rows: plain ``executemany`` with ids assigned in advance.

``bulk_create`` spends about 0.3 ms per row building model instances and
compiling SQL; at the toyota scale (≈250,000 rows) that alone is well over a
minute on a small machine. The demo rows are plain values we made ourselves,
so they go in through one prepared INSERT per table instead, with every
column given (the model defaults are read once per field) and values adapted
by the backend's own ``adapt_*`` functions (on PostgreSQL the rows go through\nCOPY). Primary keys are assigned from the
current maximum, so related rows can point at them without a read-back; on
PostgreSQL the sequences are moved past them afterwards.

Only for the demo command on a database no one else is writing to.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models

CHUNK = 5000
NOT_PROVIDED = object()


def _json(value: Any) -> str:
    # Text both SQLite and PostgreSQL's COPY (into jsonb) read as JSON.
    return json.dumps(value, ensure_ascii=False)


def next_id(model: type[models.Model]) -> int:
    """The first free primary key of a table."""
    latest = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return int(latest or 0) + 1


class TableWriter:
    """Insert dicts of attribute values into one model's table."""

    def __init__(self, model: type[models.Model], *, with_pk: bool = True) -> None:
        ops = connection.ops
        self.model = model
        self.columns: list[tuple[str, Any, Callable[[Any], Any] | None]] = []
        for field in model._meta.concrete_fields:
            if field.primary_key and not with_pk:
                continue
            if field.primary_key:
                default: Any = NOT_PROVIDED
            elif field.has_default():
                default = field.get_default()
            elif field.null:
                default = None
            elif field.empty_strings_allowed and field.blank:
                default = ""
            else:
                default = NOT_PROVIDED
            adapter: Callable[[Any], Any] | None = None
            if isinstance(field, models.DateTimeField):
                adapter = ops.adapt_datetimefield_value
            elif isinstance(field, models.DateField):
                adapter = ops.adapt_datefield_value
            elif isinstance(field, models.JSONField):
                adapter = _json
            self.columns.append((field.attname, default, adapter))
        quote = ops.quote_name
        columns = {field.attname: str(field.column) for field in model._meta.concrete_fields}
        names = ", ".join(quote(columns[a]) for a, _d, _f in self.columns)
        placeholders = ", ".join(["%s"] * len(self.columns))
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({placeholders})"  # noqa: S608
        self.copy_sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"

    def row(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        out: list[Any] = []
        for name, default, adapter in self.columns:
            value = values.get(name, default)
            if value is NOT_PROVIDED:
                raise ValueError(f"{self.model.__name__}.{name} needs a value")
            if adapter is not None and value is not None:
                value = adapter(value)
            out.append(value)
        return tuple(out)

    def insert(self, rows: Iterable[Mapping[str, Any]]) -> int:
        if connection.vendor == "postgresql":
            return self.copy(rows)
        count = 0
        batch: list[tuple[Any, ...]] = []
        with connection.cursor() as cursor:
            for values in rows:
                batch.append(self.row(values))
                if len(batch) >= CHUNK:
                    cursor.executemany(self.sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(self.sql, batch)
                count += len(batch)
        return count

    def copy(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """PostgreSQL: COPY is several times faster than even a pipelined executemany."""
        count = 0
        with connection.cursor() as cursor, cursor.cursor.copy(self.copy_sql) as copy:
            for values in rows:
                copy.write_row(self.row(values))
                count += 1
        return count


def analyze(*model_classes: type[models.Model]) -> None:
    """Refresh the planner's statistics after a bulk load.

    Without them SQLite walks the (receiving_organisation, received_at) index
    instead of the person index in the visibility subqueries, and a person
    search for a branch office takes minutes instead of milliseconds.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in model_classes:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")


def reset_sequences(*model_classes: type[models.Model]) -> None:
    """Move the id sequences past explicitly assigned ids (PostgreSQL; nothing to do on SQLite)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_classes))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
