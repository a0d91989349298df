"""Break-the-glass stays read-only and ends at expiry: no write during a grant makes a record the user's.

A staff member of the south branch breaks the glass on a north person, their
household or their case, and then tries every write that could name the
record (an intake about the person or joining their household, through the
page and the API; a referral; a help request; a consent; a household
membership; a related person; a case team; a support record; a
participation; a conference agenda; a lead request). Each is refused, and
after the grant expires every page and API route about the person, the
household and the case answers 404 again, exactly as before the grant.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from tsunagiai.accounts import access
from tsunagiai.cases.actions import do_open_case
from tsunagiai.community.actions import do_create_help_request
from tsunagiai.community.models import HelpRequest
from tsunagiai.community.tests.conftest import World, build_world
from tsunagiai.consent.actions import do_record_consent
from tsunagiai.emergency.actions import do_start_emergency_access
from tsunagiai.intake.actions import HouseholdChoice, do_record_intake
from tsunagiai.intake.models import Intake
from tsunagiai.intake.tests.helpers import form_data, make_intake
from tsunagiai.people.actions import do_add_household_member
from tsunagiai.people.models import Household, HouseholdMembership, Person
from tsunagiai.reference.models import ConsulterType, IntakeChannel, UrgencyLevel
from tsunagiai.referrals.actions import do_send_referral
from tsunagiai.referrals.models import Referral
from tsunagiai.support.actions import do_add_case_to_agenda, do_create_conference
from tsunagiai.support.models import Conference, ConferenceCase
from tsunagiai.support.tests.helpers import make_household, members
from tsunagiai.testing import Town

REASON = "夜間に救急搬送され、服薬状況の確認が必要なため。"
USER = "caseworker_south"
NAME = "北山"  # the north person's family name, searched for
# What must not show anywhere once the grant is over: her name, her household's, her phone.
SHOWN = ("北山 ハル", "北山さん世帯", "0565-11-2222")
KINDS = ["person", "household", "case"]


@pytest.fixture
def world(town: Town) -> World:
    return build_world(town)


def _household(world: World) -> Household:
    return Household.objects.get(memberships__person=world.person, memberships__ended_on__isnull=True)


def _target(world: World, kind: str) -> Any:
    return {"person": world.person, "household": _household(world), "case": world.case}[kind]


def _south_things(town: Town) -> dict[str, Any]:
    """What the south branch holds itself: a household, an intake and a conference."""
    household = make_household(town, org="branch_south", names=("南田",))
    intake = make_intake(town, org="branch_south", user=USER, person=members(household)[0], is_anonymous=False)
    Intake.objects.filter(pk=intake.pk).update(household=household)
    conference = do_create_conference(
        acting_user=town.users[USER],
        convened_by=town.orgs["branch_south"],
        held_on=timezone.localdate(),
        kind=Conference.Kind.OTHER,
        title="南支所のケース会議",
        participating_organisations=[town.orgs["branch_south"]],
    )
    return {"household": household, "intake": intake, "conference": conference}


def _api(client: Client, method: str, url: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def _intake_api_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "channel": "phone",
        "consulter_type": "self",
        "person_mode": "found",
        "concern": "服薬の管理ができていない。",
        "categories": [],
        "urgency": "high",
        "consent_status": "oral",
    }
    body.update(overrides)
    return body


def _attempt_every_write(client: Client, town: Town, world: World, south: dict[str, Any]) -> list[str]:
    """Try every write that could name the north person, household or case; return those not refused."""
    person, household, case = world.person, _household(world), world.case
    south_org = town.orgs["branch_south"]
    problems: list[str] = []

    def refused(label: str, response: Any, statuses: set[int]) -> None:
        if response.status_code not in statuses:
            problems.append(f"{label}: {response.status_code} {response.content[:300]!r}")

    # The intake form: the person found, and a new person joining their household.
    found = form_data(town, receiving_organisation=south_org.pk, person_mode="found", person_id=person.pk)
    refused("intake page, found person", client.post("/intakes/new/", found), {400, 403, 404, 422})
    joining = form_data(
        town,
        receiving_organisation=south_org.pk,
        person_mode="new",
        person_id=person.pk,
        household_choice=HouseholdChoice.JOIN,
        relationship="child",
        **{"person-family_name": "北山", "person-given_name": "次郎", "person-primary_language": "ja"},
    )
    refused("intake page, join the household", client.post("/intakes/new/", joining), {400, 403, 404, 422})
    # The intake API, both ways.
    refused(
        "intake API, found person",
        _api(client, "post", "/api/v1/intakes/", _intake_api_body(person_id=person.pk)),
        {403, 404, 422},
    )
    refused(
        "intake API, join the household",
        _api(
            client,
            "post",
            "/api/v1/intakes/",
            _intake_api_body(
                person_mode="new",
                person_id=person.pk,
                household_choice="join",
                relationship="child",
                new_person={"family_name": "北山", "given_name": "三郎"},
            ),
        ),
        {403, 404, 422},
    )
    # Referrals: through the API (person, case) and the page from the case.
    referral = {
        "to_organisation_id": town.orgs["csw"].pk,
        "reason": "服薬管理の支援が必要。",
        "request": "訪問をお願いします。",
        "shared_sections": ["concern"],
        "sharing_basis": "life_and_safety",
    }
    refused(
        "referral API, person",
        _api(client, "post", "/api/v1/referrals/", {**referral, "person_id": person.pk}),
        {403, 404, 422},
    )
    refused(
        "referral API, case",
        _api(client, "post", "/api/v1/referrals/", {**referral, "case_id": case.pk}),
        {403, 404, 422},
    )
    refused("referral page from the case", client.get(f"/referrals/from-case/{case.pk}/"), {403, 404})
    refused(
        "referral page from the case, sent",
        client.post(
            f"/referrals/from-case/{case.pk}/",
            {
                "to_organisation": town.orgs["csw"].pk,
                "reason": "服薬管理の支援が必要。",
                "request": "訪問をお願いします。",
                "shared_sections": ["concern"],
                "sharing_basis": "life_and_safety",
            },
        ),
        {403, 404},
    )
    # Help requests to a mutual-help group: API (person, case) and page.
    assert world.group is not None
    help_request = {
        "group_id": world.group.pk,
        "task": "light_bulb",
        "description": "電球の交換",
        "town_block_id": town.blocks["north"].pk,
    }
    refused(
        "help request API, person",
        _api(client, "post", "/api/v1/community/help-requests", {**help_request, "person_id": person.pk}),
        {403, 404, 422},
    )
    refused(
        "help request API, case",
        _api(client, "post", "/api/v1/community/help-requests", {**help_request, "case_id": case.pk}),
        {403, 404, 422},
    )
    page = {
        "group": world.group.pk,
        "task": "light_bulb",
        "description": "電球の交換",
        "town_block": town.blocks["north"].pk,
        "preferred_time": "any",
    }
    refused(
        "help request page, person",
        client.post(f"/community/help/new/?person={person.pk}", {**page, "person": person.pk}),
        {400, 403, 404},
    )
    refused(
        "help request page, case",
        client.post(f"/community/help/new/?case={case.pk}", {**page, "case": case.pk}),
        {302, 400, 403, 404},
    )
    # Consent, household membership, related person.
    consent = {
        "given_on": timezone.localdate().isoformat(),
        "method": "oral",
        "witness": "同僚",
        "scope_organisations": [south_org.pk],
    }
    refused("consent page", client.post(f"/consent/people/{person.pk}/new/", consent), {403, 404})
    refused(
        "consent API",
        _api(
            client,
            "post",
            f"/api/v1/people/{person.pk}/consents",
            {
                "given_on": timezone.localdate().isoformat(),
                "method": "written",
                "scope_organisation_ids": [south_org.pk],
            },
        ),
        {403, 404, 422},
    )
    south_household = south["household"]
    membership = {"person": person.pk, "relationship": "other_relative", "started_on": "2024-04-01"}
    refused(
        "add the person to a south household",
        client.post(f"/people/households/{south_household.pk}/members/add/", membership),
        {403, 404},
    )
    south_member = members(south_household)[0]
    refused(
        "add a south person to the household",
        client.post(
            f"/people/households/{household.pk}/members/add/",
            {**membership, "person": south_member.pk},
        ),
        {403, 404},
    )
    refused(
        "related person",
        client.post(f"/people/{person.pk}/related/new/", {"name": "北山 一郎", "relationship": "長男"}),
        {403, 404},
    )
    # The case: team, lead request, support record, participation, conference agenda.
    refused(
        "team page",
        client.post(f"/cases/{case.pk}/team/", {"organisation": south_org.pk, "role": "見守り"}),
        {403, 404},
    )
    refused(
        "team API",
        _api(
            client,
            "post",
            f"/api/v1/cases/{case.pk}/team",
            {"organisation_id": south_org.pk, "role": "見守り", "version": 1},
        ),
        {404},
    )
    refused(
        "lead request", client.post(f"/cases/{case.pk}/lead-requests/", {"reason": "南支所で担当したい。"}), {403, 404}
    )
    record = {
        "kind": "phone",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "summary": "電話で様子を確認。",
    }
    refused(
        "support record page",
        client.post(
            f"/support/households/{household.pk}/records/new/",
            {**record, "organisation": south_org.pk, "case": case.pk},
        ),
        {403, 404},
    )
    refused(
        "support record API",
        _api(
            client,
            "post",
            f"/api/v1/support/households/{household.pk}/records",
            {**record, "occurred_at": timezone.now().isoformat()},
        ),
        {403, 404, 422},
    )
    refused(
        "participation API",
        _api(
            client,
            "post",
            f"/api/v1/community/cases/{case.pk}/participations",
            {"person_id": person.pk, "service_id": world.services["salon"].pk},
        ),
        {403, 404, 422},
    )
    refused(
        "conference agenda",
        client.post(f"/support/conferences/{south['conference'].pk}/agenda/", {"case_id": case.pk}),
        {403, 404, 422},
    )
    return problems


def _north_routes(world: World) -> list[str]:
    person, household, case = world.person.pk, _household(world).pk, world.case.pk
    return [
        f"/people/{person}/",
        f"/people/{person}/edit/",
        f"/people/{person}/related/new/",
        f"/people/households/{household}/",
        f"/people/households/{household}/edit/",
        f"/people/households/{household}/members/add/",
        f"/people/households/{household}/members/new/",
        f"/support/households/{household}/timeline/",
        f"/support/households/{household}/records/new/",
        f"/consent/people/{person}/",
        f"/consent/people/{person}/new/",
        f"/intakes/{world.intake.pk}/",
        f"/cases/{case}/",
        f"/support/cases/{case}/plan/",
        f"/support/cases/{case}/assessment/",
        f"/community/cases/{case}/resources/",
        f"/referrals/from-case/{case}/",
        f"/api/v1/persons/{person}",
        f"/api/v1/households/{household}",
        f"/api/v1/people/{person}/consents",
        f"/api/v1/intakes/{world.intake.pk}",
        f"/api/v1/cases/{case}",
        f"/api/v1/support/households/{household}/timeline",
        f"/api/v1/support/cases/{case}/plan",
        f"/api/v1/community/cases/{case}/participations",
    ]


def _lists_naming_the_person(client: Client, south: dict[str, Any]) -> list[str]:
    """Lists and searches of the south user that still show the north person's name."""
    htmx = {"HX-Request": "true"}
    surfaces = {
        "intake list": client.get("/intakes/"),
        "intake API list": client.get("/api/v1/intakes/"),
        "person search": client.get(f"/people/?q={NAME}"),
        "person API search": client.get(f"/api/v1/persons?q={NAME}"),
        "intake person search": client.get(f"/intakes/people/search/?q={NAME}", headers=htmx),
        "household list": client.get(f"/people/households/?q={NAME}"),
        "case list": client.get("/cases/"),
        "referral list": client.get("/referrals/"),
        "help requests": client.get("/community/help/"),
        "conference": client.get(f"/support/conferences/{south['conference'].pk}/"),
    }
    return [label for label, response in surfaces.items() if any(text in response.content.decode() for text in SHOWN)]


