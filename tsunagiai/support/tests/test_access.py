"""Access: only the case team and the coordination section see a case's support; others get 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from tsunagiai.support.actions import do_add_case_to_agenda, do_create_conference, do_propose_decision
from tsunagiai.support.models import Conference, PlanAction
from tsunagiai.support.tests.helpers import add_record, make_case, make_household, make_plan, members
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 4, 10, 1, tzinfo=dt.UTC)


@pytest.fixture
def supported(town: Town) -> dict[str, Any]:
    with time_machine.travel(NOW, tick=False):
        household = make_household(town)
        case = make_case(town, household, team=("csw",))
        make_plan(town, case, review_on=dt.date(2026, 7, 1), due_on=dt.date(2026, 5, 1))
        add_record(town, household, case)
        meeting = do_create_conference(
            acting_user=town.users["coordinator"],
            convened_by=town.orgs["coordination"],
            held_on=dt.date(2026, 4, 10),
            kind=Conference.Kind.SUPPORT_CONFERENCE_106_6,
            title="支援会議",
            participating_organisations=[town.orgs["csw"]],
        )
        do_add_case_to_agenda(meeting, case, acting_user=town.users["coordinator"])
        decision = do_propose_decision(
            meeting, case, acting_user=town.users["coordinator"], kind="plan_change", details="見直す"
        )
    action = PlanAction.objects.first()
    assert action is not None
    return {
        "household": household,
        "case": case,
        "person": members(household)[0],
        "meeting": meeting,
        "decision": decision,
        "action": action,
    }


def _urls(s: dict[str, Any]) -> tuple[list[str], list[tuple[str, dict[str, Any]]]]:
    case, household, meeting = s["case"], s["household"], s["meeting"]
    gets = [
        reverse("support:assessment", args=[case.pk]),
        reverse("support:assessment_edit", args=[case.pk, s["person"].pk]),
        reverse("support:plan", args=[case.pk]),
        reverse("support:plan_revise", args=[case.pk]),
        reverse("support:plan_compare", args=[case.pk]) + "?old=1&new=1",
        reverse("support:record_create", args=[household.pk]),
        reverse("support:household_timeline", args=[household.pk]),
        reverse("support:conference_detail", args=[meeting.pk]),
        f"/api/v1/support/cases/{case.pk}/plan",
        f"/api/v1/support/households/{household.pk}/timeline",
        f"/api/v1/support/conferences/{meeting.pk}",
    ]
    posts: list[tuple[str, dict[str, Any]]] = [
        (reverse("support:action_status", args=[case.pk, s["action"].pk]), {"status": "done"}),
        (reverse("support:conference_minutes", args=[meeting.pk]), {"minutes": "x", "version": 1}),
        (reverse("support:conference_add_case", args=[meeting.pk]), {"case_id": case.pk}),
        (reverse("support:conference_decision_confirm", args=[meeting.pk, s["decision"].pk]), {}),
        (reverse("support:conference_decision_withdraw", args=[meeting.pk, s["decision"].pk]), {}),
    ]
    return gets, posts


@time_machine.travel(NOW, tick=False)
def test_an_organisation_off_the_team_gets_404_on_every_page_and_api(
    town: Town, client: Any, supported: dict[str, Any]
) -> None:
    gets, posts = _urls(supported)
    client.force_login(town.users["caseworker_south"])
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    api_posts = [
        f"/api/v1/support/households/{supported['household'].pk}/records",
        f"/api/v1/support/cases/{supported['case'].pk}/plan/revisions",
    ]
    for url in api_posts:
        assert client.post(url, {}, content_type="application/json").status_code in {404, 422}, url
    response = client.post(
        api_posts[0],
        {"kind": "visit", "occurred_at": "2026-04-09T10:00:00+09:00", "summary": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404
    supported["action"].refresh_from_db()
    assert supported["action"].status == "planned"


@time_machine.travel(NOW, tick=False)
def test_the_team_and_the_coordination_section_see_every_page(
    town: Town, client: Any, supported: dict[str, Any]
) -> None:
    gets, _posts = _urls(supported)
    for user in ("csw_worker", "coordinator", "caseworker_north"):
        client.force_login(town.users[user])
        for url in gets:
            if user == "caseworker_north" and "conference" in url:
                continue  # branch_north is on the team but not at this conference
            assert client.get(url).status_code == 200, (user, url)


@time_machine.travel(NOW, tick=False)
def test_roles_without_person_access_see_nothing(town: Town, client: Any, supported: dict[str, Any]) -> None:
    gets, _posts = _urls(supported)
    for user in ("analyst", "volunteer"):
        client.force_login(town.users[user])
        for url in gets:
            assert client.get(url).status_code in {403, 404}, (user, url)
