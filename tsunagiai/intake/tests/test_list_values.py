"""The intake list and API list read values, not model rows (issue 14): what they show must not change.

Each test compares the fast path with the model path it replaced: the filter menus with Django's own
ModelChoiceField choices, a list row with its Intake, an API list item with the API's single-intake answer.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.forms.models import ModelChoiceIterator
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tsunagiai.intake import selectors
from tsunagiai.intake.forms import IntakeFilterForm
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.reference.models import IssueCategory, UrgencyLevel
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db

MENUS = ("receiving_organisation", "channel", "category", "urgency")


def _intakes(town: Town) -> None:
    categories = list(IssueCategory.objects.filter(active=True).order_by("-sort_order")[:3])
    make_intake(town, urgency=UrgencyLevel.objects.get(pk="emergency"), categories=categories)
    make_intake(town, is_anonymous=False, subject_description="", person=make_person(town, given_name="花子"))
    make_intake(town, org="branch_south", user="caseworker_south", categories=[])


@pytest.mark.parametrize("username", ["coordinator", "caseworker_north"])
def test_filter_menus_are_the_fields_own_choices(town: Town, username: str) -> None:
    IssueCategory.objects.filter(pk__in=IssueCategory.objects.order_by("sort_order").values("pk")[:1]).update(
        active=False
    )
    form = IntakeFilterForm(user=town.users[username])
    for name in MENUS:
        field: Any = form.fields[name]
        django_choices = [(str(value), str(label)) for value, label in ModelChoiceIterator(field)]
        shown = [(str(value), str(label)) for value, label in field.choices]
        assert shown == django_choices, name
        assert len(shown) > 1, name


def test_the_api_reads_no_menus(client: Any, town: Town) -> None:
    client.force_login(town.users["coordinator"])
    client.get("/api/v1/intakes/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/intakes/").status_code == 200
    tables = " ".join(query["sql"] for query in captured)
    assert "reference_intakechannel" not in tables
    assert "reference_urgencylevel" not in tables


@pytest.mark.parametrize("username", ["coordinator", "caseworker_north"])
def test_list_rows_say_what_the_intakes_say(town: Town, username: str) -> None:
    _intakes(town)
    user = town.users[username]
    intakes = list(selectors.intake_list(user))
    rows = selectors.list_rows(selectors.intake_list(user))
    assert [row["id"] for row in rows] == [intake.pk for intake in intakes]
    for row, intake in zip(rows, intakes, strict=True):
        assert row["url"] == reverse("intake:detail", args=[intake.pk])
        assert row["received_at"] == intake.received_at
        assert row["is_emergency"] == intake.is_emergency
        assert row["urgency__label"] == intake.urgency.label
        assert row["receiving_organisation__name"] == intake.receiving_organisation.name
        assert row["channel__label"] == intake.channel.label
        assert row["kind_display"] == intake.get_kind_display()
        assert row["status_display"] == intake.get_status_display()
        assert row["categories"] == [category.label for category in intake.categories.all()]
        assert row["person_id"] == intake.person_id
        if intake.person is not None:
            assert row["person_name"] == intake.person.full_name
    assert any(len(row["categories"]) == 3 for row in rows)
    assert any(row["person_id"] for row in rows)


def test_api_list_items_are_the_single_intake_answers(client: Any, town: Town) -> None:
    _intakes(town)
    make_intake(town, town_block=town.blocks["north"])
    client.force_login(town.users["coordinator"])
    items = client.get("/api/v1/intakes/").json()["items"]
    assert len(items) == 4
    for item in items:
        assert item == client.get(f"/api/v1/intakes/{item['id']}").json()
    assert any(item["town_block"] for item in items)
    assert any(len(item["categories"]) == 3 for item in items)
