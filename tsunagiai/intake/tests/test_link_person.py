"""本人の特定: linking an intake recorded without a person (a volunteer's concern, a fire report, an
anonymous intake) to a person found or registered afterwards, versioned and audited."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from tsunagiai.audit.models import AuditEvent
from tsunagiai.core.concurrency import EditConflict
from tsunagiai.intake.actions import do_link_intake_person
from tsunagiai.intake.models import Intake
from tsunagiai.intake.signals import intake_saved
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.people.actions import do_create_household
from tsunagiai.people.models import HouseholdMembership, Person


def _link(client, intake, **data):
    values = {"person_mode": "found", "version": intake.version, **data}
    return client.post(reverse("intake:link_person", args=[intake.pk]), values)


def _volunteer_concern(client, town) -> Intake:
    client.force_login(town.users["volunteer"])
    concern = {
        "subject_description": "3丁目の一人暮らしの男性(70代)",
        "town_block": town.blocks["north"].pk,
        "concern": "新聞がたまっていて、最近姿を見ない。",
        "urgency": "high",
        "consent_status": "not_asked",
    }
    assert client.post(reverse("intake:volunteer_create"), concern).status_code == 302
    return Intake.objects.get(kind=Intake.Kind.VOLUNTEER_CONCERN)


def _person_with_household(town, family_name="山田", given_name="太郎"):
    person = make_person(town, family_name=family_name, given_name=given_name)
    household = do_create_household(
        acting_user=town.users["caseworker_north"], organisation=town.orgs["branch_north"], members=((person, "head"),)
    )
    return person, household


def test_detail_page_offers_to_identify_the_person_to_those_who_may_link(client, town):
    intake = make_intake(town)
    client.force_login(town.users["caseworker_north"])
    page = client.get(reverse("intake:detail", args=[intake.pk])).content.decode()
    assert "本人を特定する" in page
    assert reverse("intake:link_person", args=[intake.pk]) in page
    assert reverse("intake:person_search") in page


def test_detail_page_does_not_offer_it_to_reception_or_when_a_person_is_named(client, town):
    intake = make_intake(town, user="intake_north")
    client.force_login(town.users["intake_north"])  # reception may correct its own intake, but not link
    assert "本人を特定する" not in client.get(reverse("intake:detail", args=[intake.pk])).content.decode()
    person, _household = _person_with_household(town)
    named = make_intake(town, person=person, is_anonymous=False)
    client.force_login(town.users["caseworker_north"])
    assert "本人を特定する" not in client.get(reverse("intake:detail", args=[named.pk])).content.decode()


def test_linking_a_found_person_brings_their_household_and_is_audited(client, town):
    intake = make_intake(town)
    person, household = _person_with_household(town)
    client.force_login(town.users["caseworker_north"])
    with mock.patch.object(intake_saved, "send", wraps=intake_saved.send) as sent:
        response = _link(client, intake, person_id=person.pk)
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.person == person and intake.household == household
    assert intake.is_anonymous is False and intake.version == 2
    assert intake.updated_by == town.users["caseworker_north"]
    event = AuditEvent.objects.get(action="intake.person_linked")
    assert event.changes["person"] == {"before": None, "after": person.pk}
    assert event.changes["household"] == {"before": None, "after": household.pk}
    assert event.changes["is_anonymous"] == {"before": True, "after": False}
    assert sent.call_count == 1  # triage looks again, now with the household's facts
    assert sent.call_args.kwargs["training_opt_in"] is None


def test_a_volunteer_concern_is_linked_and_the_case_can_be_opened(client, town):
    intake = _volunteer_concern(client, town)
    person, household = _person_with_household(town)
    client.force_login(town.users["caseworker_north"])
    open_case = reverse("cases:open_from_intake", args=[intake.pk])
    assert client.get(open_case).context["household"] is None  # refused before: no household to open it for
    assert _link(client, intake, person_id=person.pk).status_code == 302
    response = client.get(open_case)
    assert response.status_code == 200 and response.context["household"] == household
    response = client.post(
        open_case,
        {
            "title": "山田さん世帯の支援",
            "intakes": [intake.pk],
            "focus_members": [person.pk],
            "lead_organisation": town.orgs["branch_north"].pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert intake.cases.filter(household=household).exists()


def test_the_linked_intake_appears_on_the_person_and_household_pages(client, town):
    intake = _volunteer_concern(client, town)
    person, household = _person_with_household(town)
    client.force_login(town.users["caseworker_north"])
    detail = reverse("intake:detail", args=[intake.pk])
    assert detail not in client.get(reverse("people:household_detail", args=[household.pk])).content.decode()
    assert _link(client, intake, person_id=person.pk).status_code == 302
    assert detail in client.get(reverse("people:household_detail", args=[household.pk])).content.decode()
    assert detail in client.get(reverse("people:person_detail", args=[person.pk])).content.decode()
    timeline = client.get(reverse("support:household_timeline", args=[household.pk]))
    assert timeline.status_code == 200 and ("intake", intake.received_at, intake) in timeline.context["entries"]


def test_registering_a_new_person_and_household_from_the_intake(client, town):
    intake = make_intake(town, town_block=town.blocks["north"])
    client.force_login(town.users["caseworker_north"])
    response = _link(
        client,
        intake,
        person_mode="new",
        household_choice="new",
        **{
            "person-primary_language": "ja",
            "person-family_name": "佐藤",
            "person-given_name": "一郎",
            "person-family_name_kana": "サトウ",
        },
    )
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.person is not None and intake.person.full_name == "佐藤 一郎"
    assert intake.person.registered_by_organisation == town.orgs["branch_north"]
    assert intake.household is not None
    assert HouseholdMembership.objects.filter(household=intake.household, person=intake.person).exists()
    assert AuditEvent.objects.filter(action="intake.person_linked", object_id=str(intake.pk)).exists()
    assert AuditEvent.objects.filter(action="people.person_created", object_id=str(intake.person.pk)).exists()


def test_a_new_person_with_invalid_fields_is_refused_keeping_the_input(client, town):
    intake = make_intake(town)
    client.force_login(town.users["caseworker_north"])
    response = _link(
        client,
        intake,
        person_mode="new",
        household_choice="none",
        **{"person-family_name": "", "person-given_name": "花子", "person-birth_date": "2999-01-01"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "生年月日:" in page and 'value="花子"' in page
    assert not Person.objects.filter(given_name="花子").exists()
    intake.refresh_from_db()
    assert intake.person is None and intake.version == 1


def test_a_stale_version_is_refused_and_never_overwrites(client, town):
    intake = make_intake(town)
    first, _h1 = _person_with_household(town, "山田", "太郎")
    second, _h2 = _person_with_household(town, "田中", "次郎")
    stale_version = intake.version
    client.force_login(town.users["caseworker_north"])
    assert _link(client, intake, person_id=first.pk).status_code == 302
    client.force_login(town.users["supervisor_north"])
    response = client.post(
        reverse("intake:link_person", args=[intake.pk]),
        {"person_mode": "found", "person_id": second.pk, "version": stale_version},
    )
    assert response.status_code == 200
    assert "他の職員がこの記録を更新" in response.content.decode()
    intake.refresh_from_db()
    assert intake.person == first
    assert AuditEvent.objects.filter(action="intake.person_linked").count() == 1
    response = client.post(
        reverse("intake:link_person", args=[intake.pk]),
        {"person_mode": "found", "person_id": second.pk, "version": stale_version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409


def test_a_concurrent_edit_of_the_intake_is_a_conflict_too(town):
    intake = make_intake(town)
    person, _household = _person_with_household(town)
    loaded_version = intake.version
    Intake.objects.filter(pk=intake.pk).update(version=loaded_version + 1)
    with pytest.raises(EditConflict):
        do_link_intake_person(intake, person, user=town.users["caseworker_north"], expected_version=loaded_version)
    intake.refresh_from_db()
    assert intake.person is None


def test_an_intake_that_already_names_a_person_is_not_linked_again(client, town):
    person, _household = _person_with_household(town)
    other, _other_household = _person_with_household(town, "田中", "次郎")
    intake = make_intake(town, person=person, is_anonymous=False)
    client.force_login(town.users["caseworker_north"])
    response = _link(client, intake, person_id=other.pk)
    assert response.status_code == 400
    assert "既に本人" in response.content.decode()
    intake.refresh_from_db()
    assert intake.person == person
    page = client.get(reverse("intake:link_person", args=[intake.pk]))
    assert (
        page.status_code == 200 and "既に本人" in page.content.decode() and "person-search" not in page.content.decode()
    )


@pytest.mark.parametrize(
    "person_id",
    ["someone_elses", "999999", "abc", "-1", "1e309", "99999999999999999999999"],
)
def test_hostile_person_ids_are_refused_in_japanese_naming_the_field(client, town, person_id):
    intake = make_intake(town)
    south = make_person(town, org="branch_south", family_name="南野", given_name="秘子")
    value = str(south.pk) if person_id == "someone_elses" else person_id
    client.force_login(town.users["caseworker_north"])
    response = _link(client, intake, person_id=value)
    assert response.status_code == 400
    page = response.content.decode()
    assert "本人:" in page
    assert "秘子" not in page  # nothing of the other organisation's person leaks
    intake.refresh_from_db()
    assert intake.person is None


@pytest.mark.parametrize(
    "overrides",
    [
        {"version": "abc"},
        {"version": ""},
        {"person_mode": "anonymous"},
        {"person_mode": "new", "household_choice": "x"},
    ],
)
def test_garbage_is_refused_with_a_4xx(client, town, overrides):
    intake = make_intake(town)
    person, _household = _person_with_household(town)
    client.force_login(town.users["caseworker_north"])
    response = _link(client, intake, person_id=person.pk, **overrides)
    assert response.status_code == 400
    intake.refresh_from_db()
    assert intake.person is None


def test_a_person_the_user_cannot_see_cannot_be_picked(client, town):
    south = make_person(town, org="branch_south", family_name="南")
    client.force_login(town.users["caseworker_north"])
    assert client.get(reverse("intake:person_pick", args=[south.pk])).status_code == 404


@pytest.mark.parametrize("username", ["intake_north", "volunteer", "caseworker_south", "analyst"])
def test_those_who_may_not_link_get_404(client, town, username):
    intake = make_intake(town, user="intake_north")
    person, _household = _person_with_household(town)
    client.force_login(town.users[username])
    assert client.get(reverse("intake:link_person", args=[intake.pk])).status_code == 404
    assert _link(client, intake, person_id=person.pk).status_code == 404
    intake.refresh_from_db()
    assert intake.person is None


def test_the_volunteer_still_sees_only_the_status_after_linking(client, town):
    intake = _volunteer_concern(client, town)
    person, _household = _person_with_household(town, "山田", "太郎")
    client.force_login(town.users["caseworker_north"])
    assert _link(client, intake, person_id=person.pk).status_code == 302
    client.force_login(town.users["volunteer"])
    page = client.get(reverse("intake:my_reports")).content.decode()
    assert "3丁目の一人暮らしの男性" in page  # their own words, and the status
    assert "山田" not in page and "太郎" not in page
    assert reverse("people:person_detail", args=[person.pk]) not in page
    assert client.get(reverse("intake:detail", args=[intake.pk])).status_code == 404
    assert client.get(reverse("people:person_detail", args=[person.pk])).status_code in (403, 404)


def test_linking_a_fire_report_does_not_open_the_person_to_the_fire_department(client, town):
    """消福連携: the fire department sent the report; who welfare staff identified stays welfare's (need-to-know)."""
    client.force_login(town.users["fire_crew"])
    report = {
        "incident_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "incident_type": "ambulance",
        "town_block": town.blocks["north"].pk,
        "subject_description": "80代女性",
        "concern": "室内が散らかっていて、薬を飲み忘れている様子。",
        "urgency": "normal",
        "consent_status": "oral",
    }
    assert client.post(reverse("intake:fire_create"), report).status_code == 302
    intake = Intake.objects.get(kind=Intake.Kind.FIRE_REPORT)
    person, household = _person_with_household(town, "梅村", "ハツエ")
    client.force_login(town.users["coordinator"])
    assert _link(client, intake, person_id=person.pk).status_code == 302
    intake.refresh_from_db()
    assert intake.person == person
    client.force_login(town.users["fire_crew"])
    page = client.get(reverse("intake:detail", args=[intake.pk]))
    assert page.status_code == 200
    assert "梅村" not in page.content.decode() and "福祉の担当者が特定済み" in page.content.decode()
    assert client.get(reverse("people:person_detail", args=[person.pk])).status_code == 404
    assert client.get(reverse("people:household_detail", args=[household.pk])).status_code == 404


