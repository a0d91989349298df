"""Background work for referrals: the timer sweep, nothing more."""

from __future__ import annotations

from django.tasks import task

from tsunagiai.referrals.actions import sweep_referral_timers


@task
def sweep_referral_timers_task() -> int:
    """Post overdue referrals and escalate the ones nobody accepted in time (safe to run twice)."""
    return sweep_referral_timers()
