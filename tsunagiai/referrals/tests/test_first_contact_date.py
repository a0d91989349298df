"""The first contact can be recorded after the fact: back-dated, but not before sending nor in the future."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from django.urls import reverse
from django.utils import timezone

from tsunagiai.referrals.models import Status
from tsunagiai.referrals.tests.helpers import RECIPIENT_USER, move_to, send
from tsunagiai.testing import Town

JST = dt.timezone(dt.timedelta(hours=9))


def _accepted(town: Town) -> Any:
    with time_machine.travel(dt.datetime(2026, 6, 1, 9, 0, tzinfo=JST), tick=False):
        referral = send(town)
        return move_to(town, referral, Status.ACCEPTED)


def _post(client: Any, referral: Any, contact_at: str) -> Any:
    data = {"to": "first_contact", "version": referral.version, "contact_at": contact_at}
    return client.post(reverse("referrals:transition", args=[referral.pk]), data)


def test_first_contact_page_offers_the_contact_time_defaulting_to_now(client: Any, town: Town) -> None:
    referral = _accepted(town)
    client.force_login(town.users[RECIPIENT_USER])
    with time_machine.travel(dt.datetime(2026, 6, 3, 14, 30, tzinfo=JST), tick=False):
        body = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert 'name="contact_at" value="2026-06-03T14:30"' in body
    assert "初回接触日時" in body


def test_first_contact_can_be_back_dated(client: Any, town: Town) -> None:
    referral = _accepted(town)
    client.force_login(town.users[RECIPIENT_USER])
    with time_machine.travel(dt.datetime(2026, 6, 3, 14, 30, tzinfo=JST), tick=False):
        response = _post(client, referral, "2026-06-02T10:15")
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.FIRST_CONTACT
    assert timezone.localtime(referral.first_contact_at) == dt.datetime(2026, 6, 2, 10, 15, tzinfo=JST)


def test_first_contact_before_the_referral_was_sent_or_in_the_future_is_refused(client: Any, town: Town) -> None:
    referral = _accepted(town)
    client.force_login(town.users[RECIPIENT_USER])
    with time_machine.travel(dt.datetime(2026, 6, 3, 14, 30, tzinfo=JST), tick=False):
        before = _post(client, referral, "2026-05-31T10:00")
        future = _post(client, referral, "2026-06-05T10:00")
        impossible = _post(client, referral, "0001-01-01T00:00")
    for response in (before, future, impossible):
        assert response.status_code == 422
        assert "初回接触日時" in response.content.decode()
    assert "送付" in before.content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    assert referral.first_contact_at is None


def test_first_contact_without_a_time_is_now(client: Any, town: Town) -> None:
    referral = _accepted(town)
    client.force_login(town.users[RECIPIENT_USER])
    moment = dt.datetime(2026, 6, 3, 14, 30, tzinfo=JST)
    with time_machine.travel(moment, tick=False):
        response = _post(client, referral, "")
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.first_contact_at == moment


def test_first_contact_in_the_minute_the_referral_was_sent_is_the_send_time(client: Any, town: Town) -> None:
    # The form offers the current minute; a referral sent at 09:00:40 and answered at once said
    # "before the referral was sent" for 09:00 (a whole-story walk had to empty the field).
    client.force_login(town.users[RECIPIENT_USER])
    with time_machine.travel(dt.datetime(2026, 6, 1, 9, 0, 40, tzinfo=JST), tick=False):
        same_minute = move_to(town, send(town), Status.ACCEPTED)
        minute_before = move_to(town, send(town), Status.ACCEPTED)
        response = _post(client, same_minute, "2026-06-01T09:00")
        earlier = _post(client, minute_before, "2026-06-01T08:59")
    assert response.status_code == 302
    same_minute.refresh_from_db()
    assert same_minute.status == Status.FIRST_CONTACT
    assert same_minute.first_contact_at == same_minute.sent_at
    assert earlier.status_code == 422 and "送付" in earlier.content.decode()
