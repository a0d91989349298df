"""Household patterns are reachable where members are added, and the household page says what is missing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tsunagiai.audit.models import AuditEvent
from tsunagiai.people.actions import do_add_household_member, do_update_person
from tsunagiai.people.models import HouseholdMembership
from tsunagiai.people.tests.factories import make_household, make_person

pytestmark = pytest.mark.django_db

MISSING = "8050問題の判定には"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(dt.datetime(2025, 6, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def _mother_alone(town):
    mother = make_person(town, "杉浦", "トメ", birth_date=dt.date(1940, 3, 1))  # 85
    return make_household(town, [(mother, "head")], name="杉浦さん世帯")


def _household_page(client, household):
    return client.get(reverse("people:household_detail", args=[household.pk])).content.decode()


def test_adding_a_56_year_old_son_who_is_not_working_shows_8050_at_once(client, town):
    household = _mother_alone(town)
    son = make_person(town, "杉浦", "一男", birth_date=dt.date(1969, 1, 10))  # 56, work not recorded
    client.force_login(town.users["caseworker_north"])
    form = client.get(reverse("people:household_member_add", args=[household.pk]), {"person": son.pk})
    page = form.content.decode()
    assert 'name="facts-employment_status"' in page and 'name="facts-care_level"' in page
    assert "世帯の状態像の判定に使う情報" in page

    response = client.post(
        reverse("people:household_member_add", args=[household.pk]),
        {
            "person": son.pk,
            "current_household": 0,
            "relationship": "child",
            "facts-version": son.version,
            "facts-birth_date": "1969-01-10",
            "facts-care_level": "",
            "facts-employment_status": "not_working",
        },
    )

    assert response.status_code == 302
    son.refresh_from_db()
    assert son.employment_status == "not_working"
    assert HouseholdMembership.objects.get(person=son).household == household
    event = AuditEvent.objects.get(action="people.person_updated", object_id=str(son.pk))
    assert event.changes["employment_status"] == {"before": "", "after": "not_working"}
    body = _household_page(client, household)
    assert "8050問題" in body and MISSING not in body


def test_registering_the_son_as_a_new_member_asks_his_work_first_and_shows_8050(client, town):
    household = _mother_alone(town)
    client.force_login(town.users["caseworker_north"])
    page = client.get(reverse("people:household_member_create", args=[household.pk])).content.decode()
    assert page.index('name="person-employment_status"') < page.index('name="person-phone"')
    assert page.count('name="person-employment_status"') == 1
    data = {
        "person-family_name": "杉浦",
        "person-given_name": "一男",
        "person-family_name_kana": "スギウラ",
        "person-given_name_kana": "カズオ",
        "person-birth_date": "1969-01-10",
        "person-primary_language": "ja",
        "person-employment_status": "not_working",
        "member-relationship": "child",
    }
    assert client.post(reverse("people:household_member_create", args=[household.pk]), data).status_code == 302
    assert "8050問題" in _household_page(client, household)


def test_the_missing_fact_is_named_with_a_link_and_goes_once_it_is_entered(client, town):
    household = _mother_alone(town)
    son = make_person(town, "杉浦", "一男", birth_date=dt.date(1969, 1, 10))
    do_add_household_member(household, son, relationship="child", acting_user=town.users["caseworker_north"])
    client.force_login(town.users["caseworker_north"])

    body = _household_page(client, household)
    assert "8050問題の判定には、杉浦 一男さん(子・56歳)の就労状況が必要です。" in body
    link = reverse("people:person_edit", args=[son.pk]) + f"?household={household.pk}#id_employment_status"
    assert f'href="{link}"' in body
    assert "employment_status</" not in body and "p8050" not in body  # words, not codes

    edit = client.get(reverse("people:person_edit", args=[son.pk]))
    son.refresh_from_db()
    data = {k: v for k, v in edit.context["form"].initial.items() if v is not None}
    data.update({"version": son.version, "employment_status": "not_working", "birth_date": "1969-01-10", "sex": ""})
    data["town_block"] = ""
    response = client.post(reverse("people:person_edit", args=[son.pk]) + f"?household={household.pk}", data)
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == reverse("people:household_detail", args=[household.pk])

    body = _household_page(client, household)
    assert "8050問題" in body and MISSING not in body
    assert "判定に必要な情報が足りません" not in body


def test_nothing_is_said_to_be_missing_when_nothing_is(client, town):
    household = _mother_alone(town)
    son = make_person(town, "杉浦", "一男", birth_date=dt.date(1969, 1, 10), employment_status="employed")
    do_add_household_member(household, son, relationship="child", acting_user=town.users["caseworker_north"])
    client.force_login(town.users["caseworker_north"])
    body = _household_page(client, household)
    assert "判定に必要な情報が足りません" not in body and MISSING not in body


def test_the_return_to_the_household_is_only_to_the_persons_own_visible_household(client, town):
    other = make_household(town, [(make_person(town, "他人"), "head")], name="他人の世帯")
    person = make_person(town, "杉浦", "一男", birth_date=dt.date(1969, 1, 10))
    client.force_login(town.users["caseworker_north"])
    edit = client.get(reverse("people:person_edit", args=[person.pk]))
    data = {k: v for k, v in edit.context["form"].initial.items() if v is not None}
    data.update({"version": person.version, "birth_date": "1969-01-10", "sex": "", "town_block": ""})
    for value in (str(other.pk), "x", "-1", str(2**70), "https://example.com/"):
        response = client.post(reverse("people:person_edit", args=[person.pk]) + f"?household={value}", data)
        assert response.status_code == 302
        assert response["Location"] == reverse("people:person_detail", args=[person.pk])
        person.refresh_from_db()
        data["version"] = person.version


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("facts-birth_date", "2030-01-01", "生年月日"),
        ("facts-birth_date", "1969-02-30", "生年月日"),
        ("facts-birth_date", "<script>alert(1)</script>", "生年月日"),
        ("facts-care_level", "care_9", "要介護度"),
        ("facts-employment_status", "'; DROP TABLE people_person; --", "就労状況"),
        ("facts-employment_status", "x" * 5000, "就労状況"),
        ("facts-version", "abc", None),
        ("facts-version", str(2**70), None),
    ],
)
def test_hostile_facts_are_refused_with_the_field_named_and_the_input_kept(client, town, field, value, words):
    household = _mother_alone(town)
    son = make_person(town, "杉浦", "一男", birth_date=dt.date(1969, 1, 10))
    client.force_login(town.users["caseworker_north"])
    data = {
        "person": son.pk,
        "current_household": 0,
        "relationship": "child",
        "facts-version": son.version,
        "facts-birth_date": "1969-01-10",
        "facts-employment_status": "not_working",
    }
    data[field] = value
    response = client.post(reverse("people:household_member_add", args=[household.pk]), data)
    assert response.status_code == 400
    body = response.content.decode()
    if words:
        assert f"{words}:" in body or f"{words}：" in body
    assert 'value="child" selected' in body  # the rest of the input is kept
    assert "<script>alert(1)</script>" not in body
    assert not HouseholdMembership.objects.filter(person=son, household=household).exists()
    son.refresh_from_db()
    assert son.employment_status == ""


def test_facts_corrected_elsewhere_meanwhile_are_not_overwritten_and_nothing_is_added(client, town):
    household = _mother_alone(town)
    son = make_person(town, "杉浦", "一男", birth_date=dt.date(1969, 1, 10))
    shown_version = son.version
    do_update_person(
        son, acting_user=town.users["coordinator"], expected_version=son.version, employment_status="employed"
    )
    client.force_login(town.users["caseworker_north"])
    data = {
        "person": son.pk,
        "current_household": 0,
        "relationship": "child",
        "facts-version": shown_version,
        "facts-employment_status": "not_working",
    }
    response = client.post(reverse("people:household_member_add", args=[household.pk]), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="not_working" selected' in body  # the user's input stays
    son.refresh_from_db()
    assert son.employment_status == "employed"
    assert not HouseholdMembership.objects.filter(person=son, household=household).exists()
    # Sending again applies it, on the latest version now carried by the form.
    assert f'name="facts-version" value="{son.version}"' in body


def test_adding_without_the_facts_leaves_the_person_as_recorded(client, town):
    household = _mother_alone(town)
    son = make_person(town, "杉浦", "一男", birth_date=dt.date(1969, 1, 10), care_level="care_1")
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        reverse("people:household_member_add", args=[household.pk]), {"person": son.pk, "relationship": "child"}
    )
    assert response.status_code == 302
    son.refresh_from_db()
    assert son.care_level == "care_1" and son.birth_date == dt.date(1969, 1, 10)
    assert not AuditEvent.objects.filter(action="people.person_updated", object_id=str(son.pk)).exists()


def _count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_household_page_query_count_is_the_same_with_more_members_missing_facts(client, town):
    household = _mother_alone(town)
    user = town.users["caseworker_north"]
    son = make_person(town, "杉浦", "一男", birth_date=dt.date(1969, 1, 10))
    do_add_household_member(household, son, relationship="child", acting_user=user)
    client.force_login(user)
    url = reverse("people:household_detail", args=[household.pk])
    assert MISSING in _household_page(client, household)
    few = _count(client, url)
    for index in range(12):
        person = make_person(town, "杉浦", f"子{index}", birth_date=dt.date(1965 + index, 1, 1))
        do_add_household_member(household, person, relationship="child", acting_user=user)
    assert _household_page(client, household).count(MISSING) == 13
    assert _count(client, url) == few


def test_a_reader_who_may_not_edit_sees_what_is_missing_without_a_link(client, town):
    household = _mother_alone(town)
    son = make_person(town, "杉浦", "一男", birth_date=dt.date(1969, 1, 10))
    do_add_household_member(household, son, relationship="child", acting_user=town.users["caseworker_north"])
    client.force_login(town.users["intake_north"])  # window staff: reads the household, corrects no one
    response = client.get(reverse("people:household_detail", args=[household.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert MISSING in body
    assert reverse("people:person_edit", args=[son.pk]) not in body
