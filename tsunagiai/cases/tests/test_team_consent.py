"""A team member refused for want of consent: the case page offers 「同意を記録する」, then the member is added.

The same pieces as the referral form (tsunagiai.consent.links, consent/_consent_needed.html): inline
over htmx, the consent form's own page without JavaScript, returning to the team form with what was typed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tsunagiai.audit.models import AuditEvent
from tsunagiai.cases.actions import do_add_team_member
from tsunagiai.cases.models import Case, TeamMember
from tsunagiai.cases.tests.helpers import Family, make_family, open_case
from tsunagiai.consent.models import Consent
from tsunagiai.consent.tests.helpers import consent_form_data
from tsunagiai.consent.views import MAX_NEXT
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db
NOON_TOKYO = dt.datetime(2026, 4, 10, 3, tzinfo=dt.UTC)
ROLE = "息子さんの就労支援<b>と見守り</b>"


def _case(town: Town) -> tuple[Case, Family]:
    """A north case whose focus is the mother (consent to every agency type) and the son (no consent)."""
    family = make_family(town)
    return open_case(town, family, with_son=True), family


def _team_post(town: Town, case: Case, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organisation": town.orgs["elderly_north"].pk,
        "user": town.users["elderly_worker"].pk,
        "role": ROLE,
        "basis": "consent",
        "basis_note": "",
        "version": Case.objects.get(pk=case.pk).version,
    }
    data.update(extra)
    return data


def _consent_post(town: Town, next_url: str, **extra: Any) -> dict[str, Any]:
    return consent_form_data(town, scope=[town.orgs["elderly_north"]], next=next_url, **extra)


def _refused(client: Client, town: Town) -> tuple[Any, Case, Family]:
    case, family = _case(town)
    client.force_login(town.users["caseworker_north"])
    response = client.post(reverse("cases:add_team_member", args=[case.pk]), _team_post(town, case))
    return response, case, family


@time_machine.travel(NOON_TOKYO, tick=False)
def test_refused_for_want_of_consent_the_case_page_offers_to_record_it_preselected(client: Client, town: Town) -> None:
    response, case, family = _refused(client, town)
    assert response.status_code == 400
    assert not TeamMember.objects.filter(case=case, organisation=town.orgs["elderly_north"]).exists()
    body = response.content.decode()
    assert "情報提供の根拠: " in body and "山田 一郎" in body  # the error names the field and the person
    assert "同意を記録する" in body
    assert f'hx-target="#consent-record-{family.son.pk}"' in body and "data-inline-form" in body
    assert "息子さんの就労支援&lt;b&gt;と見守り&lt;/b&gt;" in body  # what was typed is kept (escaped)
    # One link, for the son only: the mother's consent covers the organisation.
    [entry] = response.context["consent_needed"]
    assert entry["person"] == family.son
    link = urlsplit(entry["url"])
    assert link.path == reverse("consent:record", args=[family.son.pk])
    query = parse_qs(link.query)
    assert query["organisations"] == [str(town.orgs["elderly_north"].pk)]
    assert query["information"] == ["basic", "history"]
    back = urlsplit(query["next"][0])
    assert back.path == reverse("cases:add_team_member", args=[case.pk])
    assert parse_qs(back.query) == {
        "organisation": [str(town.orgs["elderly_north"].pk)],
        "user": [str(town.users["elderly_worker"].pk)],
        "role": [ROLE],
        "basis": ["consent"],
    }
    form = client.get(entry["url"]).context["form"]
    assert form["scope_organisations"].value() == [town.orgs["elderly_north"].pk]
    assert form["given_on"].value() == dt.date(2026, 4, 10)


@time_machine.travel(NOON_TOKYO, tick=False)
def test_without_javascript_the_consent_form_returns_to_the_team_form_with_what_was_typed(
    client: Client, town: Town
) -> None:
    response, case, family = _refused(client, town)
    link = response.context["consent_needed"][0]["url"]
    next_url = parse_qs(urlsplit(link).query)["next"][0]
    saved = client.post(link, _consent_post(town, next_url))
    assert saved.status_code == 302 and saved["Location"] == next_url
    consent = Consent.objects.get(person=family.son)
    assert list(consent.scope_organisations.all()) == [town.orgs["elderly_north"]]
    # Audited as on the consent page itself: the same action wrote it.
    assert AuditEvent.objects.filter(action="consent.recorded", object_id=str(consent.pk)).exists()
    # Back on the team form's own page, filled in as it was.
    form = client.get(next_url).context["form"]
    assert form["organisation"].value() == str(town.orgs["elderly_north"].pk)
    assert form["user"].value() == str(town.users["elderly_worker"].pk)
    assert form["role"].value() == ROLE
    added = client.post(reverse("cases:add_team_member", args=[case.pk]), _team_post(town, case))
    assert added.status_code == 302
    member = TeamMember.objects.get(case=case, organisation=town.orgs["elderly_north"], left_at__isnull=True)
    assert member.role == ROLE and member.user == town.users["elderly_worker"] and member.basis == "consent"


@time_machine.travel(NOON_TOKYO, tick=False)
def test_over_htmx_the_consent_is_recorded_in_place_and_the_member_then_added(client: Client, town: Town) -> None:
    response, case, family = _refused(client, town)
    link = response.context["consent_needed"][0]["url"]
    next_url = parse_qs(urlsplit(link).query)["next"][0]
    partial = client.get(link, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    inline = partial.content.decode()
    assert "<html" not in inline and f'id="consent-record-{family.son.pk}"' in inline
    saved = client.post(link, _consent_post(town, next_url), headers={"HX-Request": "true"})
    assert saved.status_code == 200
    body = saved.content.decode()
    assert "山田 一郎さんの同意を記録しました" in body and "入力した内容は残っています" in body
    assert client.post(reverse("cases:add_team_member", args=[case.pk]), _team_post(town, case)).status_code == 302
    assert TeamMember.objects.filter(case=case, organisation=town.orgs["elderly_north"], role=ROLE).exists()


@time_machine.travel(NOON_TOKYO, tick=False)
@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("given_on", "2026-04-11", ("同意日", "未来")),
        ("given_on", "<script>alert(1)</script>", ("同意日",)),
        ("method", "telepathy", ("同意の方法",)),
        ("scope_organisations", ["999999999999"], ("共有先の機関",)),
    ],
)
def test_hostile_consent_input_from_the_case_page_is_refused_naming_the_field(
    client: Client, town: Town, field: str, value: Any, words: tuple[str, ...]
) -> None:
    response, _case_, family = _refused(client, town)
    link = response.context["consent_needed"][0]["url"]
    next_url = parse_qs(urlsplit(link).query)["next"][0]
    for headers in ({"HX-Request": "true"}, {}):
        refused = client.post(link, _consent_post(town, next_url, **{field: value}), headers=headers)
        body = refused.content.decode()
        assert refused.status_code == 400, (field, headers)
        assert all(word in body for word in words), (field, words)
        assert "<script>alert" not in body
    assert not Consent.objects.filter(person=family.son).exists()


@time_machine.travel(NOON_TOKYO, tick=False)
def test_hostile_team_form_addresses_are_ignored_or_cut_never_an_error(client: Client, town: Town) -> None:
    case, _family = _case(town)
    client.force_login(town.users["caseworker_north"])
    url = reverse("cases:add_team_member", args=[case.pk])
    for query in (
        {"organisation": "abc", "user": "-1", "basis": "nonsense"},
        {"organisation": str(10**30), "user": str(10**30)},
        {"role": "<script>x</script>" * 200, "basis_note": "\x00" * 5000},
    ):
        response = client.get(url, query)
        assert response.status_code == 200, query
        assert "<script>x" not in response.content.decode()
        assert len(response.context["form"]["role"].value() or "") <= 100
    # A refused post with long free texts still gives a way back the consent form accepts (the texts dropped).
    response = client.post(url, _team_post(town, case, role="見" * 100, basis_note="説明" * 150))
    assert response.status_code == 400
    next_url = parse_qs(urlsplit(response.context["consent_needed"][0]["url"]).query)["next"][0]
    assert len(next_url) <= MAX_NEXT and next_url.startswith(url)
    # A next pointing elsewhere, put into the link by hand, is dropped: the consent form returns to the person.
    link = reverse("consent:record", args=[_family.son.pk])
    saved = client.post(link, _consent_post(town, "//evil.example/"))
    assert saved.status_code == 302 and saved["Location"] == reverse("consent:person_consents", args=[_family.son.pk])


@time_machine.travel(NOON_TOKYO, tick=False)
def test_who_may_record_the_consent_from_the_case_page_is_who_may_edit_the_person(client: Client, town: Town) -> None:
    """The link is offered exactly when the consent form itself would let the user in (access.editable_people)."""
    case, family = _case(town)
    team_url = reverse("cases:add_team_member", args=[case.pk])
    link = reverse("consent:record", args=[family.son.pk])
    # A team member on a legal basis may change the case and, through its household, the son's record.
    do_add_team_member(
        case,
        town.orgs["csw"],
        acting_user=town.users["caseworker_north"],
        basis="support_conference_106_6",
        basis_note="支援会議で決定",
    )
    for name in ("csw_worker", "coordinator", "caseworker_north"):
        client.force_login(town.users[name])
        response = client.post(team_url, _team_post(town, case))
        assert response.status_code == 400, name
        assert [entry["person"] for entry in response.context["consent_needed"]] == [family.son], name
        assert client.get(link).status_code == 200, name
    # Outside the case: neither the team form nor the consent form.
    client.force_login(town.users["caseworker_south"])
    assert client.post(team_url, _team_post(town, case)).status_code == 404
    assert client.get(link).status_code == 404
    assert client.post(link, _consent_post(town, "/")).status_code == 404
    # A person whose use is suspended may be edited by no one: the case page offers no link, says why,
    # and the consent form stays shut (with or without htmx).
    type(family.son).objects.filter(pk=family.son.pk).update(use_suspended=True)
    client.force_login(town.users["caseworker_north"])
    response = client.post(team_url, _team_post(town, case))
    assert response.status_code == 400
    assert response.context["consent_needed"] == []
    body = response.content.decode()
    assert "/consent/people/" not in body and "ここからは同意を記録できません" in body
    assert "情報提供の根拠: " in body
    assert client.get(link).status_code == 404
    assert client.get(link, headers={"HX-Request": "true"}).status_code == 404
    assert client.post(link, _consent_post(town, "/"), headers={"HX-Request": "true"}).status_code == 404
    assert not Consent.objects.filter(person=family.son).exists()
    assert not TeamMember.objects.filter(case=case, organisation=town.orgs["elderly_north"]).exists()
