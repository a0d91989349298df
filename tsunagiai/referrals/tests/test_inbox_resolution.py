"""A referral's inbox items are resolved when the work they ask for is done (issue 16, item 5)."""

from __future__ import annotations

import datetime as dt

from tsunagiai.audit.models import AuditEvent
from tsunagiai.inbox.models import InboxItem
from tsunagiai.inbox.selectors import items_about
from tsunagiai.referrals import inbox_kinds
from tsunagiai.referrals.actions import (
    do_accept_referral,
    do_cancel_referral,
    do_decline_referral,
    do_record_first_contact,
    sweep_referral_timers,
)
from tsunagiai.referrals.models import Status
from tsunagiai.referrals.tests.helpers import move_to, send
from tsunagiai.testing import Town


def _open(referral: object, kind: str) -> list[InboxItem]:
    return list(items_about(referral).filter(kind=kind, resolved_at__isnull=True))  # type: ignore[arg-type]


def test_every_referral_item_names_the_referral_as_its_subject(town: Town) -> None:
    referral = send(town)
    received = InboxItem.objects.get(organisation=town.orgs["csw"], kind=inbox_kinds.REFERRAL_RECEIVED)
    assert received.subject == referral


def test_accepting_resolves_the_arrival_and_the_overdue_alerts_audited_but_not_the_notice_it_sends(
    town: Town,
) -> None:
    referral = move_to(town, send(town), Status.SEEN)
    assert referral.accept_due_at is not None
    sweep_referral_timers(now=referral.accept_due_at + dt.timedelta(hours=1))
    assert _open(referral, inbox_kinds.REFERRAL_OVERDUE) and _open(referral, inbox_kinds.REFERRAL_ESCALATED)
    worker = town.users["csw_worker"]
    do_accept_referral(referral, acting_user=worker)
    assert _open(referral, inbox_kinds.REFERRAL_RECEIVED) == []
    assert _open(referral, inbox_kinds.REFERRAL_OVERDUE) == []
    assert _open(referral, inbox_kinds.REFERRAL_ESCALATED) == []
    resolved = items_about(referral).filter(resolved_at__isnull=False)
    assert {item.resolved_by for item in resolved} == {worker}
    assert AuditEvent.objects.filter(action="inbox.resolved", object_id__in=[str(i.pk) for i in resolved]).count() == (
        resolved.count()
    )
    # The referrer is told of the acceptance: that notice is new, and open.
    assert [i.organisation for i in _open(referral, inbox_kinds.REFERRAL_UPDATED)] == [town.orgs["branch_north"]]


def test_declining_resolves_the_arrival_and_keeps_the_notice_to_the_referrer_open(town: Town) -> None:
    referral = move_to(town, send(town), Status.SEEN)
    do_decline_referral(referral, acting_user=town.users["csw_worker"], reason_code="better_elsewhere", note="包括へ")
    assert _open(referral, inbox_kinds.REFERRAL_RECEIVED) == []
    assert [i.organisation for i in _open(referral, inbox_kinds.REFERRAL_UPDATED)] == [town.orgs["branch_north"]]


def test_cancelling_resolves_the_arrival(town: Town) -> None:
    referral = send(town)
    do_cancel_referral(
        referral, acting_user=town.users["caseworker_north"], reason_code="person_declined", note="本人が辞退"
    )
    assert _open(referral, inbox_kinds.REFERRAL_RECEIVED) == []


def test_recording_first_contact_resolves_the_first_contact_alerts(town: Town) -> None:
    referral = move_to(town, send(town), Status.ACCEPTED)
    assert referral.first_contact_due_at is not None
    sweep_referral_timers(now=referral.first_contact_due_at + dt.timedelta(hours=1))
    assert len(_open(referral, inbox_kinds.REFERRAL_OVERDUE)) == 2  # both sides
    do_record_first_contact(referral, acting_user=town.users["csw_worker"])
    assert _open(referral, inbox_kinds.REFERRAL_OVERDUE) == []
