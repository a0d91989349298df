"""``manage.py load_reference``: load or re-load the reference data files, idempotently."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils.translation import gettext as _

from tsunagiai.reference.actions import do_load_reference
from tsunagiai.reference.loading import ReferenceDataError


class Command(BaseCommand):
    help = (
        "Load the municipality's reference data (areas, town blocks, organisations) and the shared "
        "vocabulary, and report what was created, updated and deactivated. A file with any problem is "
        "refused with the line and field at fault, and nothing is changed; so is a load that would "
        "deactivate more than REFERENCE_MAX_DEACTIVATION_SHARE of any kind of row, unless "
        "--allow-mass-deactivation is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir", type=Path, default=None, help="folder of the municipality's files (default: REFERENCE_DATA_DIR)"
        )
        parser.add_argument("--taxonomy", type=Path, default=None, help="taxonomy.yaml (default: TAXONOMY_FILE)")
        parser.add_argument("--dry-run", action="store_true", help="report what would change, save nothing")
        parser.add_argument(
            "--allow-mass-deactivation",
            action="store_true",
            help="accept a load that deactivates more than REFERENCE_MAX_DEACTIVATION_SHARE of a kind of row",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["dir"] or settings.REFERENCE_DATA_DIR)
        taxonomy_file = Path(options["taxonomy"] or settings.TAXONOMY_FILE)
        dry_run = bool(options["dry_run"])
        try:
            report = do_load_reference(
                directory,
                taxonomy_file,
                dry_run=dry_run,
                allow_mass_deactivation=bool(options["allow_mass_deactivation"]),
            )
        except ReferenceDataError as error:
            heading = _("The reference data was refused (%(count)d problems); nothing was changed.") % {
                "count": len(error.problems)
            }
            raise CommandError("\n".join([heading, *(str(problem) for problem in error.problems)])) from None
        except (DatabaseError, ValueError, OSError, RecursionError, MemoryError) as error:
            # Whatever the checks above did not foresee: the transaction was rolled back; say so, no traceback.
            raise CommandError(
                _("The reference data could not be loaded; nothing was changed: %(error)s")
                % {"error": f"{type(error).__name__}: {error}"[:500]}
            ) from None
        for line in report.lines():
            self.stdout.write(line)
        if dry_run:
            self.stdout.write(_("Dry run: nothing was saved."))
