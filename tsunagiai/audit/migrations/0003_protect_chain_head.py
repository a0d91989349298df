"""The chain head row is protected like the entries: no DELETE, and INSERT/UPDATE only to the newest entry.

Without this, a database user could delete the newest entries together with the head row (or move the
head back) and ``verify_audit`` would find a consistent, shorter chain. The head may only ever say
"the newest entry is sequence N with hash H", and only move forward. On PostgreSQL, TRUNCATE (which row
triggers do not see) is refused on both audit tables; ``manage.py flush`` lifts and restores these
triggers like the others.
"""

from django.db import migrations

GENESIS = "0" * 64  # the hash the first entry chains to (also spelt out in the SQL below)

SQLITE_TRIGGERS = [
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
    BEGIN SELECT RAISE(ABORT, 'the audit chain head must record the newest entry'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditchainhead_no_delete",
    "DROP TRIGGER IF EXISTS audit_auditchainhead_forward_only",
    "DROP TRIGGER IF EXISTS audit_auditchainhead_consistent_insert",
]
POSTGRES_TRIGGERS = [
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
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditchainhead_guard ON audit_auditchainhead",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_auditchainhead_no_truncate ON audit_auditchainhead",
    "DROP FUNCTION IF EXISTS audit_auditchainhead_guard()",
    "DROP FUNCTION IF EXISTS audit_refuse_truncate()",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement, params=None)


def align_head(apps, schema_editor):
    """Before the guard: the head row records the newest entry (0 and the genesis hash for an empty log)."""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    last = AuditEvent.objects.order_by("-sequence").first()
    sequence, hash_ = (last.sequence, last.hash) if last else (0, GENESIS)
    AuditChainHead.objects.exclude(pk=1).delete()
    AuditChainHead.objects.update_or_create(pk=1, defaults={"sequence": sequence, "hash": hash_})


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(vendor, []))


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, []))


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_chain_basis_person")]

    operations = [
        migrations.RunPython(align_head, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
