"""manage.py refresh_analytics: bring the analytics rollup up to date (cron, or a worker's schedule).

Readers do this themselves for the months marked dirty; run it periodically to keep that work off the
first reader after a change, and with --full after loading data past the ORM (bulk imports) or as a
nightly reconciliation.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tsunagiai.analytics import rollup


class Command(BaseCommand):
    help = "Compute the analytics rollup again for the months that changed (--full: everything)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="Rebuild every month (after a bulk load).")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        done = rollup.refresh(full=options["full"])
        self.stdout.write(
            f"Analytics rollup: {done['months']} months computed, {done['rows']} rows written"
            f"{' (full rebuild)' if done['full'] else ''} in {time.perf_counter() - started:.1f} s."
        )