@pytest.mark.parametrize("kind", KINDS)
def test_no_write_during_a_grant_outlives_it(client: Client, town: Town, world: World, kind: str) -> None:
    south = _south_things(town)
    user = town.users[USER]
    client.force_login(user)
    routes = _north_routes(world)
    assert {route: client.get(route).status_code for route in routes} == dict.fromkeys(routes, 404)

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert client.post(f"/emergency/{kind}/{_target(world, kind).pk}/", {"reason": REASON}).status_code == 302
        assert client.get(f"/people/{world.person.pk}/").status_code == 200  # read-only, but open
        intakes, people, referrals = Intake.objects.count(), Person.objects.count(), Referral.objects.count()

        problems = _attempt_every_write(client, town, world, south)
        assert problems == [], "\n".join(problems)
        assert (Intake.objects.count(), Person.objects.count(), Referral.objects.count()) == (
            intakes,
            people,
            referrals,
        )
        assert not HouseholdMembership.objects.filter(person=world.person).exclude(household=_household(world)).exists()
        assert not ConferenceCase.objects.filter(case=world.case).exists()
        assert not HelpRequest.objects.filter(Q(person=world.person) | Q(case=world.case)).exists()

        traveller.shift(dt.timedelta(hours=4, minutes=1))
        client.force_login(user)  # the idle timeout signed them out meanwhile
        access.forget_memberships(user)
        still_open = {route: status for route in routes if (status := client.get(route).status_code) != 404}
        assert still_open == {}
        assert _lists_naming_the_person(client, south) == []
        assert not access.visible_people(user).filter(pk=world.person.pk).exists()
        assert not access.visible_households(user).filter(pk=_household(world).pk).exists()
        assert not access.visible_cases(user).filter(pk=world.case.pk).exists()


