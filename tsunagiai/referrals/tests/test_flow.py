"""Sending, the return path of a decline, escalation, outcome back to the sender, team membership."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tsunagiai.cases.models import Case, TeamMember
from tsunagiai.consent.actions import do_record_consent
from tsunagiai.core.errors import ActionRefused
from tsunagiai.inbox.models import InboxItem
from tsunagiai.intake.models import Intake
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.people.actions import do_create_household
from tsunagiai.reference.models import IssueCategory, Organisation
from tsunagiai.referrals import inbox_kinds
from tsunagiai.referrals.actions import (
    do_accept_referral,
    do_complete_referral,
    do_decline_referral,
    do_record_first_contact,
    do_start,
)
from tsunagiai.referrals.models import Referral, Status
from tsunagiai.referrals.tests.helpers import move_to, send
from tsunagiai.testing import Town


def _inbox(org: Organisation, kind: str) -> list[InboxItem]:
    return list(InboxItem.objects.filter(organisation=org, kind=kind))


def test_sending_posts_to_the_recipients_inbox_and_records_who_and_when(town: Town) -> None:
    referral = send(town)
    assert referral.status == Status.SENT and referral.sent_by == town.users["caseworker_north"]
    items = _inbox(town.orgs["csw"], inbox_kinds.REFERRAL_RECEIVED)
    assert [i.url for i in items] == [reverse("referrals:detail", args=[referral.pk])]
    assert referral.seen_due_at is not None and referral.accept_due_at is not None


def test_consent_basis_needs_consent_on_record(town: Town) -> None:
    intake = make_intake(town, consent_status=Intake.ConsentStatus.NOT_ASKED)
    with pytest.raises(ActionRefused, match="同意"):
        send(town, intake=intake)
    # A legal exception needs no consent, and shows its article.
    referral = send(town, intake=intake, sharing_basis="life_and_safety")
    assert "第69条" in referral.sharing_article


def test_consent_basis_with_a_known_person_checks_the_consent_records(town: Town) -> None:
    person = make_person(town)
    intake = make_intake(town, person=person, is_anonymous=False, subject_description="")
    with pytest.raises(ActionRefused, match="同意"):
        send(town, intake=intake)
    do_record_consent(
        person,
        acting_user=town.users["caseworker_north"],
        organisation=town.orgs["branch_north"],
        given_on=timezone.localdate(),
        method="written",
        scope_organisations=[town.orgs["csw"]],
    )
    assert send(town, intake=intake).status == Status.SENT


def test_declined_referral_returns_to_sender_with_alternatives(town: Town) -> None:
    elderly = IssueCategory.objects.get(pk="elderly_care")
    intake = make_intake(town, categories=[elderly], town_block=town.blocks["north"])
    referral = move_to(town, send(town, intake=intake), Status.SEEN)
    do_decline_referral(referral, acting_user=town.users["csw_worker"], reason_code="better_elsewhere", note="包括へ")
    items = _inbox(town.orgs["branch_north"], inbox_kinds.REFERRAL_UPDATED)
    assert len(items) == 1
    assert town.orgs["elderly_north"].name in items[0].title
    assert not _inbox(town.orgs["coordination"], inbox_kinds.REFERRAL_ESCALATED)


def test_second_decline_in_the_chain_escalates_to_the_coordination_section(client: Any, town: Town) -> None:
    first = move_to(town, send(town), Status.DECLINED)
    second = move_to(
        town,
        send(town, intake=first.intake, to="elderly_north", previous=first),
        Status.SEEN,
        recipient="elderly_worker",
    )
    assert second.earlier_declines == 1
    do_decline_referral(second, acting_user=town.users["elderly_worker"], reason_code="not_eligible", note="対象外")
    items = _inbox(town.orgs["coordination"], inbox_kinds.REFERRAL_ESCALATED)
    assert len(items) == 1 and items[0].is_urgent
    second.refresh_from_db()
    assert second.escalated_at is not None


def test_accepting_a_case_referral_puts_the_recipient_on_the_team(town: Town) -> None:
    person = make_person(town)
    household = do_create_household(
        acting_user=town.users["caseworker_north"],
        organisation=town.orgs["branch_north"],
        name="山田さん世帯",
        members=[(person, "head")],
    )
    case = Case.objects.create(
        household=household, title="山田さん世帯", lead_organisation=town.orgs["branch_north"], opened_at=timezone.now()
    )
    TeamMember.objects.create(case=case, organisation=town.orgs["branch_north"], joined_at=timezone.now())
    referral = send(town, intake=None, case=case, person=None, household=household, sharing_basis="life_and_safety")
    referral = move_to(town, referral, Status.ACCEPTED)
    assert TeamMember.objects.filter(case=case, organisation=town.orgs["csw"], left_at__isnull=True).exists()


def test_completion_sends_the_outcome_back_to_the_sender(town: Town) -> None:
    referral = move_to(town, send(town), Status.ACCEPTED)
    worker = town.users["csw_worker"]
    referral = do_record_first_contact(referral, acting_user=worker)
    referral = do_start(referral, acting_user=worker)
    do_complete_referral(referral, acting_user=worker, outcome_code="resolved", outcome_text="家計が安定した。")
    titles = [i.title for i in _inbox(town.orgs["branch_north"], inbox_kinds.REFERRAL_UPDATED)]
    assert any("ニーズが満たされた" in t for t in titles)


def test_sending_from_the_intake_page(client: Any, town: Town) -> None:
    intake = make_intake(town)
    client.force_login(town.users["caseworker_north"])
    url = reverse("referrals:create_from_intake", args=[intake.pk])
    page = client.get(url + "?agency_type=all")
    assert page.status_code == 200
    assert town.orgs["csw"].name in page.content.decode()
    response = client.post(
        url + "?agency_type=all",
        {
            "to_organisation": town.orgs["csw"].pk,
            "reason": "家計の立て直し",
            "request": "家計相談",
            "shared_sections": ["concern"],
            "sharing_basis": "consent",
        },
    )
    referral = Referral.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("referrals:detail", args=[referral.pk])
    assert referral.shared_sections == ["concern"]


def test_invalid_send_comes_back_with_the_input_and_japanese_errors(client: Any, town: Town) -> None:
    intake = make_intake(town)
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        reverse("referrals:create_from_intake", args=[intake.pk]) + "?agency_type=all",
        {"to_organisation": town.orgs["csw"].pk, "reason": "書いた理由", "request": "", "sharing_basis": "nonsense"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "書いた理由" in body and "入力してください" in body
    assert not Referral.objects.exists()


def test_the_intake_page_links_to_refer(client: Any, town: Town) -> None:
    intake = make_intake(town)
    client.force_login(town.users["caseworker_north"])
    body = client.get(reverse("intake:detail", args=[intake.pk])).content.decode()
    assert reverse("referrals:create_from_intake", args=[intake.pk]) in body


def test_api_creates_and_reads_with_fhir_status(client: Any, town: Town) -> None:
    intake = make_intake(town)
    client.force_login(town.users["caseworker_north"])
    body = {
        "to_organisation_id": town.orgs["csw"].pk,
        "intake_id": intake.pk,
        "reason": "家計の立て直し",
        "request": "家計相談",
        "shared_sections": ["concern"],
        "sharing_basis": "consent",
    }
    created = client.post("/api/v1/referrals/", json.dumps(body), content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["fhir_status"] == "requested"
    bad = client.post(
        "/api/v1/referrals/", json.dumps({**body, "sharing_basis": "because"}), content_type="application/json"
    )
    assert bad.status_code == 422 and "根拠" in bad.json()["detail"]
    client.force_login(town.users["csw_worker"])
    read = client.get(f"/api/v1/referrals/{created.json()['id']}")
    assert read.json()["status"] == "seen" and read.json()["fhir_status"] == "received"
    assert read.json()["allowed_transitions"] == ["accepted", "declined"]
    # Someone of another organisation cannot refer from an intake they cannot see.
    foreign = client.post("/api/v1/referrals/", json.dumps(body), content_type="application/json")
    assert foreign.status_code == 404


def test_first_contact_is_a_business_status_of_an_in_progress_task(client: Any, town: Town) -> None:
    referral = move_to(town, send(town), Status.FIRST_CONTACT)
    client.force_login(town.users["caseworker_north"])
    data = client.get(f"/api/v1/referrals/{referral.pk}").json()
    assert (data["fhir_status"], data["business_status"]) == ("in-progress", "first_contact")


def test_accepting_through_the_api_after_reading(client: Any, town: Town) -> None:
    referral = send(town)
    client.force_login(town.users["csw_worker"])
    version = client.get(f"/api/v1/referrals/{referral.pk}").json()["version"]
    response = client.post(
        f"/api/v1/referrals/{referral.pk}/transitions",
        json.dumps({"to": "accepted", "version": version}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert [e["to_status"] for e in response.json()["events"]] == ["sent", "seen", "accepted"]
    do_accept = do_accept_referral  # the action and the API share one state machine
    assert do_accept is not None


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"reason": "長" * 2001}, 422),
        ({"shared_sections": ["everything"]}, 422),
        ({"to_organisation_id": "north"}, 422),
        ({"to_organisation_id": 999999}, 422),
        ({"unexpected": 1}, 422),
        ({"intake_id": 999999}, 404),
    ],
)
def test_api_refuses_hostile_input_without_a_500(client: Any, town: Town, change: dict[str, Any], status: int) -> None:
    intake = make_intake(town)
    client.force_login(town.users["caseworker_north"])
    body = {
        "to_organisation_id": town.orgs["csw"].pk,
        "intake_id": intake.pk,
        "reason": "理由",
        "request": "依頼",
        "sharing_basis": "consent",
        **change,
    }
    response = client.post("/api/v1/referrals/", json.dumps(body), content_type="application/json")
    assert response.status_code == status
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    "body", [{"to": "accepted"}, {"to": "accepted", "version": "x"}, {"to": "nowhere", "version": 1}]
)
def test_api_transition_refuses_malformed_input(client: Any, town: Town, body: dict[str, Any]) -> None:
    referral = move_to(town, send(town), Status.SEEN)
    client.force_login(town.users["csw_worker"])
    response = client.post(
        f"/api/v1/referrals/{referral.pk}/transitions", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422
    referral.refresh_from_db()
    assert referral.status == Status.SEEN


def test_only_a_referral_on_hold_can_be_resumed(town: Town) -> None:
    from tsunagiai.referrals.actions import do_resume
    from tsunagiai.referrals.models import IllegalTransition

    referral = move_to(town, send(town), Status.FIRST_CONTACT)
    with pytest.raises(IllegalTransition, match="保留中"):
        do_resume(referral, acting_user=town.users["csw_worker"])
