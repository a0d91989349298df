"""``manage.py restore_check MANIFEST``: restore a backup into a scratch database and verify it.

With ``--database ALIAS`` nothing is restored: the database already restored
(after a real restore, docs/operations.md) is verified against the manifest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections

from tsunagiai.audit.actions import record_audit_event
from tsunagiai.privacy.backup import BackupError, check_backup, read_manifest, verify_database


class Command(BaseCommand):
    help = (
        "Prove a backup restores whole: restore it into a scratch database, compare the row count of every table "
        "with its manifest and recompute the audit chain up to the manifest's head; then drop the scratch copy."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("manifest", type=Path, help="the backup's .manifest.json")
        parser.add_argument("--keep", action="store_true", help="keep the scratch copy and say where it is")
        parser.add_argument(
            "--database",
            default=None,
            help="verify this configured database (already restored) instead of restoring into a scratch copy",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["database"]:
                if options["database"] not in connections:
                    raise CommandError(f"--database: no database {options['database']!r} is configured")
                result = verify_database(options["database"], read_manifest(options["manifest"]))
            else:
                result = check_backup(options["manifest"], keep=options["keep"])
        except (BackupError, OSError, DatabaseError) as error:
            raise CommandError(f"the check could not be made: {error}") from None
        record_audit_event(
            "system.restore_checked",
            acting_user=None,
            changes={"ok": result.ok, "problems": len(result.problems), "rows": result.rows},
            note=str(options["manifest"]),
        )
        if not result.ok:
            raise CommandError("RESTORE CHECK FAILED:\n" + "\n".join(result.problems), returncode=1)
        self.stdout.write(
            f"OK: {result.tables} tables and {result.rows} rows as in the manifest; "
            f"audit chain of {result.audit_entries} entries unbroken, head {result.audit_head}"
        )
        if result.kept_at:
            self.stdout.write(f"kept: {result.kept_at}")
