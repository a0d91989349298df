"""Backups restore whole: ``backup`` then ``restore_check`` on SQLite and PostgreSQL alike.

Run on SQLite by default and on PostgreSQL with DATABASE_URL (pg_dump and
pg_restore of the PostgreSQL client must be on PATH); each test restores into
a scratch database and verifies the row counts and the audit chain.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tsunagiai.audit.actions import record_audit_event
from tsunagiai.audit.models import AuditEvent
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.privacy.backup import check_backup, make_backup, prune_backups, verify_database
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db(transaction=True)  # a backup reads committed data, outside any transaction


@pytest.fixture
def data(town: Town) -> Town:
    person = make_person(town, family_name="控田")
    make_intake(town, person=person, is_anonymous=False)
    for n in range(3):
        record_audit_event("test.backup", acting_user=None, note=f"event {n}")
    return town


def backup(directory: Path) -> Path:
    out = StringIO()
    call_command("backup", "--output", str(directory), stdout=out)
    return Path(out.getvalue().split("manifest ")[1].strip())


def restore_check(manifest: Path, *extra: str) -> str:
    out = StringIO()
    call_command("restore_check", str(manifest), *extra, stdout=out)
    return out.getvalue()


def test_a_backup_restores_into_a_scratch_database_with_every_row_and_an_unbroken_chain(
    data: Town, tmp_path: Path
) -> None:
    manifest_path = backup(tmp_path)

    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["vendor"] == connection.vendor
    assert manifest["tables"]["people_person"] >= 1 and manifest["tables"]["intake_intake"] == 1
    assert manifest["audit"]["sequence"] >= 4
    assert (tmp_path / manifest["file"]).stat().st_mode & 0o077 == 0  # the owner's only
    assert AuditEvent.objects.filter(action="system.backup_made").exists()  # recorded after the snapshot

    output = restore_check(manifest_path)

    assert output.startswith(f"OK: {len(manifest['tables'])} tables and {manifest['rows']} rows as in the manifest")
    assert f"head {manifest['audit']['hash']}" in output
    assert AuditEvent.objects.filter(action="system.restore_checked", changes__ok=True).exists()


def test_a_count_that_differs_from_the_manifest_fails_the_check(data: Town, tmp_path: Path) -> None:
    manifest_path = backup(tmp_path)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["tables"]["people_person"] += 1
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")

    with pytest.raises(CommandError) as failed:
        restore_check(manifest_path)

    expected = manifest["tables"]["people_person"]
    assert f"table people_person: {expected - 1} rows, the manifest says {expected}" in str(failed.value)


def test_a_damaged_backup_file_fails_the_check(data: Town, tmp_path: Path) -> None:
    manifest_path = backup(tmp_path)
    file = tmp_path / json.loads(manifest_path.read_text(encoding="utf-8"))["file"]
    file.chmod(0o600)
    with file.open("r+b") as handle:
        handle.seek(200)
        handle.write(b"\x00garbage\x00")

    with pytest.raises(CommandError, match="the SHA-256 differs from the manifest"):
        restore_check(manifest_path)


def test_the_restored_database_is_verified_in_place_against_the_manifest(data: Town, tmp_path: Path) -> None:
    manifest_path = make_backup(tmp_path)  # no audit event after it: the live database still equals the backup
    assert "OK:" in restore_check(manifest_path, "--database", "default")
    record_audit_event("test.after", acting_user=None)
    with pytest.raises(CommandError, match="audit head is"):
        restore_check(manifest_path, "--database", "default")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="edits the backup file itself, which SQLite's format allows")
def test_an_audit_entry_altered_in_the_backup_is_found_even_with_a_matching_checksum(
    data: Town, tmp_path: Path
) -> None:
    manifest_path = make_backup(tmp_path)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    file = tmp_path / manifest["file"]
    file.chmod(0o600)
    copy = sqlite3.connect(file)
    for (name,) in copy.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        copy.execute(f'DROP TRIGGER "{name}"')
    copy.execute("UPDATE audit_auditevent SET note = 'rewritten' WHERE sequence = 2")
    copy.commit()
    copy.close()
    from tsunagiai.privacy.backup import _sha256

    manifest["sha256"] = _sha256(file)  # as someone would who altered both
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")

    result = check_backup(manifest_path)

    assert any("audit chain BROKEN at entry 2" in problem for problem in result.problems), result.problems


def test_old_backups_are_pruned_and_nothing_else(data: Town, tmp_path: Path) -> None:
    manifest_path = make_backup(tmp_path)
    backup_name = json.loads(manifest_path.read_text(encoding="utf-8"))["file"]
    other = tmp_path / "notes.txt"
    other.write_text("keep me", encoding="utf-8")
    old = time.time() - 40 * 86400
    for path in (manifest_path, *tmp_path.glob("tsunagiai-*"), other):
        os.utime(path, (old, old))

    removed = prune_backups(tmp_path, older_than_days=30)

    assert {p.name for p in removed} == {manifest_path.name, backup_name}
    assert other.exists() and not manifest_path.exists()


def test_verify_database_reports_every_table_missing_from_the_manifest(data: Town, tmp_path: Path) -> None:
    manifest: dict[str, Any] = json.loads(make_backup(tmp_path).read_text(encoding="utf-8"))
    del manifest["tables"]["people_person"]
    result = verify_database("default", manifest)
    assert [p for p in result.problems if p.startswith("table people_person: not in the manifest")]
