from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tsunagiai.audit.models import AuditEvent
from tsunagiai.core.concurrency import EditConflict
from tsunagiai.people.actions import (
    do_add_household_member,
    do_add_related_person,
    do_end_household_membership,
    do_update_household,
    do_update_person,
)
from tsunagiai.people.matching import normalise
from tsunagiai.people.models import HouseholdMembership, Person
from tsunagiai.people.tests.factories import make_household, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(dt.datetime(2025, 6, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def test_create_person_fills_search_keys_and_audits(town):
    person = make_person(town, "髙橋", "一郎", family_name_kana="タカハシ", given_name_kana="イチロウ")
    assert person.search_name == normalise("高橋一郎")
    assert person.search_kana == "タカハシイチロウ"
    event = AuditEvent.objects.get(action="people.person_created", object_id=str(person.pk))
    assert event.changes["family_name"]["after"] == "髙橋"
    assert person.created_by == town.users["caseworker_north"]


def test_update_person_records_a_field_level_diff_and_refreshes_keys(town):
    person = make_person(town)
    do_update_person(person, acting_user=town.users["coordinator"], expected_version=1, family_name="齋藤")
    person.refresh_from_db()
    assert person.version == 2
    assert person.search_name == normalise("斎藤花子")
    event = AuditEvent.objects.get(action="people.person_updated")
    assert event.changes == {"family_name": {"before": "山田", "after": "齋藤"}}


def test_update_with_a_stale_version_is_refused_and_the_first_edit_kept(town):
    person = make_person(town)
    first = Person.objects.get(pk=person.pk)
    second = Person.objects.get(pk=person.pk)
    do_update_person(first, acting_user=town.users["caseworker_north"], expected_version=1, phone="0565-11-1111")
    with pytest.raises(EditConflict):
        do_update_person(second, acting_user=town.users["coordinator"], expected_version=1, phone="0565-22-2222")
    person.refresh_from_db()
    assert person.phone == "0565-11-1111"
    assert person.version == 2


def test_update_person_refuses_unknown_fields(town):
    person = make_person(town)
    with pytest.raises(TypeError):
        do_update_person(person, acting_user=town.users["coordinator"], expected_version=1, my_number="123")


def test_joining_a_household_ends_the_previous_membership_with_a_reason(town):
    person = make_person(town)
    first = make_household(town, [(person, "head")], name="旧世帯")
    second = make_household(town, [], name="新世帯")
    do_add_household_member(
        second, person, relationship="child", acting_user=town.users["caseworker_north"], started_on=dt.date(2025, 5, 1)
    )
    old = HouseholdMembership.objects.get(household=first, person=person)
    assert old.ended_on == dt.date(2025, 5, 1)
    assert "新世帯" in old.end_reason
    assert HouseholdMembership.objects.filter(person=person, ended_on__isnull=True).get().household == second


def test_a_household_has_at_most_one_current_head(town):
    household = make_household(town, [(make_person(town), "head")])
    with pytest.raises(ValidationError):
        do_add_household_member(
            household, make_person(town, "佐藤"), relationship="head", acting_user=town.users["caseworker_north"]
        )


def test_unknown_relationship_code_is_refused(town):
    household = make_household(town, [])
    with pytest.raises(ValidationError):
        do_add_household_member(
            household, make_person(town), relationship="cousin", acting_user=town.users["caseworker_north"]
        )


def test_ending_a_membership_keeps_it_as_history_and_refuses_impossible_dates(town):
    person = make_person(town)
    household = make_household(town, [(person, "head")])
    membership = household.memberships.get()
    user = town.users["caseworker_north"]
    with pytest.raises(ValidationError):
        do_end_household_membership(membership, acting_user=user, ended_on=dt.date(2019, 1, 1), reason="転出")
    with pytest.raises(ValidationError):
        do_end_household_membership(membership, acting_user=user, ended_on=dt.date(2025, 7, 1), reason="転出")
    do_end_household_membership(membership, acting_user=user, ended_on=dt.date(2025, 5, 31), reason="施設入所")
    membership.refresh_from_db()
    assert (membership.ended_on, membership.end_reason) == (dt.date(2025, 5, 31), "施設入所")
    assert AuditEvent.objects.filter(action="people.household_membership_ended").count() == 1


def test_update_household_is_versioned(town):
    household = make_household(town, [])
    do_update_household(household, acting_user=town.users["caseworker_north"], expected_version=1, name="新しい名前")
    with pytest.raises(EditConflict):
        do_update_household(household, acting_user=town.users["coordinator"], expected_version=1, name="別の名前")


def test_related_person_needs_a_name_or_a_registered_person(town):
    person = make_person(town)
    with pytest.raises(ValidationError):
        do_add_related_person(person, acting_user=town.users["caseworker_north"], role="key_person")
    related = do_add_related_person(
        person, acting_user=town.users["caseworker_north"], role="separated_family", name="山田 桜"
    )
    assert related.person == person
