"""Export staff corrections that were opted in to training, masked, in the corpus format (JSON Lines)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagiai.triage.actions import do_export_corrections
from tsunagiai.triage.selectors import corrections_to_export


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--since: not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = (
        "Write the confirmed intakes whose staff ticked 'use my correction to improve the suggestions' as "
        "training records (names, places, addresses and phone numbers masked). The export is audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, help="The JSON Lines file to write.")
        parser.add_argument("--since", type=_date, default=None, help="Only corrections saved on or after this date.")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        if not output.parent.exists():
            raise CommandError(f"--output: the folder {output.parent} does not exist")
        count = do_export_corrections(corrections_to_export(since=options["since"]), output=output)
        self.stdout.write(f"{count} corrections written to {output}")
