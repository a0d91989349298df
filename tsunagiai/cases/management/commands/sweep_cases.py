"""``manage.py sweep_cases``: run the case sweeps now (the coordination section's overstay)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tsunagiai.cases.actions import sweep_coordination_overstay
from tsunagiai.cases.selectors import overstay_days


class Command(BaseCommand):
    help = "Post an inbox warning for every case the coordination section has led too long after a specialist joined."

    def handle(self, *args: Any, **options: Any) -> None:
        posted = sweep_coordination_overstay()
        self.stdout.write(f"coordination overstay (> {overstay_days()} days): {posted} warning(s) posted")
