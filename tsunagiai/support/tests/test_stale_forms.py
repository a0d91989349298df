"""A form left open while someone else creates the row it edits: a conflict with the input kept, never a silent
overwrite (issue 12, items 1 and 3, sequentially; the races themselves are in test_races_postgres.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from tsunagiai.core.concurrency import EditConflict
from tsunagiai.people.models import Person
from tsunagiai.support.actions import (
    ActionInput,
    do_create_conference,
    do_revise_plan,
    do_save_assessment,
    do_update_minutes,
)
from tsunagiai.support.models import Assessment, Conference, PlanRevision
from tsunagiai.support.tests.helpers import make_case, make_household, members
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 4, 10, 1, tzinfo=dt.UTC)


def _assessment_form(client: Any, url: str) -> dict[str, str]:
    """The hidden fields of every domain as the page rendered them (what the browser would post back)."""
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["forms"]
    data = {"assessed_on": "2026-04-09"}
    for code, _label, domain_form, _saved in form:
        data[f"{code}-version"] = str(domain_form.initial["version"])
        data[f"{code}-seen"] = domain_form.initial["seen"]
        for name in ("situation", "strengths", "wishes_in_own_words"):
            data[f"{code}-{name}"] = domain_form.initial[name]
    return data


@time_machine.travel(NOW, tick=False)
def test_two_staff_fill_an_empty_domain_and_the_second_gets_a_conflict_not_an_overwrite(
    town: Town, client: Any
) -> None:
    household = make_household(town, names=("山田", "山田"))
    case = make_case(town, household)
    son = members(household)[1]
    url = reverse("support:assessment_edit", args=[case.pk, son.pk])
    client.force_login(town.users["caseworker_north"])
    first = _assessment_form(client, url)  # both open the page while "work" is empty
    second = _assessment_form(client, url)
    first.update({"work-situation": "10年間働いていない", "work-wishes_in_own_words": "家でできる仕事"})
    assert client.post(url, first).status_code == 302
    client.force_login(town.users["supervisor_north"])
    second.update({"work-situation": "就労経験なし（私の見立て）"})
    response = client.post(url, second)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="conflict"' in body
    assert "就労経験なし（私の見立て）" in body  # the loser's text stays in the form
    assert "10年間働いていない" in body  # with what is saved now beside it
    saved = Assessment.objects.get(case=case, person=son, domain="work")
    assert saved.situation == "10年間働いていない"
    # Saving again applies the input deliberately, over the version now shown.
    again = {key: value for key, value in response.context["forms"][0][2].data.items()}
    assert client.post(url, again).status_code == 302
    assert Assessment.objects.get(pk=saved.pk).situation == "就労経験なし（私の見立て）"


@time_machine.travel(NOW, tick=False)
def test_a_domain_left_untouched_is_not_written_over_a_colleagues_newer_text(town: Town, client: Any) -> None:
    household = make_household(town, names=("山田", "山田"))
    case = make_case(town, household)
    son = members(household)[1]
    url = reverse("support:assessment_edit", args=[case.pk, son.pk])
    client.force_login(town.users["caseworker_north"])
    mine = _assessment_form(client, url)
    do_save_assessment(
        case,
        son,
        "health",
        acting_user=town.users["supervisor_north"],
        situation="通院中",
        strengths="",
        wishes_in_own_words="",
        assessed_on=dt.date(2026, 4, 9),
        expected_version=0,
    )
    mine["money-situation"] = "家賃滞納3か月"
    assert client.post(url, mine).status_code == 302
    assert Assessment.objects.get(case=case, person=son, domain="health").situation == "通院中"
    assert Assessment.objects.get(case=case, person=son, domain="money").situation == "家賃滞納3か月"


@time_machine.travel(NOW, tick=False)
def test_the_action_refuses_a_first_save_when_the_domain_was_filled_meanwhile(town: Town) -> None:
    household = make_household(town)
    case = make_case(town, household)
    person = members(household)[0]

    def first_save(situation: str) -> object:
        return do_save_assessment(
            case,
            person,
            "care",
            acting_user=town.users["caseworker_north"],
            situation=situation,
            strengths="",
            wishes_in_own_words="",
            assessed_on=dt.date(2026, 4, 9),
            expected_version=0,
        )

    first_save("A")
    with pytest.raises(EditConflict):
        first_save("B")
    assert Assessment.objects.get(case=case, person=person, domain="care").situation == "A"


@time_machine.travel(NOW, tick=False)
def test_an_assessment_before_the_persons_birth_or_in_year_one_is_refused(town: Town, client: Any) -> None:
    household = make_household(town)
    case = make_case(town, household)
    person = members(household)[0]
    Person.objects.filter(pk=person.pk).update(birth_date=dt.date(1990, 1, 1))
    url = reverse("support:assessment_edit", args=[case.pk, person.pk])
    client.force_login(town.users["caseworker_north"])
    data = _assessment_form(client, url)
    data.update({"assessed_on": "1989-12-31", "work-situation": "求職中"})
    response = client.post(url, data)
    assert response.status_code == 400
    assert "アセスメント日: 生年月日（1990年1月1日）より前の日付です。" in response.content.decode()
    assert not Assessment.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_making_the_first_plan_from_a_stale_form_keeps_the_input_and_shows_the_plan_saved_meanwhile(
    town: Town, client: Any
) -> None:
    case = make_case(town, make_household(town))
    client.force_login(town.users["caseworker_north"])
    url = reverse("support:plan_revise", args=[case.pk])
    assert client.get(url).context["form"].initial["version"] == 0
    do_revise_plan(
        case,
        acting_user=town.users["supervisor_north"],
        goals="同僚が先に作ったプラン",
        review_on=dt.date(2026, 7, 1),
        actions=[ActionInput(owner_kind="family", owner_text="長女", what="電話", due_on=dt.date(2026, 5, 1))],
    )
    data = {
        "goals": "私が書いた目標",
        "review_on": "2026-07-01",
        "version": "0",
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
        "actions-0-what": "",
        "actions-0-status": "planned",
    }
    stale = client.post(url, data)
    assert stale.status_code == 200
    body = stale.content.decode()
    assert 'id="conflict"' in body and "私が書いた目標" in body and "同僚が先に作ったプラン" in body
    assert PlanRevision.objects.filter(plan__case=case).count() == 1
    assert client.post(url, stale.context["form"].data).status_code == 302  # saving again: revision 2
    assert PlanRevision.objects.filter(plan__case=case).count() == 2


@time_machine.travel(NOW, tick=False)
def test_plan_and_conference_dates_have_a_plausible_range(town: Town, client: Any) -> None:
    case = make_case(town, make_household(town))
    client.force_login(town.users["caseworker_north"])
    body = {"goals": "目標", "review_on": "0001-01-01", "actions": []}
    year_one = client.post(f"/api/v1/support/cases/{case.pk}/plan/revisions", body, content_type="application/json")
    assert year_one.status_code == 422
    assert year_one.json()["errors"] == [
        {"field": "review_on", "message": "見直し予定日: 1900年以降の日付を入力してください。"}
    ]
    far = client.post(
        f"/api/v1/support/cases/{case.pk}/plan/revisions",
        {**body, "review_on": "2032-01-01"},
        content_type="application/json",
    )
    assert far.status_code == 422 and far.json()["errors"][0]["message"].startswith("見直し予定日: 2031年")
    conference = client.post(
        reverse("support:conference_create"),
        {
            "held_on": "9999-01-01",
            "kind": "other_meeting",
            "title": "遠い未来の会議",
            "convened_by": town.orgs["branch_north"].pk,
            "participating_organisations": [town.orgs["csw"].pk],
        },
    )
    assert conference.status_code == 400
    assert "開催日: 2031年" in conference.content.decode() and "遠い未来の会議" in conference.content.decode()
    assert not Conference.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_minutes_from_a_stale_form_come_back_with_the_saved_text_and_saving_again_applies_them(
    town: Town, client: Any
) -> None:
    conference = do_create_conference(
        acting_user=town.users["caseworker_north"],
        convened_by=town.orgs["branch_north"],
        held_on=dt.date(2026, 4, 9),
        kind="other_meeting",
        title="ケース会議",
        participating_organisations=[town.orgs["branch_north"]],
    )
    seen = conference.version
    do_update_minutes(
        conference, minutes="同僚の議事録", acting_user=town.users["supervisor_north"], expected_version=seen
    )
    client.force_login(town.users["caseworker_north"])
    url = reverse("support:conference_minutes", args=[conference.pk])
    stale = client.post(url, {"minutes": "私の議事録", "version": seen})
    assert stale.status_code == 200
    body = stale.content.decode()
    assert 'id="conflict"' in body and "私の議事録" in body and "同僚の議事録" in body
    again = client.post(url, dict(stale.context["minutes_form"].data.items()))
    assert again.status_code == 302
    conference.refresh_from_db()
    assert conference.minutes == "私の議事録"
