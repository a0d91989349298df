"""Saves that race to create the same row, on real concurrent connections: one wins, the others get the
conflict with their input kept, never a 500 (issue 12, items 1 and 3). The same situations one after the
other — the stale form — are tested on every database in test_stale_forms.py."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tsunagiai.support.actions import do_add_case_to_agenda, do_create_conference
from tsunagiai.support.models import Assessment, ConferenceCase, PlanRevision, SupportPlan, SupportRecord
from tsunagiai.support.tests.helpers import add_record, at_once, logged_in_clients, make_case, make_household, members
from tsunagiai.testing import Town

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent connections: SQLite's in-memory test database is shared-cache; "
        "there BEGIN IMMEDIATE (settings) serialises every writer",
    ),
    pytest.mark.django_db(transaction=True),
]


def _soon(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def test_ten_first_plans_at_once_through_the_api_make_one_plan_and_nine_conflicts(town: Town) -> None:
    case = make_case(town, make_household(town))
    url = f"/api/v1/support/cases/{case.pk}/plan/revisions"
    clients = logged_in_clients(town.users["caseworker_north"], 10)
    responses = at_once(
        [
            partial(
                c.post,
                url,
                {"goals": f"目標その{n}", "review_on": _soon(90), "actions": []},
                content_type="application/json",
            )
            for n, c in enumerate(clients)
        ]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 9, statuses
    assert all(r.json()["detail"] for r in responses if r.status_code == 409)
    assert SupportPlan.objects.filter(case=case).count() == 1
    assert PlanRevision.objects.filter(plan__case=case).count() == 1


def test_five_first_plans_at_once_through_the_form_keep_each_losers_goals(town: Town) -> None:
    case = make_case(town, make_household(town))
    url = reverse("support:plan_revise", args=[case.pk])
    clients = logged_in_clients(town.users["caseworker_north"], 5)

    def post(client: Any, n: int) -> Any:
        return client.post(
            url,
            {
                "goals": f"私の目標その{n}",
                "review_on": _soon(90),
                "version": "0",
                "actions-TOTAL_FORMS": "1",
                "actions-INITIAL_FORMS": "0",
                "actions-0-what": "",
                "actions-0-status": "planned",
            },
        )

    responses = at_once([partial(post, c, n) for n, c in enumerate(clients)])
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 200, 302]
    for n, response in enumerate(responses):
        if response.status_code == 200:
            body = response.content.decode()
            assert 'id="conflict"' in body and f"私の目標その{n}" in body
    assert PlanRevision.objects.filter(plan__case=case).count() == 1


def test_two_first_saves_of_one_assessment_domain_at_once_leave_one_and_a_conflict(town: Town) -> None:
    household = make_household(town)
    case = make_case(town, household)
    person = members(household)[0]
    url = reverse("support:assessment_edit", args=[case.pk, person.pk])
    clients = logged_in_clients(town.users["caseworker_north"], 2)

    def post(client: Any, text: str) -> Any:
        return client.post(url, {"assessed_on": timezone.localdate().isoformat(), "money-situation": text})

    responses = at_once(
        [lambda: post(clients[0], "家賃滞納（一人目）"), lambda: post(clients[1], "家賃滞納（二人目）")]
    )
    assert sorted(r.status_code for r in responses) == [200, 302]
    loser = next(r for r in responses if r.status_code == 200)
    body = loser.content.decode()
    assert 'id="conflict"' in body
    assert Assessment.objects.filter(case=case, person=person, domain="money").count() == 1
    saved = Assessment.objects.get(case=case, person=person, domain="money").situation
    assert saved in body  # what is saved now is shown ...
    mine = "家賃滞納（二人目）" if saved == "家賃滞納（一人目）" else "家賃滞納（一人目）"
    assert mine in body  # ... beside the loser's own text


def test_two_corrections_of_one_record_at_once_make_one_and_a_conflict(town: Town) -> None:
    household = make_household(town)
    original = add_record(town, household, None, summary="電話した")
    url = f"/api/v1/support/records/{original.pk}/corrections"
    clients = logged_in_clients(town.users["caseworker_north"], 2)
    moment = (timezone.localtime() - dt.timedelta(hours=2)).isoformat()
    responses = at_once(
        [
            partial(
                c.post,
                url,
                {"kind": "visit", "occurred_at": moment, "summary": f"訂正{n}", "reason": "種別の誤り"},
                content_type="application/json",
            )
            for n, c in enumerate(clients)
        ]
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    assert SupportRecord.objects.filter(corrects=original).count() == 1


def test_one_case_put_on_an_agenda_twice_at_once_is_on_it_once(town: Town) -> None:
    case = make_case(town, make_household(town), team=("csw",))
    conference = do_create_conference(
        acting_user=town.users["caseworker_north"],
        convened_by=town.orgs["branch_north"],
        held_on=timezone.localdate(),
        kind="other_meeting",
        title="ケース会議",
        participating_organisations=[town.orgs["csw"]],
    )
    results = at_once([lambda: do_add_case_to_agenda(conference, case, acting_user=town.users["caseworker_north"])] * 2)
    assert [type(r).__name__ for r in results] == ["ConferenceCase", "ConferenceCase"], results
    assert ConferenceCase.objects.filter(conference=conference, case=case).count() == 1
