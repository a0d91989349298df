"""The audit migrations are frozen history: they apply from zero without the application's code, chain the rows
written before the chain, and install the triggers that ``tsunagiai.audit.triggers`` lifts and puts back."""

from __future__ import annotations

import ast
import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from tsunagiai.audit.models import AuditChainHead, AuditEvent
from tsunagiai.audit.triggers import create_triggers, drop_triggers

AUDIT = Path(__file__).resolve().parent.parent
MIGRATIONS = sorted((AUDIT / "migrations").glob("0*.py"))


def _imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and ".migrations." in node.value:
            modules.add(node.value)  # importlib.import_module("...migrations.0002_...")
    return modules


@pytest.mark.parametrize("path", MIGRATIONS, ids=lambda path: path.name)
def test_an_audit_migration_imports_nothing_from_the_application(path: Path) -> None:
    """Application code changes later; a migration that imports it would rewrite history when it does."""
    assert MIGRATIONS, "no migrations found"
    assert sorted(m for m in _imported_modules(path) if m.startswith("tsunagiai")) == []


def test_the_triggers_module_does_not_load_migrations() -> None:
    modules = _imported_modules(AUDIT / "triggers.py")
    assert "importlib" not in modules
    assert sorted(m for m in modules if ".migrations" in m) == []


def _installed_triggers() -> list[tuple[str, ...]]:
    """Every trigger (and, on PostgreSQL, trigger function) on the audit tables, as the database reports it."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, tbl_name, sql FROM sqlite_master "
                "WHERE type = 'trigger' AND tbl_name LIKE 'audit%' ORDER BY name"
            )
            return [tuple(row) for row in cursor.fetchall()]
        cursor.execute(
            "SELECT tgname, tgrelid::regclass::text, pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE NOT tgisinternal AND tgrelid::regclass::text LIKE 'audit%' ORDER BY tgname"
        )
        triggers = [tuple(row) for row in cursor.fetchall()]
        cursor.execute(
            "SELECT proname, '', pg_get_functiondef(oid) FROM pg_proc WHERE proname LIKE 'audit%' ORDER BY proname"
        )
        return triggers + [tuple(row) for row in cursor.fetchall()]


@pytest.mark.django_db
def test_the_triggers_module_puts_back_exactly_what_the_migrations_installed() -> None:
    installed = _installed_triggers()
    names = {row[0] for row in installed}
    assert {"audit_auditevent_no_update", "audit_auditchainhead_no_delete"} <= names or {
        "audit_auditevent_append_only",
        "audit_auditchainhead_guard",
    } <= names
    drop_triggers()
    try:
        assert _installed_triggers() == []
    finally:
        create_triggers()
    assert _installed_triggers() == installed


def _refuses(sql: str, params: list[int]) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


@pytest.mark.django_db(transaction=True)
def test_the_audit_migrations_apply_from_zero_and_chain_the_rows_written_before_the_chain() -> None:
    zero, initial = [("audit", None)], [("audit", "0001_initial")]
    executor = MigrationExecutor(connection)
    latest = [key for key in executor.loader.graph.leaf_nodes() if key[0] == "audit"]
    try:
        executor.migrate(zero)
        executor = MigrationExecutor(connection)
        executor.migrate(initial)
        old = executor.loader.project_state(initial).apps.get_model("audit", "AuditEvent")
        moment = dt.datetime(2026, 4, 1, 9, 30, tzinfo=dt.UTC)
        for i, note in enumerate(["一", "二", "三"]):
            row = old.objects.create(action="test.before_chain", note=note, changes={"項目": i}, ip_address="192.0.2.1")
            old.objects.filter(pk=row.pk).update(occurred_at=moment + dt.timedelta(minutes=i))  # auto_now_add in 0001
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(latest)

    events = list(AuditEvent.objects.order_by("sequence"))
    assert [(e.sequence, e.note) for e in events] == [(1, "一"), (2, "二"), (3, "三")]
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (3, events[-1].hash)
    out = io.StringIO()
    call_command("verify_audit", stdout=out)  # the application's hash agrees with the migration's frozen one
    assert out.getvalue().startswith("OK: 3 entries")

    first = events[0].pk
    assert _refuses("UPDATE audit_auditevent SET note = 'x' WHERE id = %s", [first])
    assert _refuses("DELETE FROM audit_auditevent WHERE id = %s", [first])
    assert _refuses("DELETE FROM audit_auditchainhead", [])
    assert _refuses("UPDATE audit_auditchainhead SET sequence = 2", [])
    assert AuditEvent.objects.count() == 3
