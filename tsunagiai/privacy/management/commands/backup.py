"""``manage.py backup --output DIR``: one consistent backup of the database and its manifest (docs/operations.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagiai.audit.actions import record_audit_event
from tsunagiai.privacy.backup import BackupError, make_backup, prune_backups


class Command(BaseCommand):
    help = (
        "Back up the database into DIR: SQLite with the online backup API, PostgreSQL with pg_dump --format=custom "
        "of one snapshot; beside it a manifest with the SHA-256, the row count of every table and the audit head. "
        "Check it with restore_check."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, help="the folder of the backups")
        parser.add_argument(
            "--prune-days",
            type=int,
            default=None,
            help="then delete this application's backups in the folder older than this many days",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        prune_days = options["prune_days"]
        if prune_days is not None and prune_days < 1:
            raise CommandError("--prune-days: give at least 1 day")
        try:
            manifest_path = make_backup(options["output"])
        except (BackupError, OSError) as error:
            raise CommandError(f"no backup was made: {error}") from None
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        record_audit_event(
            "system.backup_made",
            acting_user=None,
            changes={
                "file": manifest["file"],
                "rows": manifest["rows"],
                "audit_sequence": manifest["audit"]["sequence"],
            },
            note=f"backup to {options['output']} (this event follows the snapshot)",
        )
        self.stdout.write(
            f"backup {manifest_path.parent / manifest['file']}: {len(manifest['tables'])} tables, "
            f"{manifest['rows']} rows, audit head {manifest['audit']['sequence']} {manifest['audit']['hash']}"
        )
        self.stdout.write(f"manifest {manifest_path}")
        if prune_days is not None:
            for path in prune_backups(options["output"], older_than_days=prune_days):
                self.stdout.write(f"pruned {path.name}")
