"""The hash chain, the access basis, the organisation and the person of each event; append-only triggers.

Everything this migration runs is frozen in this file (the trigger SQL and the hash); tsunagiai.audit.triggers
keeps its own copy of the triggers for ``flush``.
"""

import datetime as dt
import hashlib
import json

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete",
]
POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION audit_auditevent_refuse_change() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent",
    """CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_refuse_change()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_auditevent_refuse_change()",
]


def _run(schema_editor, statements):
    for statement in statements:
        schema_editor.execute(statement)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(vendor, []))


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(vendor, []))


# Frozen copy of the hash as it was when this migration was written (tsunagiai.audit.chain.compute_hash):
# a migration must not import application code, which may change after it. Should the application's hash
# ever change, it needs a migration of its own to rehash; this one keeps chaining the way it always did.
GENESIS = "0" * 64
HASHED_FIELDS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "organisation_id",
    "basis",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "person_id",
    "changes",
    "ip_address",
    "note",
    "previous_hash",
)


def _canonical_value(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return value


def compute_hash(event):
    """SHA-256 over a canonical JSON of the event's fields (sorted keys, no spaces, UTF-8)."""
    data = {name: _canonical_value(getattr(event, name)) for name in HASHED_FIELDS}
    payload = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def chain_existing(apps, schema_editor):
    """Chain the rows written before the chain existed, in the order they were written."""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    previous = GENESIS
    sequence = 0
    for event in AuditEvent.objects.order_by("occurred_at", "id").iterator():
        sequence += 1
        event.sequence = sequence
        event.previous_hash = previous
        event.hash = compute_hash(event)
        AuditEvent.objects.filter(pk=event.pk).update(sequence=sequence, previous_hash=previous, hash=event.hash)
        previous = event.hash
    AuditChainHead.objects.update_or_create(pk=1, defaults={"sequence": sequence, "hash": previous})


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("reference", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("sequence", models.PositiveBigIntegerField(default=0, verbose_name="sequence")),
                ("hash", models.CharField(blank=True, max_length=64, verbose_name="hash")),
            ],
            options={"verbose_name": "audit chain head", "verbose_name_plural": "audit chain heads"},
        ),
        migrations.AlterModelOptions(
            name="auditevent",
            options={"ordering": ["-sequence"], "verbose_name": "audit event", "verbose_name_plural": "audit events"},
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="occurred_at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False, verbose_name="occurred at"
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="reference.organisation",
                verbose_name="organisation",
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="basis",
            field=models.CharField(
                blank=True,
                choices=[
                    ("coordination_section", "coordination section"),
                    ("own_organisation", "own organisation"),
                    ("case_team", "case team"),
                    ("referral_recipient", "referral recipient"),
                    ("break_the_glass", "emergency access"),
                    ("auditor", "audit"),
                    ("other", "other"),
                ],
                max_length=30,
                verbose_name="basis",
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="person_id",
            field=models.BigIntegerField(blank=True, db_index=True, null=True, verbose_name="person id"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="sequence",
            field=models.PositiveBigIntegerField(default=0, editable=False, verbose_name="sequence"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="previous_hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="previous hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="hash"),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="sequence",
            field=models.PositiveBigIntegerField(editable=False, unique=True, verbose_name="sequence"),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
