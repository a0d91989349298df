"""``manage.py sweep_referrals``: run the referral timers once (cron, or a worker's schedule)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tsunagiai.referrals.actions import sweep_referral_timers


class Command(BaseCommand):
    help = "Post overdue referrals to the inboxes and escalate the ones nobody accepted in time."

    def handle(self, *args: Any, **options: Any) -> None:
        found = sweep_referral_timers()
        self.stdout.write(f"{found} overdue referral(s) checked.")
