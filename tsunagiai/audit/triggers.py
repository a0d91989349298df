"""The database triggers that refuse UPDATE and DELETE on the audit log (created by migration 0002)."""

from __future__ import annotations

import importlib
from typing import Any

from django.db import connections

_migration: Any = importlib.import_module("tsunagiai.audit.migrations.0002_chain_basis_person")


def _execute(statements: list[str], using: str) -> None:
    with connections[using].cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def drop_triggers(using: str = "default") -> None:
    vendor = connections[using].vendor
    _execute({"sqlite": _migration.SQLITE_DROP, "postgresql": _migration.POSTGRES_DROP}.get(vendor, []), using)


def create_triggers(using: str = "default") -> None:
    vendor = connections[using].vendor
    _execute({"sqlite": _migration.SQLITE_TRIGGERS, "postgresql": _migration.POSTGRES_TRIGGERS}.get(vendor, []), using)