def test_the_intake_form_says_why_and_offers_the_anonymous_way(client: Client, town: Town, world: World) -> None:
    client.force_login(town.users[USER])
    client.post(f"/emergency/person/{world.person.pk}/", {"reason": REASON})
    data = form_data(
        town, receiving_organisation=town.orgs["branch_south"].pk, person_mode="found", person_id=world.person.pk
    )
    body = client.post("/intakes/new/", data).content.decode()
    assert "本人: " in body and "緊急閲覧" in body and "匿名" in body
    assert not Intake.objects.filter(person=world.person, receiving_organisation=town.orgs["branch_south"]).exists()
    # The way offered works: anonymous, with a description.
    anonymous = form_data(town, receiving_organisation=town.orgs["branch_south"].pk)
    assert client.post("/intakes/new/", anonymous).status_code == 302

    response = _api(client, "post", "/api/v1/intakes/", _intake_api_body(person_id=world.person.pk))
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "緊急閲覧" in errors["person_id"]


def test_the_intake_search_and_pick_offer_only_people_seen_without_the_grant(
    client: Client, town: Town, world: World
) -> None:
    south = _south_things(town)
    client.force_login(town.users[USER])
    client.post(f"/emergency/household/{_household(world).pk}/", {"reason": REASON})
    htmx = {"HX-Request": "true"}
    found = client.get(f"/intakes/people/search/?q={NAME}", headers=htmx).content.decode()
    assert not any(text in found for text in SHOWN)
    assert client.get(f"/intakes/people/{world.person.pk}/pick/", headers=htmx).status_code == 404
    own = members(south["household"])[0]
    assert client.get(f"/intakes/people/{own.pk}/pick/", headers=htmx).status_code == 200
    candidates = client.get(f"/people/households/{south['household'].pk}/members/add/?q={NAME}", headers=htmx)
    assert not any(text in candidates.content.decode() for text in SHOWN)


