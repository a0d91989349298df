"""``flush`` empties the whole database (tests, demo resets). The audit log's triggers refuse that —
SQLite deletes row by row (the append-only triggers) and PostgreSQL truncates (the TRUNCATE triggers) —
so they are lifted for the flush and put back after."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS

from tsunagiai.audit.triggers import create_triggers, drop_triggers


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        using = options.get("database") or DEFAULT_DB_ALIAS
        drop_triggers(using)
        try:
            super().handle(**options)
        finally:
            create_triggers(using)
