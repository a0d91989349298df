"""Compile every .po file of the project into its .mo file (with polib, no gettext needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


def project_po_files() -> list[Path]:
    base = Path(settings.BASE_DIR)
    return sorted(
        path
        for path in base.glob("**/locale/*/LC_MESSAGES/*.po")
        if ".venv" not in path.parts and "var" not in path.parts
    )


class Command(BaseCommand):
    help = "Compile the project's .po translation files into .mo files."

    def handle(self, *args: Any, **options: Any) -> None:
        for po_path in project_po_files():
            catalogue = polib.pofile(str(po_path))
            catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
            self.stdout.write(f"{po_path.relative_to(settings.BASE_DIR)}: {catalogue.percent_translated()}% translated")
