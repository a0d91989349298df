"""Use suspension (利用停止): only the coordination section sees the person; nothing new may name them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tsunagiai.accounts import access
from tsunagiai.audit.models import AuditEvent
from tsunagiai.cases.actions import do_open_case
from tsunagiai.core.errors import ActionRefused
from tsunagiai.intake.models import Intake
from tsunagiai.intake.tests.helpers import form_data, make_intake, make_person
from tsunagiai.people.actions import do_create_household
from tsunagiai.people.models import Person
from tsunagiai.privacy.actions import do_lift_use_suspension, do_suspend_use
from tsunagiai.privacy.models import UseSuspension
from tsunagiai.referrals.models import Referral
from tsunagiai.referrals.tests.helpers import send
from tsunagiai.testing import Town

REASON = "本人から利用停止請求(令和7年6月1日受付): 同意のない提供があったとの申出"


@pytest.fixture
def person(town: Town) -> Person:
    return make_person(town, family_name="停止川", given_name="花子")


def suspend(town: Town, person: Person) -> UseSuspension:
    return do_suspend_use(person, legal_reference="art98_1_2", reason=REASON, acting_user=town.users["coordinator"])


def test_suspending_is_recorded_and_audited_with_the_person(town: Town, person: Person) -> None:
    suspension = suspend(town, person)

    person.refresh_from_db()
    assert person.use_suspended is True
    assert suspension.is_open and suspension.suspended_by == town.users["coordinator"]
    event = AuditEvent.objects.get(action="person.use_suspended")
    assert event.person_id == person.pk and event.note == REASON


def test_others_no_longer_see_the_person_and_searches_omit_them(client: Any, town: Town, person: Person) -> None:
    client.force_login(town.users["caseworker_north"])
    assert client.get(f"/people/{person.pk}/").status_code == 200
    assert person in access.visible_people(town.users["caseworker_north"])
    assert person.full_name in client.get("/people/?q=停止川").content.decode()

    suspend(town, person)

    assert client.get(f"/people/{person.pk}/").status_code == 404
    assert person not in access.visible_people(town.users["caseworker_north"])
    assert person not in access.editable_people(town.users["caseworker_north"])
    assert person.full_name not in client.get("/people/?q=停止川").content.decode()


def test_the_coordination_section_still_sees_them_with_a_banner(client: Any, town: Town, person: Person) -> None:
    suspend(town, person)
    client.force_login(town.users["coordinator"])

    body = client.get(f"/people/{person.pk}/").content.decode()

    assert "利用停止" in body
    assert f"/privacy/people/{person.pk}/" in body


def test_no_new_intake_may_name_them_not_even_from_the_coordination_section(
    client: Any, town: Town, person: Person
) -> None:
    suspend(town, person)
    with pytest.raises(access.NotLinkable):
        make_intake(town, org="coordination", user="coordinator", person=person, is_anonymous=False)
    client.force_login(town.users["coordinator"])
    data = form_data(town, receiving_organisation=town.orgs["coordination"].pk, person_mode="found")
    response = client.post("/intakes/new/", {**data, "person_id": person.pk})
    assert response.status_code in (400, 403, 422)
    assert not Intake.objects.filter(person=person).exists()


def test_no_new_referral_may_name_them(town: Town, person: Person) -> None:
    intake = make_intake(town, person=person, is_anonymous=False)
    suspend(town, person)
    with pytest.raises(access.NotLinkable):
        send(town, intake=intake, sharing_basis="life_and_safety")
    assert not Referral.objects.exists()


def test_no_new_case_may_have_them_in_focus(town: Town, person: Person) -> None:
    household = do_create_household(
        acting_user=town.users["caseworker_north"],
        organisation=town.orgs["branch_north"],
        name="停止川さん世帯",
        members=[(person, "head")],
        started_on=dt.date(2020, 1, 1),
    )
    intake = make_intake(town, person=person, is_anonymous=False)
    suspend(town, person)
    with pytest.raises(access.NotLinkable):
        do_open_case(
            acting_user=town.users["coordinator"],
            household=household,
            intakes=[intake],
            focus_members=[person],
            title="支援",
            lead_organisation=town.orgs["coordination"],
        )


def test_lifting_restores_what_others_see_and_keeps_the_history(client: Any, town: Town, person: Person) -> None:
    suspend(town, person)
    do_lift_use_suspension(person, reason="請求の取下げ", acting_user=town.users["coordinator"])

    client.force_login(town.users["caseworker_north"])
    assert client.get(f"/people/{person.pk}/").status_code == 200
    history = UseSuspension.objects.get(person=person)
    assert history.lifted_at is not None and history.lift_reason == "請求の取下げ"
    assert AuditEvent.objects.filter(action="person.use_suspension_lifted", person_id=person.pk).exists()
    suspend(town, person)  # and it may be suspended again
    assert UseSuspension.objects.filter(person=person).count() == 2


def test_only_the_coordination_section_may_suspend(town: Town, person: Person) -> None:
    with pytest.raises(ActionRefused):
        do_suspend_use(person, legal_reference="art98_1_1", reason=REASON, acting_user=town.users["caseworker_north"])
    suspend(town, person)
    with pytest.raises(ActionRefused):
        suspend(town, person)  # twice
    assert UseSuspension.objects.count() == 1


# --- the page ------------------------------------------------------------------------------


def test_the_page_suspends_and_lifts_for_the_coordination_section(client: Any, town: Town, person: Person) -> None:
    client.force_login(town.users["coordinator"])
    assert client.get(f"/privacy/people/{person.pk}/").status_code == 200

    response = client.post(f"/privacy/people/{person.pk}/suspend/", {"legal_reference": "art98_1_1", "reason": REASON})
    assert response.status_code == 302
    assert Person.objects.get(pk=person.pk).use_suspended is True
    assert "利用停止" in client.get(f"/privacy/people/{person.pk}/").content.decode()

    response = client.post(f"/privacy/people/{person.pk}/lift/", {"lift_reason": "誤りの訂正が済んだため"})
    assert response.status_code == 302
    assert Person.objects.get(pk=person.pk).use_suspended is False


def test_the_page_refuses_bad_input_naming_the_field_and_keeps_it(client: Any, town: Town, person: Person) -> None:
    client.force_login(town.users["coordinator"])

    response = client.post(f"/privacy/people/{person.pk}/suspend/", {"legal_reference": "art0", "reason": "x" * 2001})

    assert response.status_code == 422
    body = response.content.decode()
    assert "法的根拠: " in body and "理由: " in body
    assert "x" * 2001 in body
    assert Person.objects.get(pk=person.pk).use_suspended is False


@pytest.mark.parametrize("role", ["caseworker_north", "intake_north", "supervisor_north", "auditor", "analyst"])
def test_others_get_404_from_every_privacy_page(client: Any, town: Town, person: Person, role: str) -> None:
    client.force_login(town.users[role])
    assert client.get(f"/privacy/people/{person.pk}/").status_code in (403, 404)
    for action, data in (
        ("suspend", {"legal_reference": "art98_1_1", "reason": REASON}),
        ("lift", {"lift_reason": "x"}),
        ("disclose", {"format": "json"}),
    ):
        assert client.post(f"/privacy/people/{person.pk}/{action}/", data).status_code in (403, 404)
    assert Person.objects.get(pk=person.pk).use_suspended is False
    assert not AuditEvent.objects.filter(action="person.disclosed").exists()
