from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tsunagiai.people.models import HouseholdMembership, Person
from tsunagiai.people.tests.factories import make_household, make_intake, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(dt.datetime(2025, 6, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def person_post_data(**overrides):
    data = {
        "family_name": "山田",
        "given_name": "花子",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "ハナコ",
        "birth_date": "1950-04-01",
        "primary_language": "ja",
    }
    data.update(overrides)
    return data


def test_every_people_page_renders_for_a_caseworker(client, town):
    head = make_person(town, "山田", "一郎", birth_date=dt.date(1945, 5, 1))
    child = make_person(town, "山田", "次郎", birth_date=dt.date(1975, 5, 1), employment_status="not_working")
    household = make_household(town, [(head, "head"), (child, "child")], name="山田さん世帯")
    membership = household.memberships.get(person=child)
    client.force_login(town.users["caseworker_north"])
    urls = [
        reverse("people:search"),
        reverse("people:search") + "?q=やまだ",
        reverse("people:person_create"),
        reverse("people:person_detail", args=[head.pk]),
        reverse("people:person_edit", args=[head.pk]),
        reverse("people:related_person_add", args=[head.pk]),
        reverse("people:household_list"),
        reverse("people:household_create"),
        reverse("people:household_create") + f"?head={head.pk}",
        reverse("people:household_detail", args=[household.pk]),
        reverse("people:household_edit", args=[household.pk]),
        reverse("people:household_member_add", args=[household.pk]),
        reverse("people:household_member_add", args=[household.pk]) + f"?person={child.pk}",
        reverse("people:household_member_create", args=[household.pk]),
        reverse("people:membership_end", args=[household.pk, membership.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url


# --- search and visibility ---------------------------------------------------------


def test_search_page_finds_people_tolerantly_and_the_htmx_partial_too(client, town):
    make_person(town, "渡邊", "花子", family_name_kana="ワタナベ")
    client.force_login(town.users["caseworker_north"])
    page = client.get(reverse("people:search"), {"q": "渡辺"})
    assert "渡邊 花子" in page.content.decode()
    assert 'hx-trigger="input changed delay:300ms, search"' in page.content.decode()
    partial = client.get(reverse("people:search"), {"q": "わたなべ"}, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "渡邊 花子" in body
    assert "<html" not in body


def test_another_organisations_person_never_appears_in_search_page_or_partial(client, town):
    make_person(town, "南野", "太郎", family_name_kana="ミナミノ", organisation=town.orgs["branch_south"])
    client.force_login(town.users["caseworker_north"])
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(reverse("people:search"), {"q": "南野"}, headers=headers)
        assert "南野" not in response.content.decode().replace('value="南野"', "")
    client.force_login(town.users["coordinator"])
    assert "南野 太郎" in client.get(reverse("people:search"), {"q": "南野"}).content.decode()


@pytest.mark.parametrize("role", ["analyst", "volunteer", "admin", "auditor"])
def test_roles_without_people_access_get_no_people_pages(client, town, role):
    person = make_person(town)
    client.force_login(town.users[role])
    assert client.get(reverse("people:search"), {"q": "山田"}).status_code == 403
    assert client.get(reverse("people:person_detail", args=[person.pk])).status_code == 404
    assert client.get(reverse("people:household_list")).status_code == 403


def test_person_of_another_organisation_is_not_found(client, town):
    person = make_person(town, organisation=town.orgs["branch_south"])
    client.force_login(town.users["caseworker_north"])
    assert client.get(reverse("people:person_detail", args=[person.pk])).status_code == 404
    assert client.get(reverse("people:person_edit", args=[person.pk])).status_code == 404


def test_reception_staff_may_register_but_not_edit_people(client, town):
    person = make_person(town)
    client.force_login(town.users["intake_north"])
    assert client.get(reverse("people:person_detail", args=[person.pk])).status_code == 200
    assert client.get(reverse("people:person_edit", args=[person.pk])).status_code == 404
    response = client.post(reverse("people:person_create"), person_post_data(family_name="受付"))
    assert response.status_code == 302
    assert Person.objects.filter(family_name="受付").exists()


def test_search_filters_by_age_band_and_area(client, town):
    make_person(town, "若井", birth_date=dt.date(2000, 1, 1), town_block=town.blocks["north"])
    make_person(town, "老田", birth_date=dt.date(1940, 1, 1))
    client.force_login(town.users["caseworker_north"])
    body = client.get(reverse("people:search"), {"age_band": "75+"}).content.decode()
    assert "老田" in body and "若井" not in body
    body = client.get(reverse("people:search"), {"area": town.areas["north_branch"].pk}).content.decode()
    assert "若井" in body and "老田" not in body


def test_search_with_an_unknown_area_answers_with_a_message_not_a_crash(client, town):
    client.force_login(town.users["caseworker_north"])
    response = client.get(reverse("people:search"), {"area": "999999", "age_band": "nonsense"})
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()


# --- create and validation ---------------------------------------------------------


def test_registering_a_person_with_an_impossible_date_keeps_the_input_and_names_the_field(client, town):
    client.force_login(town.users["caseworker_north"])
    response = client.post(reverse("people:person_create"), person_post_data(birth_date="2025-02-30"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "生年月日: " in body
    assert 'value="花子"' in body
    assert not Person.objects.exists()


def test_future_birth_dates_over_long_names_and_bad_kana_are_refused(client, town):
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        reverse("people:person_create"),
        person_post_data(birth_date="2026-01-01", family_name="山" * 51, given_name_kana="hanako", phone="abc"),
    )
    body = response.content.decode()
    assert "生年月日: 未来の日付は指定できません。" in body
    assert "氏: " in body
    assert "名(フリガナ): カナ(カタカナまたはひらがな)で入力してください。" in body
    assert "電話番号: " in body
    assert not Person.objects.exists()


def test_unknown_codes_are_refused(client, town):
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        reverse("people:person_create"),
        person_post_data(care_level="care_9", primary_language="xx", town_block="999999"),
    )
    body = response.content.decode()
    assert response.status_code == 400
    for label in ("要介護度: ", "主な使用言語: ", "町字: "):
        assert label in body
    assert not Person.objects.exists()


def test_the_person_form_refuses_a_my_number(client, town):
    client.force_login(town.users["caseworker_north"])
    response = client.post(reverse("people:person_create"), person_post_data(my_number="123456789012"))
    assert "マイナンバー" in response.content.decode()
    assert not Person.objects.exists()


def test_the_person_form_works_with_a_prefix(town):
    from tsunagiai.people.forms import PersonForm

    data = {f"new-{key}": value for key, value in person_post_data(family_name_kana="やまだ").items()}
    form = PersonForm(data, prefix="new")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["family_name_kana"] == "ヤマダ"
    assert 'name="new-family_name"' in str(form["family_name"])


# --- edit conflicts ------------------------------------------------------------------


def test_second_edit_with_the_same_version_is_refused_and_keeps_the_users_input(client, town):
    person = make_person(town)
    url = reverse("people:person_edit", args=[person.pk])
    client.force_login(town.users["caseworker_north"])
    first = client.post(url, person_post_data(phone="0565-11-1111", version=1))
    assert first.status_code == 302
    client.force_login(town.users["coordinator"])
    second = client.post(url, person_post_data(phone="0565-22-2222", version=1))
    body = second.content.decode()
    assert second.status_code == 200
    assert 'class="conflict"' in body
    assert "0565-22-2222" in body  # the second user's input is still in the form
    assert "0565-11-1111" in body  # and what is saved now is shown beside it
    person.refresh_from_db()
    assert person.phone == "0565-11-1111"
    assert person.version == 2


def test_conflict_on_htmx_answers_409(client, town):
    person = make_person(town)
    url = reverse("people:person_edit", args=[person.pk])
    client.force_login(town.users["caseworker_north"])
    client.post(url, person_post_data(version=1, notes="first"))
    response = client.post(url, person_post_data(version=1, notes="second"), headers={"HX-Request": "true"})
    assert response.status_code == 409


def test_household_edit_conflict_is_refused(client, town):
    household = make_household(town, [], name="元の名前")
    url = reverse("people:household_edit", args=[household.pk])
    client.force_login(town.users["caseworker_north"])
    assert client.post(url, {"name": "最初", "version": 1}).status_code == 302
    response = client.post(url, {"name": "二番目", "version": 1})
    assert 'class="conflict"' in response.content.decode()
    household.refresh_from_db()
    assert household.name == "最初"


# --- households -----------------------------------------------------------------------


def test_household_page_shows_members_history_intakes_organisations_and_patterns(client, town):
    head = make_person(town, "山田", "一郎", birth_date=dt.date(1945, 5, 1), care_level="care_2")
    child = make_person(town, "山田", "次郎", birth_date=dt.date(1975, 5, 1), employment_status="not_working")
    gone = make_person(town, "山田", "三郎", birth_date=dt.date(1980, 5, 1))
    household = make_household(town, [(head, "head"), (child, "child"), (gone, "child")], name="山田さん世帯")
    client.force_login(town.users["caseworker_north"])
    client.post(
        reverse("people:membership_end", args=[household.pk, household.memberships.get(person=gone).pk]),
        {"ended_on": "2025-05-01", "end_reason": "転出"},
    )
    make_intake(town, person=head, categories=["elderly_care"])
    make_intake(town, household=household, categories=["employment"])
    make_intake(town, person=child, organisation=town.orgs["branch_south"], concern="南の相談")  # not visible
    body = client.get(reverse("people:household_detail", args=[household.pk])).content.decode()
    assert "山田 一郎" in body and "山田 次郎" in body
    assert "以前の世帯員" in body and "転出" in body
    assert "8050問題" in body and "複合課題" in body
    assert "北支所" in body and "南支所" not in body
    assert "要介護2" in body
    client.force_login(town.users["coordinator"])
    body = client.get(reverse("people:household_detail", args=[household.pk])).content.decode()
    assert "南支所" in body  # the coordination section sees every organisation involved


def test_adding_a_registered_person_moves_them_from_their_household(client, town):
    person = make_person(town, "佐藤")
    old = make_household(town, [(person, "head")], name="佐藤さん世帯")
    new = make_household(town, [], name="鈴木さん世帯")
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        reverse("people:household_member_add", args=[new.pk]), {"person": person.pk, "relationship": "spouse"}
    )
    assert response.status_code == 302
    assert HouseholdMembership.objects.get(household=old).ended_on == dt.date(2025, 6, 1)
    assert HouseholdMembership.objects.get(household=new).relationship == "spouse"


def test_member_search_partial_lists_visible_people(client, town):
    make_person(town, "佐藤", family_name_kana="サトウ")
    make_person(town, "佐藤", "南", family_name_kana="サトウ", organisation=town.orgs["branch_south"])
    household = make_household(town, [])
    client.force_login(town.users["caseworker_north"])
    response = client.get(
        reverse("people:household_member_add", args=[household.pk]), {"q": "さとう"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.count("<li>") == 1


def test_registering_a_new_member_creates_the_person_in_the_household(client, town):
    household = make_household(town, [], town_block=town.blocks["north"])
    client.force_login(town.users["caseworker_north"])
    data = {f"person-{k}": v for k, v in person_post_data(given_name="桜").items()}
    data.update({"member-relationship": "child", "member-started_on": "2025-04-01"})
    response = client.post(reverse("people:household_member_create", args=[household.pk]), data)
    assert response.status_code == 302, response.content.decode()
    membership = HouseholdMembership.objects.get(household=household)
    assert membership.person.given_name == "桜"
    assert membership.person.town_block == town.blocks["north"]


def test_ending_a_membership_in_the_future_is_refused_with_the_field_named(client, town):
    household = make_household(town, [(make_person(town), "head")])
    membership = household.memberships.get()
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        reverse("people:membership_end", args=[household.pk, membership.pk]),
        {"ended_on": "2025-12-01", "end_reason": "転出"},
    )
    assert "終了日: 未来の日付は指定できません。" in response.content.decode()
    membership.refresh_from_db()
    assert membership.ended_on is None


def test_creating_a_household_with_a_person_as_head(client, town):
    person = make_person(town, "田中")
    client.force_login(town.users["caseworker_north"])
    response = client.post(reverse("people:household_create"), {"head": person.pk, "name": "田中さん世帯"})
    assert response.status_code == 302
    membership = HouseholdMembership.objects.get(person=person)
    assert (membership.household.name, membership.relationship) == ("田中さん世帯", "head")


def test_related_person_is_added_and_shown(client, town):
    person = make_person(town)
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        reverse("people:related_person_add", args=[person.pk]),
        {"name": "山田 桜", "role": "separated_family", "relationship": "長女(名古屋市在住)"},
    )
    assert response.status_code == 302
    assert "山田 桜" in client.get(reverse("people:person_detail", args=[person.pk])).content.decode()


# --- query counts -----------------------------------------------------------------------


def _count_queries(client, url):
    client.get(url)  # warm caches (session, translations)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_person_list_query_count_does_not_grow_with_rows(client, town):
    client.force_login(town.users["caseworker_north"])
    first = make_person(town, "一人目", town_block=town.blocks["north"])
    make_household(town, [(first, "head")])
    one = _count_queries(client, reverse("people:search"))
    for index in range(29):
        person = make_person(town, f"人{index}", town_block=town.blocks["north"])
        make_household(town, [(person, "head")])
    thirty = _count_queries(client, reverse("people:search"))
    assert Person.objects.count() == 30
    assert one == thirty


def test_household_list_query_count_does_not_grow_with_rows(client, town):
    client.force_login(town.users["caseworker_north"])
    make_household(town, [(make_person(town), "head")], town_block=town.blocks["north"])
    one = _count_queries(client, reverse("people:household_list"))
    for index in range(29):
        make_household(
            town, [(make_person(town, f"人{index}"), "head")], name=f"世帯{index}", town_block=town.blocks["north"]
        )
    thirty = _count_queries(client, reverse("people:household_list"))
    assert one == thirty


def test_household_detail_query_count_does_not_grow_with_members(client, town):
    client.force_login(town.users["caseworker_north"])
    household = make_household(town, [(make_person(town), "head")])
    make_intake(town, household=household, categories=["employment"])
    url = reverse("people:household_detail", args=[household.pk])
    one = _count_queries(client, url)
    for index in range(9):
        person = make_person(town, f"人{index}")
        from tsunagiai.people.actions import do_add_household_member

        do_add_household_member(household, person, relationship="child", acting_user=town.users["caseworker_north"])
        make_intake(town, person=person, categories=["elderly_care"])
    many = _count_queries(client, url)
    assert one == many - 1  # the agency labels are read once multi-issue holds, whatever the size


@pytest.mark.parametrize("page", ["people:household_member_add", "people:household_member_create"])
def test_a_new_member_of_a_household_with_a_head_is_not_preset_as_head(client, town, page):
    head = make_person(town, "山田", "一郎", birth_date=dt.date(1945, 5, 1))
    other = make_person(town, "佐藤", "花子", birth_date=dt.date(1950, 5, 1))
    household = make_household(town, [(head, "head")], name="山田さん世帯")
    client.force_login(town.users["caseworker_north"])

    body = client.get(reverse(page, args=[household.pk]), {"person": other.pk}).content.decode()

    assert '<option value="head" selected>' not in body
    assert '<option value="" selected>選択してください</option>' in body


def test_a_new_member_without_a_relationship_is_refused_with_the_field_named(client, town):
    household = make_household(town, [], town_block=town.blocks["north"])
    client.force_login(town.users["caseworker_north"])
    data = {f"person-{k}": v for k, v in person_post_data(given_name="桜").items()}

    response = client.post(reverse("people:household_member_create", args=[household.pk]), data)

    assert response.status_code == 400
    assert "続柄" in response.content.decode()
    assert not HouseholdMembership.objects.filter(household=household).exists()
