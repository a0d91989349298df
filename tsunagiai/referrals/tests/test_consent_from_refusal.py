"""A referral refused for want of consent offers to record it, preselected, and then goes through."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tsunagiai.audit.models import AuditEvent
from tsunagiai.consent.models import Consent
from tsunagiai.consent.tests.helpers import consent_form_data
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.referrals.models import Referral
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db
NOON_TOKYO = dt.datetime(2026, 4, 10, 3, tzinfo=dt.UTC)


def _referral_post(town: Town, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "to_organisation": town.orgs["csw"].pk,
        "reason": "家賃の滞納が続いている。",
        "request": "家計相談をお願いします。",
        "shared_sections": ["concern", "person_basic"],
        "sharing_basis": "consent",
    }
    data.update(extra)
    return data


def _refused(client: Client, town: Town) -> tuple[Any, str, Any]:
    person = make_person(town, birth_date=dt.date(1950, 5, 1))
    intake = make_intake(town, person=person, is_anonymous=False, subject_description="")
    client.force_login(town.users["caseworker_north"])
    url = reverse("referrals:create_from_intake", args=[intake.pk]) + "?agency_type=all"
    response = client.post(url, _referral_post(town))
    return response, url, person


@time_machine.travel(NOON_TOKYO, tick=False)
def test_refusal_for_missing_consent_links_to_record_it_preselected(client: Client, town: Town) -> None:
    response, url, person = _refused(client, town)
    assert response.status_code == 200
    assert not Referral.objects.exists()
    page = response.content.decode()
    assert "同意を記録する" in page
    link = response.context["consent_needed"][0]["url"]
    parts = urlsplit(link)
    assert parts.path == reverse("consent:record", args=[person.pk])
    query = parse_qs(parts.query)
    assert query["organisations"] == [str(town.orgs["csw"].pk)]
    assert query["information"] == ["basic", "history"]
    assert query["next"] == [url]
    # What was typed is still in the referral form.
    assert "家計相談をお願いします。" in page

    form_page = client.get(link)
    form = form_page.context["form"]
    assert form["given_on"].value() == dt.date(2026, 4, 10)  # today in Tokyo
    assert form["scope_organisations"].value() == [town.orgs["csw"].pk]
    assert form["scope_information"].value() == ["basic", "history"]
    body = form_page.content.decode()
    # The preselected organisation comes first, in its own open group, before the agency types.
    assert body.index(town.orgs["csw"].name) < body.index(town.orgs["branch_south"].name)
    assert "<details open><summary>今回の提供先</summary>" in body


@time_machine.travel(NOON_TOKYO, tick=False)
def test_after_recording_consent_the_refused_referral_goes_through(client: Client, town: Town) -> None:
    _response, url, person = _refused(client, town)
    record = reverse("consent:record", args=[person.pk])
    saved = client.post(
        f"{record}?organisations={town.orgs['csw'].pk}",
        consent_form_data(town, scope=[town.orgs["csw"]], next=url),
    )
    assert saved.status_code == 302
    assert saved["Location"] == url
    consent = Consent.objects.get(person=person)
    assert list(consent.scope_organisations.all()) == [town.orgs["csw"]]
    assert AuditEvent.objects.filter(action="consent.recorded", object_id=str(consent.pk)).exists()
    sent = client.post(url, _referral_post(town))
    assert sent.status_code == 302
    assert Referral.objects.get().to_organisation == town.orgs["csw"]


@time_machine.travel(NOON_TOKYO, tick=False)
def test_inline_consent_form_over_htmx_records_and_confirms_in_place(client: Client, town: Town) -> None:
    response, url, person = _refused(client, town)
    link = response.context["consent_needed"][0]["url"]
    assert f'hx-target="#consent-record-{person.pk}"' in response.content.decode()
    partial = client.get(link, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert partial.status_code == 200
    assert "<html" not in body and f'id="consent-record-{person.pk}"' in body
    post_data = {
        "organisation": town.orgs["branch_north"].pk,
        "given_on": "2026-04-11",  # tomorrow: refused, the input kept
        "method": "oral",
        "given_by": "person",
        "scope_organisations": [town.orgs["csw"].pk],
        "scope_information": ["basic"],
        "witness": "同席した係長",
        "next": url,
    }
    refused = client.post(link, post_data, headers={"HX-Request": "true"})
    assert refused.status_code == 400
    assert "未来" in refused.content.decode() and "同席した係長" in refused.content.decode()
    assert not Consent.objects.exists()
    saved = client.post(link, {**post_data, "given_on": "2026-04-10"}, headers={"HX-Request": "true"})
    assert saved.status_code == 200
    assert "同意を記録しました" in saved.content.decode()
    assert client.post(url, _referral_post(town)).status_code == 302


def test_unidentified_person_gets_no_link_but_is_told_what_to_do(client: Client, town: Town) -> None:
    # An anonymous intake with no consent answer: there is no person to record a consent for.
    intake = make_intake(town, org="branch_south", user="caseworker_south", consent_status="not_asked")
    client.force_login(town.users["caseworker_south"])
    url = reverse("referrals:create_from_intake", args=[intake.pk]) + "?agency_type=all"
    response = client.post(url, _referral_post(town))
    assert response.status_code == 200
    assert response.context["consent_needed"] == []
    page = response.content.decode()
    assert "/consent/people/" not in page
    assert "受付票の「情報共有の同意」を記録する" in page


@time_machine.travel(NOON_TOKYO, tick=False)
def test_a_referral_whose_consent_was_withdrawn_offers_the_sender_to_record_a_new_one(
    client: Client, town: Town
) -> None:
    from tsunagiai.consent.actions import do_record_consent, do_withdraw_consent
    from tsunagiai.referrals.tests.helpers import send

    person = make_person(town)
    consent = do_record_consent(
        person,
        acting_user=town.users["caseworker_north"],
        organisation=town.orgs["branch_north"],
        given_on=dt.date(2026, 4, 10),
        method="written",
        scope_organisations=[town.orgs["csw"]],
    )
    intake = make_intake(town, person=person, is_anonymous=False, subject_description="")
    referral = send(town, intake=intake)
    detail = reverse("referrals:detail", args=[referral.pk])
    client.force_login(town.users["caseworker_north"])
    assert client.get(detail).context["consent_needed"] == []
    do_withdraw_consent(consent, acting_user=town.users["caseworker_north"], note="本人の申出")
    response = client.get(detail)
    link = response.context["consent_needed"][0]["url"]
    assert parse_qs(urlsplit(link).query)["next"] == [detail]
    assert "新たな同意を記録するまでこの照会は先に進められません" in response.content.decode()
    # The receiving side is not offered it: the consent is the referring organisation's to record.
    client.force_login(town.users["csw_worker"])
    assert client.get(detail).context["consent_needed"] == []
