"""The database triggers that keep the audit log append-only (migrations 0002 and 0003).

0002: no UPDATE or DELETE of an entry. 0003: the chain head row cannot be deleted and only moves
forward to the newest entry; on PostgreSQL, TRUNCATE of either table is refused.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.db import connections

_MIGRATIONS: list[Any] = [
    importlib.import_module("tsunagiai.audit.migrations.0002_chain_basis_person"),
    importlib.import_module("tsunagiai.audit.migrations.0003_protect_chain_head"),
]


def _execute(statements: list[str], using: str) -> None:
    with connections[using].cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def drop_triggers(using: str = "default") -> None:
    vendor = connections[using].vendor
    for migration in reversed(_MIGRATIONS):
        _execute({"sqlite": migration.SQLITE_DROP, "postgresql": migration.POSTGRES_DROP}.get(vendor, []), using)


def create_triggers(using: str = "default") -> None:
    vendor = connections[using].vendor
    for migration in _MIGRATIONS:
        _execute(
            {"sqlite": migration.SQLITE_TRIGGERS, "postgresql": migration.POSTGRES_TRIGGERS}.get(vendor, []), using
        )
