"""The audit log is append-only and hash-chained; verify_audit finds the first broken entry."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from tsunagiai.audit.actions import record_audit_event
from tsunagiai.audit.chain import GENESIS, compute_hash
from tsunagiai.audit.models import AuditChainHead, AuditEvent
from tsunagiai.audit.triggers import create_triggers, drop_triggers


def _events(town, n: int = 3) -> list[AuditEvent]:
    user = town.users["caseworker_north"]
    return [
        record_audit_event("test.changed", acting_user=user, changes={"name": {"before": "甲", "after": f"乙{i}"}})
        for i in range(n)
    ]


def _verify() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def _broken() -> CommandError:
    with pytest.raises(CommandError) as caught:
        _verify()
    assert caught.value.returncode == 1
    return caught.value


def test_each_entry_is_chained_to_the_one_before(town) -> None:
    first, second, third = _events(town)
    assert first.previous_hash == GENESIS
    assert second.previous_hash == first.hash
    assert third.previous_hash == second.hash
    assert [first.sequence + 1, first.sequence + 2] == [second.sequence, third.sequence]
    stored = AuditEvent.objects.get(pk=second.pk)
    assert compute_hash(stored) == stored.hash
    head = AuditChainHead.objects.get(pk=1)
    assert (head.sequence, head.hash) == (third.sequence, third.hash)


def test_verify_audit_reports_ok_and_the_number_of_entries(town) -> None:
    _events(town)
    total = AuditEvent.objects.count()
    assert _verify().startswith(f"OK: {total} entries")


def test_a_read_is_one_insert_and_the_chain_head(town, django_assert_max_num_queries) -> None:
    user = town.users["caseworker_north"]
    record_audit_event("warm.up", acting_user=user)
    with django_assert_max_num_queries(5):  # savepoint, lock head, insert, update head, release
        record_audit_event("test.read", acting_user=user)


def test_the_model_refuses_to_save_or_delete_an_entry(town) -> None:
    event = _events(town, 1)[0]
    event.note = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


def test_the_database_refuses_an_orm_update(town) -> None:
    event = _events(town, 1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(note="rewritten")
    assert AuditEvent.objects.get(pk=event.pk).note == ""


def test_the_database_refuses_raw_sql_update_and_delete(town) -> None:
    event = _events(town, 1)[0]
    for sql in (
        "UPDATE audit_auditevent SET changes = '{}' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


def _tamper(sql: str, params: list[str | int]) -> None:
    """What a database user with DDL rights could do: lift the trigger, rewrite, put it back."""
    drop_triggers()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        create_triggers()


def test_a_row_changed_in_the_database_is_named_by_verify_audit(town) -> None:
    first, second, third = _events(town)
    _tamper("UPDATE audit_auditevent SET changes = %s WHERE id = %s", ['{"name": "改ざん"}', second.pk])
    error = _broken()
    assert f"entry {second.sequence} (id {second.pk})" in str(error)
    assert "content" in str(error)


def test_a_row_rehashed_after_tampering_breaks_the_next_link(town) -> None:
    first, second, third = _events(town)
    second.note = "改ざん"
    forged = compute_hash(second)
    _tamper("UPDATE audit_auditevent SET note = %s, hash = %s WHERE id = %s", ["改ざん", forged, second.pk])
    error = _broken()
    assert f"entry {third.sequence} (id {third.pk})" in str(error)


def test_a_deleted_row_is_detected(town) -> None:
    first, second, third = _events(town)
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [second.pk])
    error = _broken()
    assert f"entry {third.sequence} (id {third.pk})" in str(error)


def test_removing_the_newest_rows_is_detected_by_the_chain_head(town) -> None:
    first, second, third = _events(town)
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [third.pk])
    error = _broken()
    assert "removed" in str(error)


def test_the_chain_head_is_created_for_an_empty_log(town) -> None:
    drop_triggers()
    try:  # an empty log, as after a fresh install
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent")
            cursor.execute("DELETE FROM audit_auditchainhead")
    finally:
        create_triggers()
    first = _events(town, 1)[0]
    assert (first.sequence, first.previous_hash) == (1, GENESIS)
    assert _verify().startswith("OK: 1 entries")


def test_the_migration_chains_rows_written_before_the_chain(town) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("tsunagiai.audit.migrations.0002_chain_basis_person")
    _events(town, 3)
    drop_triggers()
    try:
        # As 0001 left them: no sequence, no hashes.
        for i, event in enumerate(AuditEvent.objects.order_by("sequence")):
            AuditEvent.objects.filter(pk=event.pk).update(sequence=10_000 + i, previous_hash="", hash="")
        migration.chain_existing(apps, None)
    finally:
        create_triggers()
    assert _verify().startswith(f"OK: {AuditEvent.objects.count()} entries")