def test_referral_and_help_request_api_name_the_field(client: Client, town: Town, world: World) -> None:
    client.force_login(town.users[USER])
    client.post(f"/emergency/case/{world.case.pk}/", {"reason": REASON})
    referral = {
        "to_organisation_id": town.orgs["csw"].pk,
        "reason": "服薬管理の支援が必要。",
        "request": "訪問をお願いします。",
        "sharing_basis": "life_and_safety",
    }
    for field, value in (("person_id", world.person.pk), ("case_id", world.case.pk)):
        response = _api(client, "post", "/api/v1/referrals/", {**referral, field: value})
        assert response.status_code == 422, field
        assert "緊急閲覧" in json.dumps(response.json(), ensure_ascii=False)
    assert world.group is not None
    help_request = {
        "group_id": world.group.pk,
        "task": "light_bulb",
        "description": "電球",
        "town_block_id": town.blocks["north"].pk,
    }
    for field, value in (("person_id", world.person.pk), ("case_id", world.case.pk)):
        response = _api(client, "post", "/api/v1/community/help-requests", {**help_request, field: value})
        assert response.status_code == 422, field
        assert response.json()["errors"][0]["field"] == field
        assert "緊急閲覧" in json.dumps(response.json(), ensure_ascii=False)
    page = client.get(f"/referrals/from-case/{world.case.pk}/")
    assert page.status_code == 403 and "緊急閲覧" in page.content.decode()
    page = client.get(f"/community/help/new/?person={world.person.pk}")
    assert page.status_code == 403 and "緊急閲覧" in page.content.decode()


