"""The receiving side reads a referral's shared sections only while the basis for sharing holds.

Once the consent it rested on is withdrawn or has expired, or the referral was
declined or cancelled, the receiving organisation sees that the referral
exists, its dates and its codes — on the page, in the API, in the case's list
and in its inbox — and nothing of what was shared. The sender keeps what it sent.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tsunagiai.accounts import access
from tsunagiai.consent.actions import do_record_consent, do_withdraw_consent
from tsunagiai.consent.models import Consent
from tsunagiai.inbox.models import InboxItem
from tsunagiai.intake.actions import do_update_intake
from tsunagiai.intake.models import Intake
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.people.actions import do_create_household
from tsunagiai.referrals.actions import do_decline_referral, do_send_referral, do_transition_referral
from tsunagiai.referrals.models import Referral, Status
from tsunagiai.referrals.tests.helpers import RECIPIENT_USER, SENDER_USER, move_to, send, transition_arguments
from tsunagiai.testing import Town

NAME = "佐藤 一郎"
PHONE = "0565-00-1234"
ROOM = "201号室"
CONCERN = "夫からの暴力があり、夜は眠れないと話している。"
REASON = "配偶者からの暴力の疑いがあり、生活の立て直しが必要。"
REQUEST = "住まいの確保と継続的な相談をお願いします。"
DECLINE_NOTE = "当方の定員を超えているため。"
# Everything that was shared or that carries it: none of it may show once the basis is gone.
SHARED = (NAME, PHONE, ROOM, CONCERN, REASON, REQUEST, "1980")
SECTIONS = ["person_basic", "contact", "concern", "categories", "household", "history"]


@dataclass
class Story:
    referral: Referral
    consent: Consent
    intake: Intake


def _story(town: Town, *, basis: str = "consent", expires_on: dt.date | None = None) -> Story:
    person = make_person(
        town,
        family_name="佐藤",
        given_name="一郎",
        birth_date=dt.date(1980, 4, 1),
        phone=PHONE,
        town_block=town.blocks["north"],
        address_line=f"1-2-3 {ROOM}",
    )
    do_create_household(
        acting_user=town.users[SENDER_USER],
        organisation=town.orgs["branch_north"],
        name="佐藤さん世帯",
        members=[(person, "head")],
        started_on=dt.date(2020, 1, 1),
    )
    consent = do_record_consent(
        person,
        acting_user=town.users[SENDER_USER],
        organisation=town.orgs["branch_north"],
        given_on=timezone.localdate(),
        expires_on=expires_on,
        method="written",
        scope_organisations=[town.orgs["csw"]],
    )
    intake = make_intake(town, person=person, is_anonymous=False, subject_description="", concern=CONCERN)
    referral = send(town, intake=intake, reason=REASON, request=REQUEST, shared_sections=SECTIONS, sharing_basis=basis)
    return Story(referral=referral, consent=consent, intake=intake)


def _page(client: Client, referral: Referral) -> tuple[int, str]:
    response = client.get(f"/referrals/{referral.pk}/")
    return response.status_code, response.content.decode()


def _api(client: Client, referral: Referral) -> tuple[int, dict[str, Any]]:
    response = client.get(f"/api/v1/referrals/{referral.pk}")
    return response.status_code, response.json()


def _api_text(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False)


def _leaks(text: str) -> list[str]:
    return [item for item in SHARED if item in text]


def _recipient_sees_only_codes(client: Client, town: Town, referral: Referral) -> None:
    client.force_login(town.users[RECIPIENT_USER])
    status, body = _page(client, referral)
    assert status == 200  # the referral still exists for them
    assert _leaks(body) == []
    assert 'id="shared-withheld"' in body
    assert f"#{referral.pk}" in body and referral.get_status_display() in body
    status, data = _api(client, referral)
    assert status == 200
    assert _leaks(_api_text(data)) == []
    assert data["shared_sections_withheld"] is True
    assert data["status"] == referral.status and data["shared_sections"] == sorted(SECTIONS)
    listing = client.get("/api/v1/referrals/?direction=incoming").json()
    assert _leaks(_api_text(listing)) == []
    assert _leaks(client.get("/referrals/?direction=incoming").content.decode()) == []
    assert client.get(f"/people/{referral.person_id}/").status_code == 404


def _recipient_sees_what_was_shared(client: Client, town: Town, referral: Referral) -> None:
    client.force_login(town.users[RECIPIENT_USER])
    status, body = _page(client, referral)
    assert status == 200
    assert NAME in body and CONCERN in body and REASON in body
    assert 'id="shared-withheld"' not in body
    status, data = _api(client, referral)
    assert data["shared_sections_withheld"] is False and data["reason"] == REASON


def _sender_keeps_everything(client: Client, town: Town, referral: Referral) -> None:
    client.force_login(town.users[SENDER_USER])
    status, body = _page(client, referral)
    assert status == 200 and NAME in body and CONCERN in body and REASON in body
    status, data = _api(client, referral)
    assert data["shared_sections_withheld"] is False and data["reason"] == REASON and data["request"] == REQUEST


@pytest.mark.parametrize("state", [Status.SEEN, Status.ACCEPTED, Status.IN_PROGRESS, Status.COMPLETED])
def test_after_the_consent_is_withdrawn_the_receiver_sees_codes_only(client: Client, town: Town, state: str) -> None:
    story = _story(town)
    referral = move_to(town, story.referral, state)
    _recipient_sees_what_was_shared(client, town, referral)

    do_withdraw_consent(story.consent, acting_user=town.users[SENDER_USER], note="本人の申し出")
    referral.refresh_from_db()
    _recipient_sees_only_codes(client, town, referral)
    _sender_keeps_everything(client, town, referral)


def test_after_the_consent_expires_the_receiver_sees_codes_only(client: Client, town: Town) -> None:
    story = _story(town, expires_on=timezone.localdate() + dt.timedelta(days=30))
    referral = move_to(town, story.referral, Status.ACCEPTED)
    _recipient_sees_what_was_shared(client, town, referral)
    with time_machine.travel(timezone.now() + dt.timedelta(days=31), tick=False):
        _recipient_sees_only_codes(client, town, referral)
        _sender_keeps_everything(client, town, referral)


@pytest.mark.parametrize("basis", ["consent", "life_and_safety"])
def test_after_a_decline_the_receiver_sees_codes_only(client: Client, town: Town, basis: str) -> None:
    story = _story(town, basis=basis)
    referral = move_to(town, story.referral, Status.SEEN)
    _recipient_sees_what_was_shared(client, town, referral)
    referral = do_decline_referral(
        referral, acting_user=town.users[RECIPIENT_USER], reason_code="no_capacity", note=DECLINE_NOTE
    )
    _recipient_sees_only_codes(client, town, referral)
    body = _page(client, referral)[1]
    assert "受け入れ枠がない" in body and DECLINE_NOTE not in body  # the code, not the words
    _sender_keeps_everything(client, town, referral)


@pytest.mark.parametrize("basis", ["consent", "life_and_safety"])
def test_after_a_cancellation_the_receiver_sees_codes_only(client: Client, town: Town, basis: str) -> None:
    story = _story(town, basis=basis)
    referral = move_to(town, story.referral, Status.SEEN)
    _recipient_sees_what_was_shared(client, town, referral)
    referral = do_transition_referral(
        referral, Status.CANCELLED, acting_user=town.users[SENDER_USER], **transition_arguments(Status.CANCELLED)
    )
    _recipient_sees_only_codes(client, town, referral)
    _sender_keeps_everything(client, town, referral)


def test_a_legal_basis_holds_without_consent_until_refused(client: Client, town: Town) -> None:
    story = _story(town, basis="life_and_safety")
    referral = move_to(town, story.referral, Status.COMPLETED)
    do_withdraw_consent(story.consent, acting_user=town.users[SENDER_USER])
    referral.refresh_from_db()
    _recipient_sees_what_was_shared(client, town, referral)


def test_an_unidentified_persons_referral_rests_on_the_intakes_consent(client: Client, town: Town) -> None:
    intake = make_intake(town, concern=CONCERN)  # anonymous, consent "oral" at the counter
    referral = move_to(town, send(town, intake=intake, reason=REASON, request=REQUEST), Status.ACCEPTED)
    client.force_login(town.users[RECIPIENT_USER])
    assert CONCERN in _page(client, referral)[1]
    intake.refresh_from_db()
    do_update_intake(
        intake,
        acting_user=town.users[SENDER_USER],
        expected_version=intake.version,
        consent_status=Intake.ConsentStatus.REFUSED,
    )
    status, body = _page(client, referral)
    assert status == 200 and CONCERN not in body and REASON not in body


def test_a_case_referral_rests_on_the_consent_of_the_cases_people(client: Client, town: Town) -> None:
    from tsunagiai.support.tests.helpers import make_case, make_household, members

    household = make_household(town, names=("佐藤", "佐藤"))
    case = make_case(town, household)
    consents = [
        do_record_consent(
            person,
            acting_user=town.users[SENDER_USER],
            organisation=town.orgs["branch_north"],
            given_on=timezone.localdate(),
            method="written",
            scope_organisations=[town.orgs["csw"]],
        )
        for person in members(household)
    ]
    referral = do_send_referral(
        acting_user=town.users[SENDER_USER],
        from_organisation=town.orgs["branch_north"],
        to_organisation=town.orgs["csw"],
        reason=REASON,
        request=REQUEST,
        shared_sections=["household"],
        sharing_basis="consent",
        household=household,
        case=case,
    )
    client.force_login(town.users[RECIPIENT_USER])
    assert REASON in _page(client, referral)[1]
    do_withdraw_consent(consents[1], acting_user=town.users[SENDER_USER])
    status, body = _page(client, referral)
    assert status == 200 and REASON not in body and 'id="shared-withheld"' in body


def test_the_receivers_inbox_names_no_one(client: Client, town: Town) -> None:
    story = _story(town)
    referral = move_to(town, story.referral, Status.SEEN)
    do_decline_referral(referral, acting_user=town.users[RECIPIENT_USER], reason_code="no_capacity", note=DECLINE_NOTE)
    titles = " ".join(InboxItem.objects.values_list("title", flat=True))
    assert _leaks(titles) == [] and DECLINE_NOTE not in titles
    client.force_login(town.users[RECIPIENT_USER])
    assert _leaks(client.get("/inbox/").content.decode()) == []


def test_the_decision_is_one_function_for_every_state(town: Town) -> None:
    """``may_see_referral_shared_sections`` for each state, both sides and the coordination section."""
    recipient, sender, coordinator = (town.users[k] for k in (RECIPIENT_USER, SENDER_USER, "coordinator"))
    expected_for_recipient = {
        Status.SENT: True,
        Status.SEEN: True,
        Status.ACCEPTED: True,
        Status.FIRST_CONTACT: True,
        Status.IN_PROGRESS: True,
        Status.ON_HOLD: True,
        Status.COMPLETED: True,
        Status.FAILED: True,
        Status.DECLINED: False,
        Status.CANCELLED: False,
    }
    for state, expected in expected_for_recipient.items():
        referral = move_to(town, _story(town).referral, state)
        assert access.may_see_referral_shared_sections(recipient, referral) is expected, state
        assert access.may_see_referral_shared_sections(sender, referral), state
        assert access.may_see_referral_shared_sections(coordinator, referral), state
        assert not access.may_see_referral_shared_sections(town.users["caseworker_south"], referral), state


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_receivers_list_costs_the_same_for_1_and_20_referrals(client: Client, town: Town) -> None:
    story = _story(town)
    client.force_login(town.users[RECIPIENT_USER])
    url = "/api/v1/referrals/?direction=incoming&limit=100"
    one = _queries(client, url)
    for i in range(19):
        referral = send(town, intake=story.intake, reason=REASON, request=REQUEST, shared_sections=SECTIONS)
        if i % 3 == 0:
            move_to(town, referral, Status.ACCEPTED)
        elif i % 3 == 1:
            move_to(town, referral, Status.DECLINED)
    assert _queries(client, url) == one
    do_withdraw_consent(story.consent, acting_user=town.users[SENDER_USER])
    body = client.get(url).json()
    assert len(body["items"]) == 20 and all(item["shared_sections_withheld"] for item in body["items"])
