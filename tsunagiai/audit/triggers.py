"""The database triggers that keep the audit log append-only, as they stand now.

No UPDATE or DELETE of an entry; the chain head row cannot be deleted and only moves forward to the newest
entry; on PostgreSQL, TRUNCATE of either table is refused. Migrations 0002 and 0003 installed them, each with
its own frozen copy of the SQL; this module is the copy the running application uses (``manage.py flush``
lifts the triggers and puts them back; the tamper tests do the same). When the triggers change, write a
new migration with its own copy of the new SQL and change this module to match:
tsunagiai/audit/tests/test_migrations.py checks that dropping and creating these gives back exactly what
the migrations installed.
"""

from __future__ import annotations

from django.db import connections

# --- the entries: append-only (installed by 0002) ------------------------------------------------------

_SQLITE_ENTRIES = [
    """CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
]
_SQLITE_ENTRIES_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete",
]
_POSTGRES_ENTRIES = [
    """CREATE OR REPLACE FUNCTION audit_auditevent_refuse_change() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent",
    """CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_refuse_change()""",
]
_POSTGRES_ENTRIES_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_auditevent_refuse_change()",
]

# --- the chain head: forward only; no TRUNCATE on PostgreSQL (installed by 0003) ------------------------

_SQLITE_HEAD = [
    """CREATE TRIGGER IF NOT EXISTS audit_auditchainhead_no_delete BEFORE DELETE ON audit_auditchainhead
    BEGIN SELECT RAISE(ABORT, 'the audit chain head cannot be removed'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_auditchainhead_forward_only BEFORE UPDATE ON audit_auditchainhead
    WHEN NEW.id IS NOT OLD.id
      OR NEW.sequence <= OLD.sequence
      OR NEW.sequence IS NOT (SELECT MAX(sequence) FROM audit_auditevent)
      OR NEW.hash IS NOT (SELECT hash FROM audit_auditevent WHERE sequence = NEW.sequence)
    BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward, to the newest entry'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_auditchainhead_consistent_insert BEFORE INSERT ON audit_auditchainhead
    WHEN NEW.id IS NOT 1
      OR (NOT EXISTS (SELECT 1 FROM audit_auditchainhead) AND (
        NEW.sequence IS NOT COALESCE((SELECT MAX(sequence) FROM audit_auditevent), 0)
        OR NEW.hash IS NOT COALESCE((SELECT hash FROM audit_auditevent WHERE sequence = NEW.sequence), '0000000000000000000000000000000000000000000000000000000000000000')))
    BEGIN SELECT RAISE(ABORT, 'the audit chain head must record the newest entry'); END""",  # noqa: E501 (as 0003 wrote it)
]
_SQLITE_HEAD_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditchainhead_no_delete",
    "DROP TRIGGER IF EXISTS audit_auditchainhead_forward_only",
    "DROP TRIGGER IF EXISTS audit_auditchainhead_consistent_insert",
]
_POSTGRES_HEAD = [
    """CREATE OR REPLACE FUNCTION audit_auditchainhead_guard() RETURNS trigger AS $$
    DECLARE
        newest bigint;
        expected text;
    BEGIN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'the audit chain head cannot be removed';
        END IF;
        IF NEW.id <> 1 THEN
            RAISE EXCEPTION 'the audit chain head is the single row 1';
        END IF;
        IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM audit_auditchainhead) THEN
            RETURN NEW;  -- refused by the primary key (or ignored by ON CONFLICT DO NOTHING)
        END IF;
        IF TG_OP = 'UPDATE' AND (NEW.id <> OLD.id OR NEW.sequence <= OLD.sequence) THEN
            RAISE EXCEPTION 'the audit chain head only moves forward';
        END IF;
        SELECT MAX(sequence) INTO newest FROM audit_auditevent;
        IF NEW.sequence = 0 THEN
            expected := '0000000000000000000000000000000000000000000000000000000000000000';
        ELSE
            SELECT hash INTO expected FROM audit_auditevent WHERE sequence = NEW.sequence;
        END IF;
        IF NEW.sequence IS DISTINCT FROM COALESCE(newest, 0) OR NEW.hash IS DISTINCT FROM expected THEN
            RAISE EXCEPTION 'the audit chain head must record the newest entry';
        END IF;
        RETURN NEW;
    END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS audit_auditchainhead_guard ON audit_auditchainhead",
    """CREATE TRIGGER audit_auditchainhead_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION audit_auditchainhead_guard()""",
    """CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'the audit log cannot be truncated'; END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent",
    """CREATE TRIGGER audit_auditevent_no_truncate BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()""",
    "DROP TRIGGER IF EXISTS audit_auditchainhead_no_truncate ON audit_auditchainhead",
    """CREATE TRIGGER audit_auditchainhead_no_truncate BEFORE TRUNCATE ON audit_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()""",
]
_POSTGRES_HEAD_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditchainhead_guard ON audit_auditchainhead",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_auditchainhead_no_truncate ON audit_auditchainhead",
    "DROP FUNCTION IF EXISTS audit_auditchainhead_guard()",
    "DROP FUNCTION IF EXISTS audit_refuse_truncate()",
]

CREATE = {
    "sqlite": _SQLITE_ENTRIES + _SQLITE_HEAD,
    "postgresql": _POSTGRES_ENTRIES + _POSTGRES_HEAD,
}
DROP = {
    "sqlite": _SQLITE_HEAD_DROP + _SQLITE_ENTRIES_DROP,
    "postgresql": _POSTGRES_HEAD_DROP + _POSTGRES_ENTRIES_DROP,
}


def _execute(statements: list[str], using: str) -> None:
    with connections[using].cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def drop_triggers(using: str = "default") -> None:
    _execute(DROP.get(connections[using].vendor, []), using)


def create_triggers(using: str = "default") -> None:
    _execute(CREATE.get(connections[using].vendor, []), using)
