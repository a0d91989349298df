"""manage.py build_pdf_fonts: cut the PDF reports' Japanese fonts out of the system's Noto Sans CJK (once, at deploy).

Takes about a minute and ~270 MB of memory, once; every PDF after it needs ~55 MB less (docs/performance.md,
"Monthly PDF"). Without the files the PDFs still render, with the full system fonts.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tsunagiai.reports import pdffonts


class Command(BaseCommand):
    help = "Write the PDF fonts (Noto Sans CJK JP regular and bold, Japanese characters only) to REPORTS_PDF_FONT_DIR."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            written = pdffonts.build()
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        for path in written:
            self.stdout.write(f"{path} ({path.stat().st_size / 2**20:.1f} MB)")
        self.stdout.write(f"PDF fonts written in {time.perf_counter() - started:.1f} s.")
