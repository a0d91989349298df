from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tsunagiai.people.tests.factories import make_household, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(dt.datetime(2025, 6, 1, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


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
    detail = client.get(reverse("people:household_detail", args=[household.pk])).content.decode()
    assert "8050" in detail
