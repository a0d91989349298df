"""``manage.py sweep_support``: post the support reminders now (cron or a scheduler calls it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tsunagiai.support.sweeps import sweep_support


class Command(BaseCommand):
    help = "Post overdue plan actions, plan reviews due and cases with no contact to the inboxes (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep_support()
        self.stdout.write(
            f"action_overdue={result.action_overdue} plan_review_due={result.plan_review_due} "
            f"no_contact={result.no_contact}"
        )