def test_the_intake_form_and_this_one_differ_only_in_the_other_choice_they_name(town):
    """Both forms choose a person alike (``PersonChoiceMixin``); "found" without a person names each form's
    other choice, and a radio group's error in the summary points at the search field only on this page."""
    from django.utils import translation

    from tsunagiai.intake.forms import IntakeForm, LinkPersonForm
    from tsunagiai.intake.tests.helpers import form_data

    user, intake = town.users["caseworker_north"], make_intake(town)
    with translation.override("ja"):
        recording = IntakeForm(form_data(town, person_mode="found"), user=user)
        linking = LinkPersonForm({"person_mode": "found", "version": intake.version}, user=user, intake=intake)
        assert not recording.is_valid() and not linking.is_valid()
        assert recording.errors["person_id"] == ["本人: 検索して本人を選ぶか、別の方法を選んでください。"]
        assert linking.errors["person_id"] == ["本人: 検索して本人を選ぶか、新しく登録してください。"]

        recording = IntakeForm(form_data(town, person_mode="bogus"), user=user)
        linking = LinkPersonForm({"person_mode": "anonymous", "version": intake.version}, user=user, intake=intake)
        assert not recording.is_valid() and not linking.is_valid()
        assert [target for target, _message in recording.all_errors()] == [""]
        assert [target for target, _message in linking.all_errors()] == ["person-search"]
