"""The consent form: today's date, organisations grouped by agency type, a preselection from a link, a safe return."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tsunagiai.consent.models import Consent
from tsunagiai.consent.tests.helpers import consent_form_data
from tsunagiai.intake.tests.helpers import make_person
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db
NOON_TOKYO = dt.datetime(2026, 4, 10, 3, tzinfo=dt.UTC)


def _post(town: Town, **extra: Any) -> dict[str, Any]:
    return consent_form_data(town, scope=[town.orgs["csw"]], information=("basic",), **{"method": "written", **extra})


@time_machine.travel(NOON_TOKYO, tick=False)
def test_date_defaults_to_today_in_tokyo_and_organisations_are_grouped_by_agency_type(
    client: Client, town: Town
) -> None:
    person = make_person(town)
    client.force_login(town.users["caseworker_north"])
    # 2026-04-10 03:00 UTC is noon in Tokyo; at 23:30 UTC the day before it is already the 10th there.
    with time_machine.travel(dt.datetime(2026, 4, 9, 23, 30, tzinfo=dt.UTC), tick=False):
        response = client.get(reverse("consent:record", args=[person.pk]))
    assert response.context["form"]["given_on"].value() == dt.date(2026, 4, 10)
    body = response.content.decode()
    # One group per agency type, named as in the taxonomy; nothing preselected, so every group closed.
    assert "<details><summary>地域包括支援センター</summary>" in body
    assert "<details><summary>支所(福祉の相談窓口)</summary>" in body
    assert "<details open>" not in body
    assert body.index("北支所") < body.index("南支所")


@time_machine.travel(NOON_TOKYO, tick=False)
def test_hostile_preselection_is_ignored_not_an_error(client: Client, town: Town) -> None:
    person = make_person(town)
    client.force_login(town.users["caseworker_north"])
    url = reverse("consent:record", args=[person.pk])
    query = "?organisations=abc&organisations=99999999&organisations=-1&organisations=%C2%B2&organisations=" + "9" * 40
    query += "&information=<script>&information=health&next=https://evil.example/"
    response = client.get(url + query)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["scope_organisations"].value() in (None, [])
    assert form["scope_information"].value() == ["health"]
    assert response.context["next"] == ""
    body = response.content.decode()
    start = body.index('<div id="consent-record-')
    consent_form = body[start : body.index("</form>", start)]
    assert "evil.example" not in consent_form
    assert 'name="next"' not in consent_form


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/referrals/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "referrals/1/",
        "/\tevil",
        "/" + "a" * 2001,
    ],
)
@time_machine.travel(NOON_TOKYO, tick=False)
def test_an_off_site_next_is_refused(client: Client, town: Town, next_url: str) -> None:
    person = make_person(town)
    client.force_login(town.users["caseworker_north"])
    response = client.post(reverse("consent:record", args=[person.pk]), _post(town, next=next_url))
    assert response.status_code == 302
    assert response["Location"] == reverse("consent:person_consents", args=[person.pk])
    assert Consent.objects.filter(person=person).count() == 1


@time_machine.travel(NOON_TOKYO, tick=False)
def test_a_same_site_next_is_followed(client: Client, town: Town) -> None:
    person = make_person(town)
    client.force_login(town.users["caseworker_north"])
    next_url = "/referrals/from-intake/7/?agency_type=all"
    response = client.post(reverse("consent:record", args=[person.pk]), _post(town, next=next_url))
    assert response.status_code == 302
    assert response["Location"] == next_url


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("given_on", "2026-04-11", "未来"),
        ("given_on", "1949-12-31", "生年月日"),
        ("given_on", "2026-02-30", "同意日"),
        ("given_on", "x" * 300, "同意日"),
        ("scope_organisations", ["99999999"], "共有先の機関"),
        ("scope_information", ["secrets"], "共有する情報"),
        ("method", "telepathy", "方法"),
    ],
)
@time_machine.travel(NOON_TOKYO, tick=False)
def test_hostile_input_is_refused_in_japanese_naming_the_field_and_kept(
    client: Client, town: Town, field: str, value: Any, words: str
) -> None:
    person = make_person(town, birth_date=dt.date(1950, 1, 1))
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        reverse("consent:record", args=[person.pk]), _post(town, **{field: value, "witness": "立会人の名前"})
    )
    assert response.status_code == 400
    errors = " ".join(str(e) for e in response.context["form"].errors.get(field, []))
    assert words in errors
    assert "立会人の名前" in response.content.decode()
    assert not Consent.objects.exists()


def test_someone_who_cannot_see_the_person_gets_404(client: Client, town: Town) -> None:
    person = make_person(town)  # known to the north branch only
    client.force_login(town.users["caseworker_south"])
    url = reverse("consent:record", args=[person.pk]) + f"?organisations={town.orgs['csw'].pk}&next=/"
    assert client.get(url).status_code == 404
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 404
    assert client.post(url, _post(town)).status_code == 404
    assert not Consent.objects.exists()
