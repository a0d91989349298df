"""Read an HSDS 3.0 JSON file into the directory: validated whole first, applied in one transaction."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from tsunagiai.resources.hsds_io import InvalidHsdsFile, import_document


class Command(BaseCommand):
    help = "Import community resources from an HSDS 3.0 JSON file (upsert by HSDS id)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the HSDS JSON file")
        parser.add_argument("--dry-run", action="store_true", help="validate and count, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path} is not JSON: {exc}") from exc
        except RecursionError:
            raise CommandError(f"{path} is not a valid HSDS 3.0 file: nested far too deeply") from None
        except ValueError as exc:  # e.g. an integer of more digits than Python reads
            raise CommandError(f"{path} is not JSON: {exc}") from None
        try:
            tally = import_document(document, dry_run=options["dry_run"], source=str(path))
        except InvalidHsdsFile as exc:
            shown = exc.errors[:50]
            more = len(exc.errors) - len(shown)
            lines = "\n".join(shown) + (f"\n… and {more} more" if more > 0 else "")
            raise CommandError(f"{path} is not a valid HSDS 3.0 file; nothing was changed:\n{lines}") from None
        except (DatabaseError, RecursionError) as exc:
            # What validation did not foresee: the import's transaction was rolled back.
            raise CommandError(
                f"{path} could not be imported; nothing was changed: {type(exc).__name__}: {exc}"
            ) from None
        for key, count in sorted(tally.counts.items()):
            self.stdout.write(f"{key}: {count}")
        summary = (
            f"created {tally.total('created')}, updated {tally.total('updated')}, "
            f"unchanged {tally.total('unchanged')}, deleted {tally.total('deleted')}"
        )
        if options["dry_run"]:
            self.stdout.write(f"dry run, nothing changed (would have: {summary})")
        elif not tally.changed:
            self.stdout.write(f"nothing changed: the directory already matches the file ({summary})")
        else:
            self.stdout.write(summary)