def _grant(town: Town, world: World, kind: str) -> None:
    do_start_emergency_access(_target(world, kind), reason=REASON, acting_user=town.users[USER])


@pytest.mark.parametrize("kind", KINDS)
def test_the_actions_refuse_too(town: Town, world: World, kind: str) -> None:
    """Defence in depth: an action asked to name a record seen only through a grant refuses it."""
    south = _south_things(town)
    user = town.users[USER]
    _grant(town, world, kind)
    household = _household(world)
    person = world.person
    south_org = town.orgs["branch_south"]
    group = world.group
    assert group is not None
    intake_values: dict[str, Any] = {
        "receiving_organisation": south_org,
        "received_at": timezone.now(),
        "channel": IntakeChannel.objects.get(pk="phone"),
        "consulter_type": ConsulterType.objects.get(pk="self"),
        "concern": "服薬の管理ができていない。",
        "urgency": UrgencyLevel.objects.get(pk="normal"),
        "consent_status": Intake.ConsentStatus.ORAL,
    }
    attempts: dict[str, Any] = {
        "intake about the person": lambda: do_record_intake(acting_user=user, person=person, **intake_values),
        "intake joining the household": lambda: do_record_intake(
            acting_user=user,
            new_person={"family_name": "北山", "given_name": "四郎"},
            household_choice=HouseholdChoice.JOIN,
            join_household_of=person,
            relationship="child",
            **intake_values,
        ),
        "referral about the person": lambda: do_send_referral(
            acting_user=user,
            from_organisation=south_org,
            to_organisation=town.orgs["csw"],
            reason="理由",
            request="依頼",
            shared_sections=[],
            sharing_basis="life_and_safety",
            person=person,
        ),
        "help request for the person": lambda: do_create_help_request(
            acting_user=user,
            organisation=south_org,
            group=group,
            task="light_bulb",
            description="電球",
            town_block=town.blocks["north"],
            person=person,
        ),
        "membership in a south household": lambda: do_add_household_member(
            south["household"], person, relationship="other_relative", acting_user=user
        ),
        "consent": lambda: do_record_consent(
            person, acting_user=user, organisation=south_org, given_on=timezone.localdate(), method="written"
        ),
    }
    if kind in ("household", "case"):  # the household is open through the grant
        attempts["referral about the household"] = lambda: do_send_referral(
            acting_user=user,
            from_organisation=south_org,
            to_organisation=town.orgs["csw"],
            reason="理由",
            request="依頼",
            shared_sections=[],
            sharing_basis="life_and_safety",
            household=household,
        )
        attempts["case about the household"] = lambda: do_open_case(
            acting_user=user,
            household=household,
            intakes=[south["intake"]],
            title="南支所の支援",
            lead_organisation=south_org,
        )
    if kind == "case":
        attempts["referral about the case"] = lambda: do_send_referral(
            acting_user=user,
            from_organisation=south_org,
            to_organisation=town.orgs["csw"],
            reason="理由",
            request="依頼",
            shared_sections=[],
            sharing_basis="life_and_safety",
            case=world.case,
        )
        attempts["help request for the case"] = lambda: do_create_help_request(
            acting_user=user,
            organisation=south_org,
            group=group,
            task="light_bulb",
            description="電球",
            town_block=town.blocks["north"],
            case=world.case,
        )
        attempts["conference agenda"] = lambda: do_add_case_to_agenda(south["conference"], world.case, acting_user=user)
    accepted = []
    for label, attempt in attempts.items():
        try:
            attempt()
        except access.NotLinkable:
            continue
        accepted.append(label)
    assert accepted == []


def test_linkable_is_visible_without_the_grant(town: Town, world: World) -> None:
    user = town.users[USER]
    _grant(town, world, "case")
    person, household, case = world.person, _household(world), world.case
    assert access.visible_people(user).filter(pk=person.pk).exists()
    assert not access.linkable_people(user).filter(pk=person.pk).exists()
    assert access.visible_households(user).filter(pk=household.pk).exists()
    assert not access.linkable_households(user).filter(pk=household.pk).exists()
    assert access.visible_cases(user).filter(pk=case.pk).exists()
    assert not access.linkable_cases(user).filter(pk=case.pk).exists()
    # For the record's own team nothing changes, and the coordination section links anything.
    north = town.users["caseworker_north"]
    assert access.linkable_people(north).filter(pk=person.pk).exists()
    assert access.linkable_cases(town.users["coordinator"]).filter(pk=case.pk).exists()
