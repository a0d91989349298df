"""``manage.py run_sweeps``: every periodic check at once — what cron runs in a city.

Referral timers, the coordination section's overstay as lead, overdue plan
actions, plan reviews due, cases with no contact, team access that lost its
consent, regional issues proposed from unmet needs, and export files past
their retention (reports). Each sweep is
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


class Command(BaseCommand):
    help = "Run every periodic sweep (referral timers, lead overstay, support reminders, expired consents) once."

    def handle(self, *args: Any, **options: Any) -> None:
        from tsunagiai.cases.actions import end_team_access_without_consent, sweep_coordination_overstay
        from tsunagiai.core.locks import sweep_lock
        from tsunagiai.core.middleware import sweep_idempotency_keys
        from tsunagiai.referrals.actions import sweep_referral_timers
        from tsunagiai.regional.actions import sweep_regional_clusters
        from tsunagiai.reports.exports import sweep_export_jobs
        from tsunagiai.support.sweeps import sweep_support

        now = timezone.now()
        referrals = sweep_referral_timers(now)
        overstay = sweep_coordination_overstay(now)
        support = sweep_support(now)
        # Consents also end by expiry: organisations on a team only on their
        # strength leave it (withdrawal does this at once, see consent.actions).
        with sweep_lock("team_access_without_consent") as acquired:
            consent_ended = end_team_access_without_consent(acting_user=None) if acquired else 0
        regional = sweep_regional_clusters(now)
        idempotency = sweep_idempotency_keys(now)
        export_jobs = sweep_export_jobs(now)  # export files past their 24 h are deleted
        self.stdout.write(
            f"referral_timers={referrals} coordination_overstay={overstay} "
            f"action_overdue={support.action_overdue} plan_review_due={support.plan_review_due} "
            f"no_contact={support.no_contact} team_access_ended={consent_ended} regional_issues={regional} "
            f"idempotency_keys={idempotency} export_jobs={export_jobs}"
        )
