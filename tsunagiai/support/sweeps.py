"""Reminder sweeps (C5): overdue actions, plan reviews due, and cases that have gone quiet.

Each situation has its own inbox ``dedupe_key``, so a sweep posts an item
once while it stays open, however often (and however concurrently) it runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tsunagiai.cases.models import Case
from tsunagiai.core.locks import sweep_lock
from tsunagiai.core.sweeps import register_sweep
from tsunagiai.inbox.actions import do_post_inbox_item
from tsunagiai.support import inbox_kinds
from tsunagiai.support.models import PlanAction, PlanRevision

# Cases whose support is running: plan and contact reminders apply to them.
ACTIVE_STATUSES = (Case.Status.ACTIVE, Case.Status.MONITORING)


def no_contact_days() -> int:
    return int(getattr(settings, "NO_CONTACT_DAYS", 30))


@dataclass
class SweepResult:
    action_overdue: int = 0
    plan_review_due: int = 0
    no_contact: int = 0


def _post(**fields: object) -> None:
    with transaction.atomic():
        do_post_inbox_item(**fields)  # type: ignore[arg-type]


def sweep_overdue_actions(today: dt.date) -> int:
    """Open actions of current plans past their due date → the owner organisation (and the owner, if a person)."""
    actions = PlanAction.objects.filter(
        revision__plan__case__status__in=ACTIVE_STATUSES,
        revision__number=F("revision__plan__current_number"),
        status__in=[PlanAction.Status.PLANNED, PlanAction.Status.IN_PROGRESS],
        due_on__lt=today,
    ).select_related("revision__plan__case__lead_organisation", "owner_organisation", "owner_user")
    count = 0
    for action in actions:
        case = action.revision.plan.case
        organisation = action.owner_organisation or case.lead_organisation
        title = _("Plan action overdue: %(what)s (%(case)s)") % {"what": action.what[:80], "case": case.title[:60]}
        url = reverse("support:plan", args=[case.pk])
        base = f"support:action:{case.pk}:{action.key}:{action.due_on.isoformat()}"
        _post(
            organisation=organisation,
            kind=inbox_kinds.ACTION_OVERDUE,
            title=title,
            subject=action,
            url=url,
            dedupe_key=f"{base}:org",
        )
        if action.owner_user is not None:
            _post(
                organisation=organisation,
                user=action.owner_user,
                kind=inbox_kinds.ACTION_OVERDUE,
                title=title,
                subject=action,
                url=url,
                dedupe_key=f"{base}:user:{action.owner_user.pk}",
            )
        count += 1
    return count


def sweep_plan_reviews(today: dt.date) -> int:
    """Current plans whose review date has come → the lead organisation."""
    revisions = PlanRevision.objects.filter(
        plan__case__status__in=ACTIVE_STATUSES, number=F("plan__current_number"), review_on__lte=today
    ).select_related("plan__case__lead_organisation")
    count = 0
    for revision in revisions:
        case = revision.plan.case
        _post(
            organisation=case.lead_organisation,
            kind=inbox_kinds.PLAN_REVIEW_DUE,
            title=_("Plan review due: %(case)s") % {"case": case.title[:100]},
            subject=revision,
            url=reverse("support:plan", args=[case.pk]),
            dedupe_key=f"support:review:{case.pk}:{revision.number}:{revision.review_on.isoformat()}",
        )
        count += 1
    return count


def sweep_no_contact(now: dt.datetime) -> int:
    """Running cases without a support record for NO_CONTACT_DAYS → the lead organisation."""
    days = no_contact_days()
    cutoff = now - dt.timedelta(days=days)
    cases = (
        Case.objects.filter(status__in=ACTIVE_STATUSES)
        # A corrected record counts at its correction's date, not at the mistaken one.
        .annotate(last_contact=Max("support_records__occurred_at", filter=Q(support_records__correction__isnull=True)))
        .filter(Q(last_contact__lt=cutoff) | Q(last_contact__isnull=True, opened_at__lt=cutoff))
        .select_related("lead_organisation")
    )
    count = 0
    for case in cases:
        since = case.last_contact.date().isoformat() if case.last_contact else "never"  # type: ignore[attr-defined]
        _post(
            organisation=case.lead_organisation,
            kind=inbox_kinds.NO_CONTACT,
            title=_("No contact for %(days)s days: %(case)s") % {"days": days, "case": case.title[:100]},
            subject=case,
            url=reverse("support:household_timeline", args=[case.household_id]) + f"?case={case.pk}",
            dedupe_key=f"support:no_contact:{case.pk}:{since}",
        )
        count += 1
    return count


def sweep_support(now: dt.datetime | None = None) -> SweepResult:
    """Run every support reminder once. Safe to run twice, even at the same time."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with sweep_lock("support") as acquired:  # a second run at once skips (PostgreSQL advisory lock)
        if not acquired:
            return SweepResult()
        with translation.override(settings.LANGUAGE_CODE):
            return SweepResult(
                action_overdue=sweep_overdue_actions(today),
                plan_review_due=sweep_plan_reviews(today),
                no_contact=sweep_no_contact(now),
            )


@register_sweep("support", order=30)
def support_reminders(now: dt.datetime) -> dict[str, int]:
    """``sweep_support`` for ``manage.py run_sweeps`` (see ``tsunagiai.core.sweeps``): its three counts in order."""
    result = sweep_support(now)
    return {
        "action_overdue": result.action_overdue,
        "plan_review_due": result.plan_review_due,
        "no_contact": result.no_contact,
    }
