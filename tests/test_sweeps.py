from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from tsunagiai.inbox.models import InboxItem
from tsunagiai.referrals.tests.helpers import send


def test_run_sweeps_posts_each_situation_once(town, time_machine) -> None:
    # A referral nobody opened for two weeks is overdue at every step.
    time_machine.move_to("2026-11-02 10:00 +0900")
    send(town)
    time_machine.move_to("2026-11-16 10:00 +0900")
    out = StringIO()
    call_command("run_sweeps", stdout=out)
    for name in ("referral_timers", "coordination_overstay", "action_overdue", "plan_review_due", "no_contact"):
        assert f"{name}=" in out.getvalue()
    posted = InboxItem.objects.filter(kind__in=["referral_overdue", "referral_escalated"]).count()
    assert posted > 0
    call_command("run_sweeps", stdout=StringIO())
    assert InboxItem.objects.filter(kind__in=["referral_overdue", "referral_escalated"]).count() == posted
