"""Who sees a referral, need-to-know before acceptance, the list's metrics and its query count."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tsunagiai.accounts import access
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.referrals.actions import do_accept_referral, do_decline_referral
from tsunagiai.referrals.models import Referral, Status
from tsunagiai.referrals.selectors import referral_metrics
from tsunagiai.referrals.tests.helpers import move_to, send
from tsunagiai.testing import Town


@pytest.mark.parametrize(
    ("user", "sees"),
    [
        ("caseworker_north", True),  # the sender
        ("intake_north", True),  # the sender's reception
        ("csw_worker", True),  # the recipient
        ("coordinator", True),  # the coordination section sees all
        ("caseworker_south", False),
        ("elderly_worker", False),
        ("volunteer", False),
        ("analyst", False),
        ("auditor", False),
    ],
)
def test_only_the_two_sides_and_the_coordination_section_see_a_referral(
    client: Any, town: Town, user: str, sees: bool
) -> None:
    referral = send(town)
    client.force_login(town.users[user])
    page = client.get(reverse("referrals:detail", args=[referral.pk]))
    api = client.get(f"/api/v1/referrals/{referral.pk}")
    assert page.status_code == (200 if sees else 404)
    assert api.status_code == (200 if sees else 404)
    assert access.visible_referrals(town.users[user]).filter(pk=referral.pk).exists() == sees


def test_a_third_organisation_cannot_move_a_referral(client: Any, town: Town) -> None:
    referral = move_to(town, send(town), Status.SEEN)
    client.force_login(town.users["caseworker_south"])
    response = client.post(reverse("referrals:transition", args=[referral.pk]), {"to": "accepted", "version": 3})
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == Status.SEEN


def test_opening_as_the_recipient_marks_seen_but_the_sender_does_not(client: Any, town: Town) -> None:
    referral = send(town)
    client.force_login(town.users["caseworker_north"])
    client.get(reverse("referrals:detail", args=[referral.pk]))
    referral.refresh_from_db()
    assert referral.status == Status.SENT
    client.force_login(town.users["csw_worker"])
    body = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    referral.refresh_from_db()
    assert referral.status == Status.SEEN and referral.seen_at is not None
    assert "確認済み" in body


def test_before_accepting_the_recipient_sees_only_the_shared_sections(client: Any, town: Town) -> None:
    person = make_person(town, family_name="佐藤", given_name="一郎", phone="0565-00-0000")
    intake = make_intake(
        town, person=person, is_anonymous=False, subject_description="", concern="秘密の相談内容です。"
    )
    referral = send(town, intake=intake, shared_sections=["person_basic"], sharing_basis="life_and_safety")
    client.force_login(town.users["csw_worker"])
    body = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "佐藤 一郎" in body
    assert "秘密の相談内容" not in body and "0565-00-0000" not in body
    assert client.get(reverse("people:person_detail", args=[person.pk])).status_code == 404
    # Once accepted, the person's record opens to the recipient.
    do_accept_referral(Referral.objects.get(pk=referral.pk), acting_user=town.users["csw_worker"])
    assert client.get(reverse("people:person_detail", args=[person.pk])).status_code == 200
    body = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "秘密の相談内容" in body


def test_the_sender_sees_everything_it_sent(client: Any, town: Town) -> None:
    intake = make_intake(town, concern="送った相談内容。")
    referral = send(town, intake=intake, shared_sections=[])
    client.force_login(town.users["caseworker_north"])
    assert "送った相談内容" in client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()


def test_metrics_per_receiving_organisation(town: Town) -> None:
    completed = move_to(town, send(town), Status.COMPLETED)
    move_to(town, send(town), Status.ACCEPTED)
    declined = move_to(town, send(town), Status.SEEN)
    do_decline_referral(declined, acting_user=town.users["csw_worker"], reason_code="outside_area", note="区域外")
    send(town, to="elderly_north")
    (csw, elderly) = sorted(
        referral_metrics(Referral.objects.all()), key=lambda m: m.organisation_name != "社会福祉協議会"
    )
    assert (csw.total, csw.accepted, csw.loop_closed, csw.declined) == (3, 2, 1, 1)
    assert csw.closed_loop_rate == pytest.approx(1 / 3)
    assert csw.declines_by_reason == {"outside_area": 1}
    assert csw.hours_to_accept is not None and csw.hours_to_accept >= 0
    assert csw.hours_to_first_contact is not None
    assert (elderly.total, elderly.hours_to_accept, elderly.closed_loop_rate) == (1, None, 0.0)
    assert completed.outcome_code == "resolved"


def _list_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_list_query_count_is_the_same_for_1_and_30_referrals(client: Any, town: Town) -> None:
    intake = make_intake(town)
    send(town, intake=intake)
    client.force_login(town.users["coordinator"])
    url = reverse("referrals:list")
    one_page, one_api = _list_queries(client, url), _list_queries(client, "/api/v1/referrals/")
    for i in range(29):
        referral = send(town, intake=intake, to="csw" if i % 2 else "elderly_north")
        if i % 3 == 0:
            move_to(town, referral, Status.SEEN, recipient="csw_worker" if i % 2 else "elderly_worker")
    assert _list_queries(client, url) == one_page
    assert _list_queries(client, "/api/v1/referrals/") == one_api


def test_list_filters_by_direction_and_status(client: Any, town: Town) -> None:
    sent = send(town)
    received = send(town, from_organisation=town.orgs["branch_north"], to="csw")
    move_to(town, received, Status.SEEN)
    client.force_login(town.users["csw_worker"])
    body = client.get(reverse("referrals:list") + "?direction=incoming&status=seen").content.decode()
    assert f"#{received.pk}<" in body and f"#{sent.pk}<" not in body
    assert client.get(reverse("referrals:list") + "?status=nonsense").status_code == 200


def test_shared_history_shows_the_senders_earlier_intakes_without_their_text(
    client: Any, town: Town, time_machine: Any
) -> None:
    from tsunagiai.reference.models import IssueCategory

    person = make_person(town, family_name="佐藤", given_name="一郎")
    time_machine.move_to("2026-06-01 10:00 +0900")
    earlier = make_intake(town, person=person, is_anonymous=False, concern="以前の相談の本文。")
    earlier.categories.set([IssueCategory.objects.get(pk="housing")])
    make_intake(town, "branch_south", "caseworker_south", person=person, is_anonymous=False, concern="南の相談")
    time_machine.move_to("2026-11-02 10:00 +0900")
    intake = make_intake(town, person=person, is_anonymous=False)
    with_history = send(
        town, intake=intake, shared_sections=["person_basic", "history"], sharing_basis="life_and_safety"
    )
    without = send(town, intake=intake, shared_sections=["person_basic"], sharing_basis="life_and_safety")
    client.force_login(town.users["csw_worker"])
    body = client.get(reverse("referrals:detail", args=[with_history.pk])).content.decode()
    assert "令和8年6月1日" in body and "住まい" in body
    assert "以前の相談の本文" not in body
    assert "南の相談" not in body and "南支所" not in body
    assert "令和8年6月1日" not in client.get(reverse("referrals:detail", args=[without.pk])).content.decode()


def test_a_person_seen_through_a_referral_on_consent_is_hidden_once_the_consent_ends(client: Any, town: Town) -> None:
    from django.utils import timezone

    from tsunagiai.consent.actions import do_record_consent, do_withdraw_consent

    person = make_person(town, family_name="佐藤", given_name="一郎")
    consent = do_record_consent(
        person,
        acting_user=town.users["caseworker_north"],
        organisation=town.orgs["branch_north"],
        given_on=timezone.localdate(),
        method="written",
        scope_organisations=[town.orgs["csw"]],
    )
    intake = make_intake(town, person=person, is_anonymous=False)
    on_consent = send(town, intake=intake, shared_sections=["person_basic"], sharing_basis="consent")
    move_to(town, on_consent, "accepted")
    person_url = reverse("people:person_detail", args=[person.pk])
    client.force_login(town.users["csw_worker"])
    assert client.get(person_url).status_code == 200

    do_withdraw_consent(consent, acting_user=town.users["caseworker_north"])
    assert client.get(person_url).status_code == 404

    # A referral on a legal basis keeps the record open.
    on_law = send(town, intake=intake, shared_sections=["person_basic"], sharing_basis="life_and_safety")
    move_to(town, on_law, "accepted")
    assert client.get(person_url).status_code == 200
