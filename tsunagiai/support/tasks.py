"""Background work for support: the periodic reminder sweep."""

from __future__ import annotations

from django.tasks import task

from tsunagiai.support.sweeps import sweep_support


@task
def sweep_support_reminders() -> dict[str, int]:
    """Post overdue-action, plan-review and no-contact items (idempotent; run it as often as you like)."""
    result = sweep_support()
    return {
        "action_overdue": result.action_overdue,
        "plan_review_due": result.plan_review_due,
        "no_contact": result.no_contact,
    }
