"""``manage.py run_sweeps``: every periodic check at once — what cron runs in a city.

Referral timers, the coordination section's overstay as lead, overdue plan
actions, plan reviews due, cases with no contact, team access that lost its
consent, regional issues proposed from unmet needs, and export files past
their retention (reports). Each app registers its sweeps in its own
``sweeps.py`` (``tsunagiai.core.sweeps.register_sweep``); this command runs
them in their registered order and imports no app. Each sweep is
idempotent, so running this every few minutes (or twice at once) posts each
situation to an inbox only once: the database allows one open inbox item per
situation and one open regional issue per cluster, and on PostgreSQL each
sweep holds an advisory lock while it runs, so a second run started meanwhile
skips that sweep (its count reads 0) instead of racing it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from tsunagiai.core.sweeps import registered_sweeps


class Command(BaseCommand):
    help = "Run every periodic sweep (referral timers, lead overstay, support reminders, expired consents) once."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        counts: dict[str, int] = {}
        for sweep in registered_sweeps():
            counts.update(sweep.run(now))
        self.stdout.write(" ".join(f"{name}={count}" for name, count in counts.items()))
