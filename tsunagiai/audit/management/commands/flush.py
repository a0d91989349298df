"""``flush`` empties the whole database (tests, demo resets): on SQLite that is a DELETE, which the
audit log's append-only trigger refuses, so the trigger is lifted for the flush and put back after."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections

from tsunagiai.audit.triggers import create_triggers, drop_triggers


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        using = options.get("database") or DEFAULT_DB_ALIAS
        if connections[using].vendor != "sqlite":
            # PostgreSQL flushes with TRUNCATE, which row triggers do not see.
            super().handle(**options)
            return
        drop_triggers(using)
        try:
            super().handle(**options)
        finally:
            create_triggers(using)
