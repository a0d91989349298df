"""Every read of a person, household, intake, case or referral page and API object is audited."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse

from tsunagiai.audit.models import AuditEvent, Basis
from tsunagiai.cases.tests.helpers import make_family, open_case
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.referrals.tests.helpers import send

API = "/api/v1"


def _last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).order_by("-sequence").first()  # type: ignore[return-value]


def test_reading_a_person_page_records_who_when_from_where_what_and_why(client, town) -> None:
    family = make_family(town)
    user = town.users["caseworker_north"]
    client.force_login(user)
    response = client.get(reverse("people:person_detail", args=[family.mother.pk]), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    event = _last("person.viewed")
    assert event.actor == user
    assert event.organisation == town.orgs["branch_north"]
    assert event.basis == Basis.OWN_ORGANISATION
    assert event.person_id == family.mother.pk
    assert event.object_id == str(family.mother.pk)
    assert event.ip_address == "10.1.2.3"


def test_the_coordination_section_reads_on_its_own_basis(client, town) -> None:
    family = make_family(town)
    client.force_login(town.users["coordinator"])
    client.get(reverse("people:person_detail", args=[family.mother.pk]))
    event = _last("person.viewed")
    assert event.basis == Basis.COORDINATION
    assert event.organisation == town.orgs["coordination"]


def test_a_refused_read_writes_nothing(client, town) -> None:
    family = make_family(town)
    client.force_login(town.users["caseworker_south"])
    before = AuditEvent.objects.count()
    assert client.get(reverse("people:person_detail", args=[family.mother.pk])).status_code == 404
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("where", ["page", "api"])
def test_household_intake_and_case_reads_are_audited(client, town, where) -> None:
    family = make_family(town)
    case = open_case(town, family)
    client.force_login(town.users["caseworker_north"])
    targets = {
        "household.viewed": (
            reverse("people:household_detail", args=[family.household.pk]),
            f"{API}/households/{family.household.pk}",
        ),
        "intake.viewed": (reverse("intake:detail", args=[family.intake.pk]), f"{API}/intakes/{family.intake.pk}"),
        "case.viewed": (reverse("cases:detail", args=[case.pk]), f"{API}/cases/{case.pk}"),
        "person.viewed": (reverse("people:person_detail", args=[family.son.pk]), f"{API}/persons/{family.son.pk}"),
    }
    for action, (page, api) in targets.items():
        response = client.get(page if where == "page" else api)
        assert response.status_code == 200, action
        event = _last(action)
        assert event is not None, action
        assert event.actor == town.users["caseworker_north"]
        assert event.note == ("api" if where == "api" else resolve(page).view_name)  # where it was read
        assert event.basis in {Basis.OWN_ORGANISATION, Basis.CASE_TEAM}
    assert _last("intake.viewed").person_id == family.mother.pk
    assert _last("case.viewed").basis == Basis.OWN_ORGANISATION  # the lead organisation


@pytest.mark.parametrize("where", ["page", "api"])
def test_a_referral_read_by_the_recipient_is_audited_on_that_basis(client, town, where) -> None:
    person = make_person(town, family_name="佐藤")
    intake = make_intake(town, person=person, is_anonymous=False, subject_description="")
    referral = send(town, intake=intake, sharing_basis="life_and_safety")
    client.force_login(town.users["csw_worker"])
    url = reverse("referrals:detail", args=[referral.pk]) if where == "page" else f"{API}/referrals/{referral.pk}"
    assert client.get(url).status_code == 200
    event = _last("referral.viewed")
    assert event.basis == Basis.REFERRAL_RECIPIENT
    assert event.organisation == town.orgs["csw"]
    assert event.person_id == person.pk


def test_changes_carry_the_person_and_the_acting_organisation(town) -> None:
    family = make_family(town)
    event = AuditEvent.objects.filter(object_type="people.person", object_id=str(family.mother.pk)).first()
    assert event is not None
    assert event.person_id == family.mother.pk
    assert event.organisation == town.orgs["branch_north"]
