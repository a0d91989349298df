"""An intake's answer on consent that names its organisations becomes a consent record (referrals.receivers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tsunagiai.audit.models import AuditEvent
from tsunagiai.consent.models import Consent
from tsunagiai.core.errors import ActionRefused
from tsunagiai.intake.models import Intake
from tsunagiai.intake.tests.helpers import form_data, make_intake, make_person
from tsunagiai.referrals.models import Status
from tsunagiai.referrals.tests.helpers import send
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db
NOON_TOKYO = dt.datetime(2026, 4, 10, 3, tzinfo=dt.UTC)


def _record(client: Client, town: Town, **overrides: Any) -> Any:
    client.force_login(town.users["intake_north"])
    return client.post(reverse("intake:create"), form_data(town, **overrides))


def _edit_data(intake: Intake, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "received_at": timezone.localtime(intake.received_at).strftime("%Y-%m-%dT%H:%M"),
        "receiving_organisation": intake.receiving_organisation_id,
        "channel": intake.channel_id,
        "consulter_type": intake.consulter_type_id,
        "subject_description": intake.subject_description,
        "concern": intake.concern,
        "urgency": intake.urgency_id,
        "consent_status": intake.consent_status,
        "first_response": intake.first_response,
        "status": intake.status,
        "version": intake.version,
    }
    data.update(overrides)
    return data


@time_machine.travel(NOON_TOKYO, tick=False)
def test_oral_consent_naming_its_organisations_becomes_a_consent_record(client: Client, town: Town) -> None:
    person = make_person(town)
    response = _record(
        client,
        town,
        person_mode="found",
        person_id=person.pk,
        subject_description="",
        consent_status="oral",
        consent_organisations=[town.orgs["csw"].pk, town.orgs["elderly_north"].pk],
    )
    assert response.status_code == 302
    intake = Intake.objects.get()
    consent = Consent.objects.get(person=person)
    assert consent.intake_id == intake.pk
    assert consent.method == Consent.Method.ORAL
    assert consent.recorded_by == town.users["intake_north"]
    assert consent.recorded_by_organisation == town.orgs["branch_north"]
    assert consent.given_on == dt.date(2026, 4, 10)
    assert set(consent.scope_organisations.all()) == {town.orgs["csw"], town.orgs["elderly_north"]}
    assert consent.scope_information == ["basic", "history"]
    event = AuditEvent.objects.get(action="consent.recorded", object_id=str(consent.pk))
    assert event.changes["intake"] == intake.pk
    # The referral the intake's answer was for now goes through; one to an organisation not named does not.
    assert send(town, intake=intake).status == Status.SENT
    with pytest.raises(ActionRefused):
        send(town, intake=intake, to="branch_south")
    page = client.get(reverse("intake:detail", args=[intake.pk])).content.decode()
    assert reverse("consent:person_consents", args=[person.pk]) in page


@time_machine.travel(NOON_TOKYO, tick=False)
def test_saving_the_intake_again_records_no_second_consent(client: Client, town: Town) -> None:
    person = make_person(town)
    intake = make_intake(
        town, person=person, is_anonymous=False, subject_description="", consent_organisations=[town.orgs["csw"]]
    )
    assert Consent.objects.filter(intake=intake).count() == 1
    client.force_login(town.users["caseworker_north"])
    data = _edit_data(intake, concern="家賃と電気代を滞納", consent_organisations=[town.orgs["csw"].pk])
    response = client.post(reverse("intake:edit", args=[intake.pk]), data)
    assert response["Location"] == reverse("intake:detail", args=[intake.pk])
    assert Consent.objects.filter(intake=intake).count() == 1


@time_machine.travel(NOON_TOKYO, tick=False)
def test_an_answer_naming_no_organisations_asks_for_the_consent_to_be_recorded(client: Client, town: Town) -> None:
    person = make_person(town)
    intake = make_intake(town, person=person, is_anonymous=False, subject_description="")
    assert not Consent.objects.exists()
    client.force_login(town.users["caseworker_north"])
    page = client.get(reverse("intake:detail", args=[intake.pk])).content.decode()
    assert "同意の記録がまだ必要です" in page
    link = reverse("consent:record", args=[person.pk])
    assert f'href="{link}?next=' in page
    # Naming them later (an edit) makes the record then, dated the day of the intake.
    with time_machine.travel(NOON_TOKYO + dt.timedelta(days=2), tick=False):
        client.force_login(town.users["caseworker_north"])
        data = _edit_data(intake, consent_organisations=[town.orgs["csw"].pk])
        response = client.post(reverse("intake:edit", args=[intake.pk]), data)
        assert response["Location"] == reverse("intake:detail", args=[intake.pk])
    consent = Consent.objects.get(intake=intake)
    assert consent.given_on == dt.date(2026, 4, 10)
    assert consent.recorded_by == town.users["caseworker_north"]  # the intake's author heard it


@time_machine.travel(NOON_TOKYO, tick=False)
def test_organisations_without_consent_or_unknown_ones_are_refused_with_the_input_kept(
    client: Client, town: Town
) -> None:
    response = _record(client, town, consent_status="refused", consent_organisations=[town.orgs["csw"].pk])
    assert response.status_code == 400
    assert "同意の対象機関" in " ".join(str(e) for e in response.context["form"].errors["consent_organisations"])
    assert "母の物忘れがひどく" in response.content.decode()
    response = _record(client, town, consent_organisations=["abc", "99999999"])
    assert response.status_code == 400
    assert not Intake.objects.exists() and not Consent.objects.exists()


@time_machine.travel(NOON_TOKYO, tick=False)
def test_an_unidentified_persons_answer_covers_only_the_organisations_it_names(town: Town) -> None:
    intake = make_intake(town, consent_organisations=[town.orgs["csw"]])
    assert not Consent.objects.exists()  # no person: nothing to record it for
    assert send(town, intake=intake).status == Status.SENT
    with pytest.raises(ActionRefused):
        send(town, intake=intake, to="elderly_north")
    # Naming none, the answer covers any organisation, as before.
    assert send(town, intake=make_intake(town), to="elderly_north").status == Status.SENT


@time_machine.travel(NOON_TOKYO, tick=False)
def test_an_answer_the_consent_rules_refuse_keeps_the_intake_and_asks_for_the_record(
    client: Client, town: Town
) -> None:
    person = make_person(town, birth_date=dt.date(2025, 6, 1))
    received = timezone.make_aware(dt.datetime(2025, 5, 1, 10))  # noqa: DTZ001 - made aware here
    intake = make_intake(
        town,
        person=person,
        is_anonymous=False,
        subject_description="",
        received_at=received,
        consent_organisations=[town.orgs["csw"]],
    )
    assert Intake.objects.filter(pk=intake.pk).exists()
    assert not Consent.objects.exists()
    client.force_login(town.users["caseworker_north"])
    page = client.get(reverse("intake:detail", args=[intake.pk])).content.decode()
    assert "同意の記録がまだ必要です" in page
    assert f"organisations={town.orgs['csw'].pk}" in page
