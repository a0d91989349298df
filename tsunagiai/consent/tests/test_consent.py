"""Consent: what it covers, when it stops covering, and who may see and change it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from tsunagiai.consent.actions import do_record_consent, do_withdraw_consent
from tsunagiai.consent.models import Consent
from tsunagiai.consent.selectors import consent_covers, consents_covering_people
from tsunagiai.intake.tests.helpers import make_person
from tsunagiai.reference.models import AgencyType
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 4, 10)


def record(town: Town, person: Any, **fields: Any) -> Consent:
    values: dict[str, Any] = {
        "acting_user": town.users["caseworker_north"],
        "organisation": town.orgs["branch_north"],
        "given_on": TODAY,
        "method": Consent.Method.WRITTEN,
        "scope_organisations": [town.orgs["csw"]],
    }
    values.update(fields)
    return do_record_consent(person, **values)


@time_machine.travel(dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC), tick=False)
def test_listed_organisation_is_covered_and_others_are_named_missing(town: Town) -> None:
    person = make_person(town)
    consent = record(town, person)
    check = consent_covers(person, [town.orgs["csw"], town.orgs["elderly_north"]])
    assert not check.ok
    assert check.missing == [town.orgs["elderly_north"]]
    assert consent_covers(person, [town.orgs["csw"]]) == consent_covers(person, [town.orgs["csw"]])
    assert consent_covers(person, [town.orgs["csw"]]).consent == consent


@time_machine.travel(dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC), tick=False)
def test_an_agency_type_covers_every_organisation_of_that_type(town: Town) -> None:
    person = make_person(town)
    record(town, person, scope_organisations=[], scope_agency_types=[AgencyType.objects.get(pk="branch_office")])
    assert consent_covers(person, [town.orgs["branch_north"], town.orgs["branch_south"]]).ok
    assert not consent_covers(person, [town.orgs["csw"]]).ok


@time_machine.travel(dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC), tick=False)
def test_expired_consent_covers_until_its_last_day_only(town: Town) -> None:
    person = make_person(town)
    record(town, person, given_on=dt.date(2025, 4, 1), expires_on=dt.date(2026, 3, 31))
    assert consent_covers(person, [town.orgs["csw"]], on=dt.date(2026, 3, 31)).ok
    assert not consent_covers(person, [town.orgs["csw"]]).ok
    assert not consent_covers(person, [town.orgs["csw"]], on=dt.date(2025, 3, 31)).ok


@time_machine.travel(dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC), tick=False)
def test_withdrawal_takes_effect_at_once_and_keeps_the_record(town: Town) -> None:
    person = make_person(town)
    consent = record(town, person)
    do_withdraw_consent(consent, acting_user=town.users["caseworker_north"], note="本人の申し出")
    assert not consent_covers(person, [town.orgs["csw"]]).ok
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawal_note == "本人の申し出"
    assert Consent.objects.filter(pk=consent.pk).exists()


@time_machine.travel(dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC), tick=False)
def test_two_consents_together_cover_and_several_people_are_checked_in_constant_queries(
    town: Town, django_assert_num_queries: Any
) -> None:
    first, second = make_person(town), make_person(town, family_name="佐藤")
    record(town, first)
    record(town, first, scope_organisations=[town.orgs["elderly_north"]])
    orgs = [town.orgs["csw"], town.orgs["elderly_north"]]
    with django_assert_num_queries(3):
        checks = consents_covering_people([first, second], orgs)
    assert checks[first.pk].ok
    assert checks[second.pk].missing == orgs


@time_machine.travel(dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC), tick=False)
def test_recording_refuses_future_dates_empty_scope_and_unknown_codes(town: Town) -> None:
    person = make_person(town)
    with pytest.raises(ValidationError) as caught:
        record(
            town,
            person,
            given_on=dt.date(2026, 5, 1),
            scope_organisations=[],
            scope_information=["dna"],
            given_by=Consent.GivenBy.PROXY,
        )
    errors = caught.value.message_dict
    assert errors["given_on"] == ["同意日: 未来の日付は指定できません。"]
    assert set(errors) == {"given_on", "scope_organisations", "scope_information", "proxy_name"}


@time_machine.travel(dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC), tick=False)
def test_consent_pages_record_list_and_withdraw(town: Town, client: Any) -> None:
    person = make_person(town)
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        reverse("consent:record", args=[person.pk]),
        {
            "organisation": town.orgs["branch_north"].pk,
            "given_on": "2026-04-09",
            "method": "oral",
            "witness": "同席の係長",
            "given_by": "person",
            "scope_organisations": [town.orgs["csw"].pk],
            "scope_information": ["basic", "health"],
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get(person=person)
    page = client.get(reverse("consent:person_consents", args=[person.pk]))
    assert "社会福祉協議会" in page.content.decode()
    response = client.post(reverse("consent:withdraw", args=[consent.pk]), {"note": "撤回"})
    assert response.status_code == 302
    assert not consent_covers(person, [town.orgs["csw"]]).ok


@time_machine.travel(dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC), tick=False)
def test_invalid_consent_form_keeps_input_and_names_the_field(town: Town, client: Any) -> None:
    person = make_person(town)
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        reverse("consent:record", args=[person.pk]),
        {"organisation": town.orgs["branch_north"].pk, "given_on": "2026-02-30", "method": "oral", "witness": "係長"},
    )
    assert response.status_code == 400
    assert "係長" in response.content.decode()
    assert not Consent.objects.exists()


@time_machine.travel(dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC), tick=False)
def test_other_organisations_get_404_on_pages_and_api(town: Town, client: Any) -> None:
    person = make_person(town)
    consent = record(town, person)
    client.force_login(town.users["caseworker_south"])
    assert client.get(reverse("consent:person_consents", args=[person.pk])).status_code == 404
    assert client.get(reverse("consent:record", args=[person.pk])).status_code == 404
    assert client.post(reverse("consent:withdraw", args=[consent.pk])).status_code == 404
    assert client.get(f"/api/v1/people/{person.pk}/consents").status_code == 404
    assert (
        client.post(f"/api/v1/consents/{consent.pk}/withdraw", {}, content_type="application/json").status_code == 404
    )
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


@time_machine.travel(dt.datetime(2026, 4, 10, 10, tzinfo=dt.UTC), tick=False)
def test_api_records_lists_and_withdraws_with_field_named_errors(town: Town, client: Any) -> None:
    person = make_person(town)
    client.force_login(town.users["caseworker_north"])
    url = f"/api/v1/people/{person.pk}/consents"
    bad = client.post(
        url,
        {"given_on": "2026-04-01", "method": "oral", "scope_organisation_ids": [999999], "colour": "red"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    created = client.post(
        url,
        {"given_on": "2026-04-01", "method": "oral", "scope_agency_types": ["csw"], "scope_information": ["basic"]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["state"] == "in_force"
    future = client.post(
        url,
        {"given_on": "2026-12-01", "method": "oral", "scope_agency_types": ["csw"]},
        content_type="application/json",
    )
    assert future.status_code == 422
    assert future.json()["errors"][0]["field"] == "given_on"
    listed = client.get(url).json()
    assert [c["id"] for c in listed] == [created.json()["id"]]
    withdrawn = client.post(
        f"/api/v1/consents/{listed[0]['id']}/withdraw", {"note": "x"}, content_type="application/json"
    )
    assert withdrawn.json()["state"] == "withdrawn"
