"""``manage.py load_reference``: load or re-load the reference data files, idempotently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from tsunagiai.reference.actions import do_load_reference
from tsunagiai.reference.loading import ReferenceDataError


class Command(BaseCommand):
    help = (
        "Load the municipality's reference data (areas, town blocks, organisations) and the shared "
        "vocabulary, and report what was created, updated and deactivated. A file with any problem is "
        "refused with the line and field at fault, and nothing is changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir", type=Path, default=None, help="folder of the municipality's files (default: REFERENCE_DATA_DIR)"
        )
        parser.add_argument("--taxonomy", type=Path, default=None, help="taxonomy.yaml (default: TAXONOMY_FILE)")
        parser.add_argument("--dry-run", action="store_true", help="report what would change, save nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["dir"] or settings.REFERENCE_DATA_DIR)
        taxonomy_file = Path(options["taxonomy"] or settings.TAXONOMY_FILE)
        dry_run = bool(options["dry_run"])
        try:
            report = do_load_reference(directory, taxonomy_file, dry_run=dry_run)
        except ReferenceDataError as error:
            heading = _("The reference data was refused (%(count)d problems); nothing was changed.") % {
                "count": len(error.problems)
            }
            raise CommandError("\n".join([heading, *(str(problem) for problem in error.problems)])) from None
        for line in report.lines():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write(_("Dry run: nothing was saved."))
