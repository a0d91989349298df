"""Every disclosure needs a consent in scope or a recorded legal basis: team membership and referrals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from tsunagiai.cases.actions import do_add_team_member
from tsunagiai.cases.models import TeamMember
from tsunagiai.cases.tests.helpers import make_family, open_case
from tsunagiai.consent.actions import do_record_consent, do_withdraw_consent
from tsunagiai.consent.models import Consent
from tsunagiai.consent.selectors import consent_covers
from tsunagiai.core.errors import ActionRefused
from tsunagiai.intake.tests.helpers import make_person
from tsunagiai.referrals.actions import do_send_referral, do_transition_referral
from tsunagiai.referrals.models import Status
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 4, 10, 1, tzinfo=dt.UTC)


def _withdraw_all(person: Any, town: Town) -> None:
    for consent in Consent.objects.filter(person=person):
        do_withdraw_consent(consent, acting_user=town.users["caseworker_north"], note="本人の申し出")


@time_machine.travel(NOW, tick=False)
def test_consent_covers_only_the_kinds_of_information_it_names(town: Town) -> None:
    person = make_person(town)
    do_record_consent(
        person,
        acting_user=town.users["caseworker_north"],
        organisation=town.orgs["branch_north"],
        given_on=dt.date(2026, 4, 1),
        method="oral",
        witness="係長",
        scope_organisations=[town.orgs["csw"]],
        scope_information=["basic", "finances"],
    )
    assert consent_covers(person, [town.orgs["csw"]], information=["basic", "finances"]).ok
    check = consent_covers(person, [town.orgs["csw"]], information=["basic", "health"])
    assert not check.ok and check.missing == [town.orgs["csw"]]


@time_machine.travel(NOW, tick=False)
def test_joining_the_team_without_consent_is_refused_naming_person_and_organisation(town: Town) -> None:
    case = open_case(town)
    mother = case.focus_members.get()
    _withdraw_all(mother, town)
    with pytest.raises(ActionRefused) as refused:
        do_add_team_member(case, town.orgs["csw"], acting_user=town.users["coordinator"])
    assert refused.value.field == "basis"
    assert mother.full_name in refused.value.message and "社会福祉協議会" in refused.value.message
    assert not TeamMember.objects.filter(case=case, organisation=town.orgs["csw"]).exists()


@time_machine.travel(NOW, tick=False)
def test_a_legal_basis_is_recorded_with_its_note_instead_of_consent(town: Town) -> None:
    case = open_case(town)
    _withdraw_all(case.focus_members.get(), town)
    member = do_add_team_member(
        case,
        town.orgs["fire"],
        acting_user=town.users["coordinator"],
        basis=TeamMember.Basis.LIFE_AND_SAFETY,
        basis_note="救急搬送時、本人は意識がなく同意を得られない",
    )
    assert member.basis == "life_and_safety" and member.basis_note.startswith("救急搬送時")
    with pytest.raises(ActionRefused):
        do_add_team_member(case, town.orgs["csw"], acting_user=town.users["coordinator"], basis="because")


@time_machine.travel(NOW, tick=False)
def test_opening_a_case_records_the_intake_organisation_basis(town: Town) -> None:
    case = open_case(town, lead="elderly_north")
    bases = {m.organisation.code: m.basis for m in TeamMember.objects.filter(case=case, user__isnull=True)}
    assert bases == {"branch_north": "intake", "elderly_north": "consent"}


@time_machine.travel(NOW, tick=False)
def test_withdrawal_warns_on_the_case_page_and_refuses_new_referrals_and_acceptance(town: Town, client: Any) -> None:
    family = make_family(town)
    case = open_case(town, family)
    coordinator = town.users["coordinator"]
    do_add_team_member(case, town.orgs["csw"], acting_user=coordinator, role="家計")
    pending = do_send_referral(
        acting_user=town.users["caseworker_north"],
        from_organisation=town.orgs["branch_north"],
        to_organisation=town.orgs["elderly_north"],
        reason="介護の相談",
        request="訪問をお願いします",
        shared_sections=["concern"],
        sharing_basis="consent",
        case=case,
        household=family.household,
    )
    _withdraw_all(family.mother, town)

    # Withdrawal takes effect at once: the CSW was on the team only by this
    # consent, so it has left the team (the history keeps it) and sees no more.
    assert TeamMember.objects.get(case=case, organisation=town.orgs["csw"]).left_at is not None
    client.force_login(town.users["csw_worker"])
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404

    with pytest.raises(ActionRefused) as refused:
        do_send_referral(
            acting_user=town.users["caseworker_north"],
            from_organisation=town.orgs["branch_north"],
            to_organisation=town.orgs["fire"],
            reason="理由",
            request="依頼",
            shared_sections=["concern"],
            sharing_basis="consent",
            case=case,
            household=family.household,
        )
    assert refused.value.field == "sharing_basis"

    worker = town.users["elderly_worker"]
    do_transition_referral(pending, Status.SEEN, acting_user=worker)
    pending.refresh_from_db()
    with pytest.raises(ActionRefused) as not_accepted:
        do_transition_referral(pending, Status.ACCEPTED, acting_user=worker)
    # The refusal names the basis that went, not the person: once the consent is withdrawn the receiver no
    # longer sees the shared sections (the name included).
    assert not_accepted.value.field == "sharing_basis" and "同意が撤回" in str(not_accepted.value)
    assert family.mother.full_name not in str(not_accepted.value)
    pending.refresh_from_db()
    assert pending.status == Status.SEEN


@time_machine.travel(NOW, tick=False)
def test_an_accepted_referral_passes_its_legal_basis_to_the_team(town: Town) -> None:
    family = make_family(town)
    case = open_case(town, family)
    _withdraw_all(family.mother, town)
    referral = do_send_referral(
        acting_user=town.users["caseworker_north"],
        from_organisation=town.orgs["branch_north"],
        to_organisation=town.orgs["elderly_north"],
        reason="高齢者虐待の疑い",
        request="立入調査の検討",
        shared_sections=["concern"],
        sharing_basis="abuse_report",
        sharing_note="高齢者虐待防止法第7条による通報",
        case=case,
        household=family.household,
    )
    worker = town.users["elderly_worker"]
    do_transition_referral(referral, Status.SEEN, acting_user=worker)
    referral.refresh_from_db()
    do_transition_referral(referral, Status.ACCEPTED, acting_user=worker)
    member = TeamMember.objects.get(case=case, organisation=town.orgs["elderly_north"])
    assert (member.basis, member.basis_note) == ("abuse_report", "高齢者虐待防止法第7条による通報")


@time_machine.travel(NOW, tick=False)
def test_team_form_and_api_ask_for_the_basis_and_refuse_without_consent(town: Town, client: Any) -> None:
    case = open_case(town)
    _withdraw_all(case.focus_members.get(), town)
    client.force_login(town.users["caseworker_north"])
    page = client.post(
        reverse("cases:add_team_member", args=[case.pk]),
        {"organisation": town.orgs["csw"].pk, "role": "家計", "basis": "consent", "version": case.version},
    )
    assert page.status_code == 400  # refused: the form comes back with the input and the reason
    body = page.content.decode()
    assert "情報提供の根拠" in body and "社会福祉協議会" in body and "家計" in body
    api = client.post(
        f"/api/v1/cases/{case.pk}/team",
        {"organisation_id": town.orgs["csw"].pk, "version": case.version},
        content_type="application/json",
    )
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "basis"
    allowed = client.post(
        f"/api/v1/cases/{case.pk}/team",
        {
            "organisation_id": town.orgs["csw"].pk,
            "basis": "support_conference_106_6",
            "basis_note": "4月の支援会議で決定",
            "version": case.version,
        },
        content_type="application/json",
    )
    assert allowed.status_code == 200, allowed.content
    csw = [m for m in allowed.json()["team"] if m["organisation"]["id"] == town.orgs["csw"].pk]
    assert csw[0]["basis"] == "support_conference_106_6"


@time_machine.travel(NOW, tick=False)
def test_the_consent_page_keeps_withdrawn_consents_and_offers_no_undo(town: Town, client: Any) -> None:
    person = make_person(town)
    consent = do_record_consent(
        person,
        acting_user=town.users["caseworker_north"],
        organisation=town.orgs["branch_north"],
        given_on=dt.date(2026, 4, 1),
        method="written",
        scope_organisations=[town.orgs["csw"]],
    )
    do_withdraw_consent(consent, acting_user=town.users["caseworker_north"], note="撤回の申し出")
    again = do_withdraw_consent(consent, acting_user=town.users["caseworker_north"], note="二度目")
    assert again.withdrawal_note == "撤回の申し出"
    client.force_login(town.users["caseworker_north"])
    body = client.get(reverse("consent:person_consents", args=[person.pk])).content.decode()
    assert "撤回の申し出" in body
    assert reverse("consent:withdraw", args=[consent.pk]) not in body
