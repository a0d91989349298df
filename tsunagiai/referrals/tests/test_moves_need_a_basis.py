"""A consent-based referral moves forward only while its consent holds (issue 11).

The receiving organisation could still accept a referral after the person withdrew the consent it
rested on (or after the consent expired), and then start and complete the work — each step using
and reporting on information the person no longer agreed to share. Now accepting, recording the
first contact, starting or resuming and completing are refused with a Japanese message on the basis
for sharing (a form error on the page, 422 naming ``sharing_basis`` in the API); declining, putting
on hold and recording that it could not be completed stay possible, so the referral can be closed. A
referral on a legal exception is not affected.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tsunagiai.consent.actions import do_record_consent, do_withdraw_consent
from tsunagiai.consent.models import Consent
from tsunagiai.core.errors import ActionRefused
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.referrals.actions import do_transition_referral
from tsunagiai.referrals.models import Referral, Status
from tsunagiai.referrals.tests.helpers import RECIPIENT_USER, SENDER_USER, move_to, send, transition_arguments
from tsunagiai.testing import Town

MESSAGE = "同意が撤回されたか期限が切れ"  # part of the Japanese message on the basis for sharing
FORWARD = [
    (Status.SEEN, Status.ACCEPTED),
    (Status.ACCEPTED, Status.FIRST_CONTACT),
    (Status.FIRST_CONTACT, Status.IN_PROGRESS),
    (Status.ON_HOLD, Status.IN_PROGRESS),
    (Status.IN_PROGRESS, Status.COMPLETED),
    (Status.ON_HOLD, Status.COMPLETED),
]
WAYS_OUT = [
    (Status.SEEN, Status.DECLINED),
    (Status.ACCEPTED, Status.FAILED),
    (Status.IN_PROGRESS, Status.ON_HOLD),
    (Status.IN_PROGRESS, Status.FAILED),
    (Status.SEEN, Status.CANCELLED),
]


def _consented(town: Town, *, expires_on: dt.date | None = None, basis: str = "consent") -> tuple[Referral, Consent]:
    person = make_person(town, family_name="佐藤", given_name="一郎", birth_date=dt.date(1980, 4, 1))
    consent = do_record_consent(
        person,
        acting_user=town.users[SENDER_USER],
        organisation=town.orgs["branch_north"],
        given_on=timezone.localdate(),
        expires_on=expires_on,
        method="written",
        scope_organisations=[town.orgs["csw"]],
    )
    intake = make_intake(town, person=person, is_anonymous=False)
    return send(town, intake=intake, sharing_basis=basis), consent


def _withdraw(town: Town, consent: Consent) -> None:
    do_withdraw_consent(consent, acting_user=town.users[SENDER_USER], note="本人の申出")


def _actor(to: str) -> Any:
    return SENDER_USER if to == Status.CANCELLED else RECIPIENT_USER


@pytest.mark.parametrize(("start", "to"), FORWARD, ids=[f"{a}->{b}" for a, b in FORWARD])
def test_no_forward_move_once_the_consent_is_withdrawn(town: Town, start: str, to: str) -> None:
    referral, consent = _consented(town)
    referral = move_to(town, referral, start)
    _withdraw(town, consent)
    with pytest.raises(ActionRefused) as refused:
        do_transition_referral(referral, to, acting_user=town.users[RECIPIENT_USER], **transition_arguments(to))
    assert refused.value.field == "sharing_basis"
    assert MESSAGE in str(refused.value)
    assert Referral.objects.get(pk=referral.pk).status == start


@pytest.mark.parametrize(("start", "to"), WAYS_OUT, ids=[f"{a}->{b}" for a, b in WAYS_OUT])
def test_the_referral_can_still_be_closed_or_paused(town: Town, start: str, to: str) -> None:
    referral, consent = _consented(town)
    referral = move_to(town, referral, start)
    _withdraw(town, consent)
    do_transition_referral(referral, to, acting_user=town.users[_actor(to)], **transition_arguments(to))
    assert Referral.objects.get(pk=referral.pk).status == to


def test_an_expired_consent_stops_the_acceptance_too(town: Town) -> None:
    referral, _consent = _consented(town, expires_on=timezone.localdate() + dt.timedelta(days=3))
    referral = move_to(town, referral, Status.SEEN)
    with time_machine.travel(timezone.now() + dt.timedelta(days=5)), pytest.raises(ActionRefused):
        do_transition_referral(referral, Status.ACCEPTED, acting_user=town.users[RECIPIENT_USER])
    assert Referral.objects.get(pk=referral.pk).status == Status.SEEN


def test_a_legal_exception_is_not_affected(town: Town) -> None:
    referral, consent = _consented(town, basis="life_and_safety")
    referral = move_to(town, referral, Status.SEEN)
    _withdraw(town, consent)
    do_transition_referral(referral, Status.ACCEPTED, acting_user=town.users[RECIPIENT_USER])
    assert Referral.objects.get(pk=referral.pk).status == Status.ACCEPTED


def test_the_page_refuses_the_acceptance_with_the_message_on_the_basis(client: Client, town: Town) -> None:
    referral, consent = _consented(town)
    referral = move_to(town, referral, Status.SEEN)
    _withdraw(town, consent)
    client.force_login(town.users[RECIPIENT_USER])
    response = client.post(
        f"/referrals/{referral.pk}/transition/",
        {"to": Status.ACCEPTED, "version": referral.version, "note": "受け入れます"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert MESSAGE in body
    assert "受け入れます" in body  # the note typed is kept
    assert Referral.objects.get(pk=referral.pk).status == Status.SEEN


def test_the_api_refuses_the_acceptance_naming_the_basis(client: Client, town: Town) -> None:
    referral, consent = _consented(town)
    referral = move_to(town, referral, Status.SEEN)
    _withdraw(town, consent)
    client.force_login(town.users[RECIPIENT_USER])
    response = client.post(
        f"/api/v1/referrals/{referral.pk}/transitions",
        {"to": Status.ACCEPTED, "version": referral.version},
        content_type="application/json",
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors[0]["field"] == "sharing_basis" and MESSAGE in errors[0]["message"]
    # Completing after the consent went: refused the same way.
    other, other_consent = _consented(town)
    other = move_to(town, other, Status.IN_PROGRESS)
    _withdraw(town, other_consent)
    response = client.post(
        f"/api/v1/referrals/{other.pk}/transitions",
        {"to": Status.COMPLETED, "version": other.version, **transition_arguments(Status.COMPLETED)},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "sharing_basis"
