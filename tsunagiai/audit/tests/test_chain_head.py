"""The chain head is protected like the entries, and anchors kept outside the database catch a rewritten tail."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from tsunagiai.audit.actions import AuditChainBroken, record_audit_event
from tsunagiai.audit.chain import GENESIS
from tsunagiai.audit.models import AuditChainHead, AuditEvent
from tsunagiai.audit.triggers import create_triggers, drop_triggers


def _events(town, n: int = 3) -> list[AuditEvent]:
    user = town.users["caseworker_north"]
    return [record_audit_event("test.changed", acting_user=user, note=f"{i}") for i in range(n)]


def _verify(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def _broken(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        _verify(*args)
    assert caught.value.returncode == 1
    return str(caught.value)


def _tamper(*statements: tuple[str, list[str | int]]) -> None:
    """What a database user with DDL rights could do: lift the triggers, rewrite, put them back."""
    drop_triggers()
    try:
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
    finally:
        create_triggers()


def _anchor() -> str:
    out = io.StringIO()
    call_command("audit_anchor", stdout=out)
    return out.getvalue()


# --- the head row is append-only too ------------------------------------------------


def test_the_database_refuses_to_delete_the_chain_head(town) -> None:
    _events(town, 1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditChainHead.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditchainhead")
    assert AuditChainHead.objects.filter(pk=1).exists()


def test_the_database_refuses_to_move_the_chain_head_back_or_to_a_made_up_hash(town) -> None:
    first, second, third = _events(town)
    attempts = [
        {"sequence": second.sequence, "hash": second.hash},  # back to an earlier entry
        {"sequence": third.sequence, "hash": "f" * 64},  # a hash no entry has
        {"sequence": third.sequence + 5, "hash": third.hash},  # ahead of the log
    ]
    for values in attempts:
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditChainHead.objects.filter(pk=1).update(**values)
    head = AuditChainHead.objects.get(pk=1)
    assert (head.sequence, head.hash) == (third.sequence, third.hash)
    assert _verify().startswith("OK")


def test_a_second_or_inconsistent_head_row_is_refused(town) -> None:
    last = _events(town, 2)[-1]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditchainhead (id, sequence, hash) VALUES (2, %s, %s)", [last.sequence, last.hash]
        )
    assert AuditChainHead.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists on PostgreSQL only")
def test_postgresql_refuses_to_truncate_the_log_or_its_head(town) -> None:
    _events(town, 1)
    for table in ("audit_auditevent", "audit_auditchainhead"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.exists()


# --- verify_audit without anchors ------------------------------------------------------


def test_deleting_the_newest_entry_together_with_the_head_row_is_detected(town) -> None:
    first, second, third = _events(town)
    _tamper(
        ("DELETE FROM audit_auditevent WHERE id = %s", [third.pk]),
        ("DELETE FROM audit_auditchainhead", []),
    )
    assert "chain head" in _broken()


def test_deleting_every_entry_but_keeping_the_head_is_detected(town) -> None:
    _events(town)
    _tamper(("DELETE FROM audit_auditevent", []))
    assert "removed" in _broken()


def test_a_missing_head_is_not_silently_rebuilt_by_the_next_append(town) -> None:
    first = _events(town, 1)[0]
    _tamper(("DELETE FROM audit_auditchainhead", []))
    with pytest.raises(AuditChainBroken):
        record_audit_event("test.after", acting_user=town.users["caseworker_north"])
    assert AuditEvent.objects.order_by("-sequence").first() == first
    assert "chain head" in _broken()


# --- anchors kept outside the database --------------------------------------------------


def test_audit_anchor_writes_the_newest_sequence_hash_and_time(town) -> None:
    last = _events(town)[-1]
    fields = _anchor().split()
    assert fields[:2] == [str(last.sequence), last.hash]
    assert fields[2].startswith("20")  # an ISO timestamp


def test_audit_anchor_appends_to_a_file(town, tmp_path: Path) -> None:
    anchors = tmp_path / "anchors.txt"
    first = _events(town, 1)[0]
    call_command("audit_anchor", "--append", str(anchors), stdout=io.StringIO())
    second = _events(town, 1)[0]
    call_command("audit_anchor", "--append", str(anchors), stdout=io.StringIO())
    lines = anchors.read_text().splitlines()
    assert [line.split()[:2] for line in lines] == [
        [str(first.sequence), first.hash],
        [str(second.sequence), second.hash],
    ]
    assert _verify("--anchor", str(anchors)).startswith("OK")


def test_an_anchor_catches_removed_newest_entries_even_with_a_rewritten_head(town, tmp_path: Path) -> None:
    first, second, third = _events(town)
    anchors = tmp_path / "anchors.txt"
    anchors.write_text(_anchor())
    # Lift the triggers, remove the newest entry and point the head at the one before: consistent again.
    _tamper(
        ("DELETE FROM audit_auditevent WHERE id = %s", [third.pk]),
        ("UPDATE audit_auditchainhead SET sequence = %s, hash = %s", [second.sequence, second.hash]),
    )
    assert _verify().startswith("OK")  # the database alone cannot tell
    message = _broken("--anchor", str(anchors))
    assert f"entry {third.sequence}" in message
    message = _broken("--expect-sequence", str(third.sequence), "--expect-hash", third.hash)
    assert f"entry {third.sequence}" in message


def test_an_anchor_catches_a_rewritten_chain(town, tmp_path: Path) -> None:
    from tsunagiai.audit.chain import compute_hash

    first, second = _events(town, 2)
    anchors = tmp_path / "anchors.txt"
    anchors.write_text(f"# daily anchors\n\n{_anchor()}")
    # Rewrite the second entry and re-hash it and the head: the chain in the database verifies.
    second.note = "改ざん"
    forged = compute_hash(second)
    _tamper(
        ("UPDATE audit_auditevent SET note = %s, hash = %s WHERE id = %s", ["改ざん", forged, second.pk]),
        ("UPDATE audit_auditchainhead SET hash = %s", [forged]),
    )
    assert _verify().startswith("OK")
    assert "rewritten" in _broken("--anchor", str(anchors))


def test_an_anchor_that_still_holds_passes(town) -> None:
    first, second = _events(town, 2)
    _events(town, 2)  # the log grew since the anchor
    assert _verify("--expect-sequence", str(second.sequence), "--expect-hash", second.hash).startswith("OK")
    assert _verify("--expect-sequence", "0", "--expect-hash", GENESIS).startswith("OK")


@pytest.mark.parametrize(
    "content",
    ["12 notahash 2025-04-01T03:00:00+09:00\n", "twelve " + "a" * 64 + "\n", "12\n"],
)
def test_a_malformed_anchor_file_is_a_clear_error(town, tmp_path: Path, content: str) -> None:
    _events(town, 1)
    anchors = tmp_path / "anchors.txt"
    anchors.write_text(content)
    with pytest.raises(CommandError, match="line 1"):
        _verify("--anchor", str(anchors))


def test_missing_anchor_file_and_half_an_expectation_are_clear_errors(town, tmp_path: Path) -> None:
    _events(town, 1)
    with pytest.raises(CommandError, match="anchor"):
        _verify("--anchor", str(tmp_path / "missing.txt"))
    with pytest.raises(CommandError, match="together"):
        _verify("--expect-sequence", "1")
