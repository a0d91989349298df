"""Recording a consultation through the page: people, households, first response, alerts, validation."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tsunagiai.audit.models import AuditEvent
from tsunagiai.inbox.models import InboxItem
from tsunagiai.intake import inbox_kinds
from tsunagiai.intake.models import Intake
from tsunagiai.intake.tests.helpers import form_data, make_person
from tsunagiai.people.actions import do_create_household
from tsunagiai.people.models import HouseholdMembership


def _post(client, town, user="caseworker_north", **overrides):
    client.force_login(town.users[user])
    return client.post(reverse("intake:create"), form_data(town, **overrides))


def test_anonymous_intake_is_recorded_and_audited(client, town):
    response = _post(client, town, categories=["dementia", "elderly_care"])
    intake = Intake.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:detail", args=[intake.pk])
    assert intake.is_anonymous and intake.person is None
    assert intake.received_by == town.users["caseworker_north"]
    assert intake.created_by == town.users["caseworker_north"]
    assert sorted(intake.categories.values_list("pk", flat=True)) == ["dementia", "elderly_care"]
    event = AuditEvent.objects.get(action="intake.recorded")
    assert event.actor == town.users["caseworker_north"]
    assert event.changes["categories"]["after"] == ["dementia", "elderly_care"]


def test_found_person_is_linked_with_their_current_household(client, town):
    person = make_person(town, given_name="太郎")
    household = do_create_household(
        acting_user=town.users["caseworker_north"], organisation=town.orgs["branch_north"], members=((person, "head"),)
    )
    _post(client, town, person_mode="found", person_id=person.pk, subject_description="")
    intake = Intake.objects.get()
    assert intake.person == person
    assert intake.household == household
    assert not intake.is_anonymous


def test_new_person_with_a_new_household(client, town):
    _post(
        client,
        town,
        person_mode="new",
        subject_description="",
        household_choice="new",
        **{
            "person-primary_language": "ja",
            "person-family_name": "佐藤",
            "person-given_name": "一郎",
            "person-family_name_kana": "サトウ",
        },
    )
    intake = Intake.objects.get()
    assert intake.person is not None
    assert intake.person.full_name == "佐藤 一郎"
    assert intake.person.registered_by_organisation == town.orgs["branch_north"]
    assert intake.household is not None
    assert HouseholdMembership.objects.filter(household=intake.household, person=intake.person).exists()


def test_new_person_joins_the_household_of_the_found_person(client, town):
    mother = make_person(town, family_name="鈴木", given_name="ハナ")
    household = do_create_household(
        acting_user=town.users["caseworker_north"], organisation=town.orgs["branch_north"], members=((mother, "head"),)
    )
    _post(
        client,
        town,
        person_mode="new",
        person_id=mother.pk,
        household_choice="join",
        relationship="child",
        subject_description="",
        **{"person-family_name": "鈴木", "person-given_name": "次郎", "person-primary_language": "ja"},
    )
    intake = Intake.objects.get()
    assert intake.household == household
    assert household.memberships.filter(person=intake.person, relationship="child", ended_on__isnull=True).exists()


def test_information_only_closes_the_intake_at_once(client, town):
    _post(client, town, first_response="information_only", first_response_note="制度を案内した")
    intake = Intake.objects.get()
    assert intake.status == Intake.Status.CLOSED
    assert intake.closed_at is not None


@pytest.mark.parametrize("choice", ["connect", "open_case", "undecided"])
def test_other_first_responses_are_recorded_and_stay_open(client, town, choice):
    _post(client, town, first_response=choice)
    intake = Intake.objects.get()
    assert intake.first_response == choice
    assert intake.status == Intake.Status.OPEN


def test_emergency_intake_appears_at_once_in_the_coordination_inbox(client, town, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _post(client, town, urgency="emergency", concern="父から暴力を受けている。今日帰る場所がない。")
    intake = Intake.objects.get()
    item = InboxItem.objects.get(organisation=town.orgs["coordination"])
    assert item.kind == inbox_kinds.EMERGENCY_INTAKE and item.is_urgent and item.subject == intake
    assert len(callbacks) == 1  # the notification task, after commit
    client.force_login(town.users["coordinator"])
    page = client.get(reverse("inbox:list")).content.decode()
    assert reverse("intake:detail", args=[intake.pk]) in page
    assert "⚠" in page  # marked by a symbol and a word, not by colour alone


def test_normal_intake_raises_no_alert(client, town):
    _post(client, town)
    assert not InboxItem.objects.exists()


def test_failed_validation_keeps_everything_typed(client, town):
    response = _post(
        client,
        town,
        concern="",
        person_mode="new",
        subject_description="",
        categories=["housing", "financial_hardship"],
        consulter_name="大家さん",
        **{"person-family_name": "高橋", "person-given_name_kana": "ミドリ", "person-phone": "0565-00-0000"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "相談内容" in page  # the field at fault is named
    for typed in ("高橋", "ミドリ", "0565-00-0000", "大家さん"):
        assert f'value="{typed}"' in page
    assert 'value="housing" id="id_categories_' in page and page.count("checked") >= 2
    assert not Intake.objects.exists()
    assert response.context["draft"] is not None  # and it is kept as a draft too


@pytest.mark.parametrize(
    ("overrides", "field_label"),
    [
        ({"received_at": "2025-02-30T10:00"}, "受付日時"),
        ({"channel": "carrier_pigeon"}, "受付方法"),
        ({"urgency": "apocalyptic"}, "緊急度"),
        ({"categories": ["no_such_category"]}, "課題分類"),
        ({"concern": "あ" * 5000}, "相談内容"),
        ({"consent_status": "maybe"}, "情報共有の同意"),
        ({"person_mode": "found", "person_id": "abc"}, "本人"),
    ],
)
def test_invalid_input_is_refused_naming_the_field(client, town, overrides, field_label):
    response = _post(client, town, **overrides)
    assert response.status_code == 400
    assert f"{field_label}:" in response.content.decode()
    assert not Intake.objects.exists()


@time_machine.travel(dt.datetime(2025, 6, 1, 10, 0, tzinfo=dt.UTC), tick=False)
def test_received_at_may_not_be_in_the_future_nor_absurdly_old(client, town):
    future = (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    assert "未来" in _post(client, town, received_at=future).content.decode()
    assert "受付日時:" in _post(client, town, received_at="1925-06-01T10:00").content.decode()
    skew = (timezone.localtime() + dt.timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M")
    assert _post(client, town, received_at=skew).status_code == 302


def test_receiving_organisation_is_limited_to_the_users_own(client, town):
    response = _post(client, town, receiving_organisation=town.orgs["branch_south"].pk)
    assert "受付機関:" in response.content.decode()
    assert not Intake.objects.exists()


def test_person_of_another_organisation_cannot_be_linked(client, town):
    stranger = make_person(town, "branch_south", family_name="他所")
    response = _post(client, town, person_mode="found", person_id=stranger.pk)
    page = response.content.decode()
    assert "本人:" in page and "他所" not in page
    assert not Intake.objects.exists()


def test_create_page_defaults_to_now_and_the_first_own_organisation(client, town):
    client.force_login(town.users["caseworker_north"])
    response = client.get(reverse("intake:create"))
    form = response.context["form"]
    assert form.initial["receiving_organisation"] == town.orgs["branch_north"].pk
    assert abs(form.initial["received_at"] - timezone.now()) < dt.timedelta(minutes=2)
    assert 'hx-post="/intakes/drafts/save/"' in response.content.decode()


def test_person_search_partial_offers_visible_people_and_pick_shows_household(client, town):
    person = make_person(town, family_name="渡辺", given_name="健")
    household = do_create_household(
        acting_user=town.users["caseworker_north"],
        organisation=town.orgs["branch_north"],
        name="渡辺さん世帯",
        members=((person, "head"),),
    )
    client.force_login(town.users["caseworker_north"])
    results = client.get(reverse("intake:person_search"), {"q": "渡辺"}, headers={"HX-Request": "true"})
    assert reverse("intake:person_pick", args=[person.pk]) in results.content.decode()
    picked = client.get(reverse("intake:person_pick", args=[person.pk])).content.decode()
    assert f'name="person_id" value="{person.pk}"' in picked
    assert str(household) in picked
