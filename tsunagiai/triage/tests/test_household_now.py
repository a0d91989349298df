"""The triage panel and the stored suggestion read an intake's household as it is now, not as it was at intake.

An intake about a person with no household said 「世帯は未登録」 on its edit page even after the person's
household was registered: the edit form posts no person, and the save hook read the intake's stored link.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tsunagiai.intake.actions import do_update_intake
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.people.actions import do_add_household_member, do_create_household
from tsunagiai.triage.models import TriageSuggestion
from tsunagiai.triage.tests.fakes import CONCERN, fixed_engine  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_engine")]

URL = "/triage/suggest/"


def _son_intake(town):
    son = make_person(town, family_name="杉浦", given_name="一男", birth_date=dt.date(1960, 1, 10))
    intake = make_intake(town, person=son, is_anonymous=False, subject_description="", concern=CONCERN)
    assert intake.household is None
    return son, intake


def _household_with_mother(town, son):
    user = town.users["caseworker_north"]
    mother = make_person(town, family_name="杉浦", given_name="トメ", birth_date=dt.date(1930, 3, 1))
    household = do_create_household(
        acting_user=user, organisation=town.orgs["branch_north"], name="杉浦さん世帯", members=[(mother, "head")]
    )
    do_add_household_member(
        household,
        son,
        relationship="child",
        acting_user=user,
        facts={"employment_status": "not_working"},
        facts_version=son.version,
    )
    return household


def _edit_page_panel(client, town, intake, user="caseworker_north"):
    """What the intake's edit page posts to the panel: the concern and the intake, no person."""
    client.force_login(town.users[user])
    response = client.post(URL, {"concern": CONCERN, "triage_intake_id": intake.pk}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def test_the_panel_on_an_intake_reads_the_household_its_person_joined_later(client, town):
    son, intake = _son_intake(town)
    assert "8050問題" not in _edit_page_panel(client, town, intake)

    _household_with_mother(town, son)

    html = _edit_page_panel(client, town, intake)
    assert "8050問題" in html
    assert "杉浦 一男" in html  # the household's own reason, not "suggested from the words"
    assert "世帯は未登録" not in html


def test_the_panel_gives_no_household_for_an_intake_the_user_may_not_see(client, town):
    son, intake = _son_intake(town)
    _household_with_mother(town, son)
    html = _edit_page_panel(client, town, intake, user="caseworker_south")
    assert "8050問題" not in html and "杉浦" not in html


def test_the_stored_suggestion_takes_the_household_as_it_is_at_each_save(town):
    son, intake = _son_intake(town)
    stored = TriageSuggestion.objects.get(intake=intake)
    assert stored.patterns == []

    _household_with_mother(town, son)
    intake.refresh_from_db()
    do_update_intake(
        intake, acting_user=town.users["caseworker_north"], expected_version=intake.version, first_response_note="再訪"
    )

    stored.refresh_from_db()
    assert [(p["code"], p["source"]) for p in stored.patterns] == [("p8050", "household")]
