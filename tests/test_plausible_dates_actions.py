"""The date rule holds in the actions too (defence in depth behind the forms and the API).

Every action that takes a typed date or moment refuses 0001-01-01, 1899-12-31
and 9999-12-31 with a Japanese message naming the field, and stores nothing —
whatever form, API operation, command or future caller sent it. A date before
the person's birth is refused where the action knows the person. Generated
tests cover the pages and the API (tests/test_plausible_dates.py).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tsunagiai.community.actions import (
    do_add_group_member,
    do_create_help_request,
    do_end_group_membership,
    do_propose_participation,
    do_transition_participation,
)
from tsunagiai.community.models import GroupMember, HelpRequest, Participation
from tsunagiai.community.tests.conftest import World, build_world
from tsunagiai.consent.actions import do_record_consent
from tsunagiai.consent.models import Consent
from tsunagiai.core.errors import ActionRefused
from tsunagiai.intake.actions import do_record_fire_report, do_record_intake, do_update_intake
from tsunagiai.intake.models import Intake
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.people.actions import (
    do_add_household_member,
    do_create_household,
    do_create_person,
    do_end_household_membership,
    do_update_person,
)
from tsunagiai.people.models import HouseholdMembership, Person
from tsunagiai.reference.models import UrgencyLevel
from tsunagiai.regional.actions import (
    do_record_meeting,
    do_record_network_event,
    do_record_unmet_need,
)
from tsunagiai.regional.models import CommunityMeeting, NetworkEvent, UnmetNeed
from tsunagiai.regional.tests.helpers import category, make_case
from tsunagiai.resources.hsds_io import InvalidHsdsFile, export_document, validate
from tsunagiai.testing import Town

BAD_DATES = (dt.date(1, 1, 1), dt.date(1899, 12, 31), dt.date(9999, 12, 31))
JST = dt.timezone(dt.timedelta(hours=9))
BAD_MOMENTS = tuple(dt.datetime(d.year, d.month, d.day, tzinfo=JST) for d in BAD_DATES)
PROBLEMS = ("1900年以降", "未来の日", "以前の日付を入力", "より前の日付")


def _refused(call: Callable[[], Any], field: str, label: str) -> None:
    """``call`` is refused naming ``field`` (the key) and ``label`` (the Japanese words)."""
    with pytest.raises((ValidationError, ActionRefused, ActionRefused)) as caught:
        call()
    error = caught.value
    if isinstance(error, ValidationError):
        assert field in error.message_dict, error.message_dict
        message = error.message_dict[field][0]
    else:
        assert isinstance(error, (ActionRefused, ActionRefused))
        assert error.field == field
        message = error.message
    assert message.startswith(f"{label}:"), message
    assert any(problem in message for problem in PROBLEMS), message


@pytest.fixture
def world(town: Town) -> World:
    return build_world(town)


@pytest.mark.parametrize("day", BAD_DATES, ids=str)
def test_people_actions_refuse_an_implausible_date(town: Town, world: World, day: dt.date) -> None:
    user = town.users["caseworker_north"]
    people = Person.objects.count()
    _refused(
        lambda: do_create_person(
            acting_user=user, organisation=town.orgs["branch_north"], family_name="日付", birth_date=day
        ),
        "birth_date",
        "生年月日",
    )
    assert Person.objects.count() == people
    person = world.person
    _refused(
        lambda: do_update_person(person, acting_user=user, expected_version=person.version, birth_date=day),
        "birth_date",
        "生年月日",
    )
    other = make_person(town, family_name="移転")
    household = do_create_household(acting_user=user, organisation=town.orgs["branch_north"], name="移転先")
    _refused(
        lambda: do_add_household_member(household, other, relationship="head", acting_user=user, started_on=day),
        "started_on",
        "開始日",
    )
    membership = HouseholdMembership.objects.get(person=person, ended_on__isnull=True)
    if day > membership.started_on:
        _refused(
            lambda: do_end_household_membership(membership, acting_user=user, ended_on=day, reason="転居"),
            "ended_on",
            "終了日",
        )
    assert not HouseholdMembership.objects.filter(household=household).exists()
    person.refresh_from_db()
    assert person.birth_date == dt.date(1942, 5, 1)


def test_a_membership_is_not_dated_before_the_member_was_born(town: Town, world: World) -> None:
    user = town.users["caseworker_north"]
    child = make_person(town, family_name="北山", given_name="孫", birth_date=dt.date(2015, 4, 1))
    household = do_create_household(acting_user=user, organisation=town.orgs["branch_north"], name="北山（孫）")
    _refused(
        lambda: do_add_household_member(
            household, child, relationship="grandchild", acting_user=user, started_on=dt.date(2010, 1, 1)
        ),
        "started_on",
        "開始日",
    )


@pytest.mark.parametrize("day", BAD_DATES, ids=str)
def test_the_consent_action_refuses_an_implausible_date(town: Town, world: World, day: dt.date) -> None:
    user = town.users["caseworker_north"]
    org = town.orgs["branch_north"]

    def record(**dates: Any) -> Consent:
        values = {"given_on": timezone.localdate(), **dates}
        return do_record_consent(
            world.person, acting_user=user, organisation=org, method="written", scope_organisations=[org], **values
        )

    _refused(lambda: record(given_on=day), "given_on", "同意日")
    if day.year > 2000:
        _refused(lambda: record(expires_on=day), "expires_on", "有効期限")
    assert not Consent.objects.exists()


def test_a_consent_is_not_given_before_the_person_was_born(town: Town, world: World) -> None:
    org = town.orgs["branch_north"]
    _refused(
        lambda: do_record_consent(
            world.person,
            acting_user=town.users["caseworker_north"],
            organisation=org,
            given_on=dt.date(1930, 1, 1),
            method="written",
            scope_organisations=[org],
        ),
        "given_on",
        "同意日",
    )


@pytest.mark.parametrize("day", BAD_DATES, ids=str)
def test_community_actions_refuse_an_implausible_date(town: Town, world: World, day: dt.date) -> None:
    user = town.users["caseworker_north"]
    assert world.group is not None
    group = world.group
    _refused(
        lambda: do_propose_participation(
            world.case,
            person=world.person,
            service=world.services["salon"],
            organisation=town.orgs["branch_north"],
            acting_user=user,
            proposed_on=day,
        ),
        "proposed_on",
        "提案日",
    )
    assert not Participation.objects.exists()
    participation = do_propose_participation(
        world.case,
        person=world.person,
        service=world.services["salon"],
        organisation=town.orgs["branch_north"],
        acting_user=user,
        proposed_on=dt.date(2020, 1, 1),
    )
    if day.year > 2000:
        _refused(
            lambda: do_transition_participation(
                participation, to="tried", on=day, acting_user=user, expected_version=participation.version
            ),
            "on",
            "日付",
        )
        _refused(
            lambda: do_create_help_request(
                acting_user=user,
                organisation=town.orgs["branch_north"],
                group=group,
                task="light_bulb",
                description="電球",
                town_block=town.blocks["north"],
                preferred_date=day,
            ),
            "preferred_date",
            "希望日",
        )
        assert not HelpRequest.objects.exists()
    members = GroupMember.objects.count()
    _refused(lambda: do_add_group_member(group, name="新人", acting_user=user, joined_on=day), "joined_on", "加入日")
    assert GroupMember.objects.count() == members
    member = GroupMember.objects.get(provider=group)
    if day > member.joined_on:
        _refused(lambda: do_end_group_membership(member, acting_user=user, left_on=day), "left_on", "退会日")


def test_a_participation_is_not_proposed_before_the_person_was_born(town: Town, world: World) -> None:
    _refused(
        lambda: do_propose_participation(
            world.case,
            person=world.person,
            service=world.services["salon"],
            organisation=town.orgs["branch_north"],
            acting_user=town.users["caseworker_north"],
            proposed_on=dt.date(1930, 1, 1),
        ),
        "proposed_on",
        "提案日",
    )


@pytest.mark.parametrize("day", BAD_DATES, ids=str)
def test_regional_actions_refuse_an_implausible_date(town: Town, day: dt.date) -> None:
    user = town.users["caseworker_north"]
    case = make_case(town)
    _refused(
        lambda: do_record_unmet_need(
            case,
            acting_user=user,
            organisation=town.orgs["branch_north"],
            category=category(),
            what_was_missing="夜間の移動手段",
            noted_on=day,
            area=town.areas["north_elementary"],
        ),
        "noted_on",
        "日付",
    )
    organisations = [town.orgs["branch_north"]]
    _refused(
        lambda: do_record_meeting(
            acting_user=user,
            kind="community_meeting",
            held_on=day,
            title="会議",
            participating_organisations=organisations,
        ),
        "held_on",
        "開催日",
    )
    _refused(
        lambda: do_record_network_event(
            acting_user=user,
            kind="network_meeting",
            held_on=day,
            title="研修",
            participating_organisations=organisations,
        ),
        "held_on",
        "開催日",
    )
    assert not (UnmetNeed.objects.exists() or CommunityMeeting.objects.exists() or NetworkEvent.objects.exists())


@pytest.mark.parametrize("moment", BAD_MOMENTS, ids=str)
def test_intake_actions_refuse_an_implausible_moment(town: Town, moment: dt.datetime) -> None:
    user = town.users["caseworker_north"]
    intakes = Intake.objects.count()
    template = make_intake(town)
    values = {
        name: getattr(template, name)
        for name in ("receiving_organisation", "channel", "consulter_type", "concern", "urgency", "consent_status")
    }
    _refused(
        lambda: do_record_intake(acting_user=user, received_at=moment, is_anonymous=True, **values),
        "received_at",
        "受付日時",
    )
    _refused(
        lambda: do_update_intake(template, acting_user=user, expected_version=template.version, received_at=moment),
        "received_at",
        "受付日時",
    )
    _refused(
        lambda: do_record_fire_report(
            acting_user=town.users["fire_crew"],
            fire_department=town.orgs["fire"],
            incident_at=moment,
            incident_type="ambulance",
            concern="搬送先で一人暮らしと判明",
            urgency=UrgencyLevel.objects.get(pk="normal"),
            consent_status=Intake.ConsentStatus.ORAL,
        ),
        "incident_at",
        "出動日時",
    )
    assert Intake.objects.count() == intakes + 1
    template.refresh_from_db()
    assert template.received_at.year == timezone.now().year


def test_an_intake_edit_keeps_a_received_at_it_does_not_change(town: Town) -> None:
    """Only a changed moment is judged again: an intake received three years ago stays correctable."""
    intake = make_intake(town)
    old = timezone.now() - dt.timedelta(days=3 * 365)
    Intake.objects.filter(pk=intake.pk).update(received_at=old)
    intake.refresh_from_db()
    do_update_intake(
        intake, acting_user=town.users["caseworker_north"], expected_version=intake.version, received_at=old
    )


@pytest.mark.parametrize("value", ["0001-01-01", "1899-12-31", "9999-12-31", "2024-02-30"])
def test_an_hsds_import_refuses_an_implausible_start_date_with_its_path(world: World, value: str) -> None:
    document = export_document()
    service = next(s for o in document["organizations"] for s in o.get("services", []))
    service.setdefault("attributes", []).append(
        {
            "id": "00000000-0000-4000-8000-000000000001",
            "link_id": service["id"],
            "link_type": "tsunagiai:started_on",
            "link_entity": "service",
            "value": value,
        }
    )
    with pytest.raises(InvalidHsdsFile) as caught:
        validate(json.loads(json.dumps(document)))
    assert any("attributes[" in error and value in error for error in caught.value.errors), caught.value.errors
