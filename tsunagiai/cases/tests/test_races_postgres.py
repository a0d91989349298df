"""Case writes that race to create the same row, on real concurrent connections: one wins, the other gets the
conflict (409, or the page with its input), never a 500 (issue 12, item 3)."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from tsunagiai.cases.actions import do_add_team_member
from tsunagiai.cases.models import Case, LeadRequest, TeamMember
from tsunagiai.cases.tests.helpers import make_family, open_case, reload
from tsunagiai.support.tests.helpers import at_once, logged_in_clients
from tsunagiai.testing import Town

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs concurrent connections: SQLite's in-memory test database is shared-cache; "
        "there BEGIN IMMEDIATE (settings) serialises every writer",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_two_lead_requests_at_once_make_one_request_and_a_conflict(town: Town) -> None:
    case = open_case(town)
    do_add_team_member(case, town.orgs["elderly_north"], acting_user=town.users["caseworker_north"])
    url = f"/api/v1/cases/{case.pk}/lead-requests"
    clients = logged_in_clients(town.users["elderly_worker"], 2)
    responses = at_once(
        [partial(c.post, url, {"reason": "介護が中心"}, content_type="application/json") for c in clients]
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    assert LeadRequest.objects.filter(case=case).count() == 1


def test_two_lead_requests_at_once_through_the_page_keep_the_losers_reason(town: Town) -> None:
    case = open_case(town)
    do_add_team_member(case, town.orgs["elderly_north"], acting_user=town.users["caseworker_north"])
    url = reverse("cases:request_lead", args=[case.pk])
    clients = logged_in_clients(town.users["elderly_worker"], 2)
    responses = at_once([partial(c.post, url, {"reason": f"理由その{n}"}) for n, c in enumerate(clients)])
    assert sorted(r.status_code for r in responses) == [200, 302]
    n, loser = next((n, r) for n, r in enumerate(responses) if r.status_code == 200)
    assert 'id="conflict"' in loser.content.decode() and f"理由その{n}" in loser.content.decode()


def test_two_cases_opened_from_one_intake_at_once_make_one_case_and_a_conflict(town: Town) -> None:
    family = make_family(town)
    body = {"intake_ids": [family.intake.pk], "title": "ケース", "lead_organisation_id": town.orgs["branch_north"].pk}
    clients = logged_in_clients(town.users["caseworker_north"], 2)
    responses = at_once([partial(c.post, "/api/v1/cases/", body, content_type="application/json") for c in clients])
    assert sorted(r.status_code for r in responses) == [201, 409]
    case = Case.objects.get()
    assert next(r for r in responses if r.status_code == 409).json()["case_id"] == case.pk


def test_two_cases_opened_from_one_intake_through_the_page_link_the_loser_to_the_winner(town: Town) -> None:
    family = make_family(town)
    url = reverse("cases:open_from_intake", args=[family.intake.pk])
    clients = logged_in_clients(town.users["caseworker_north"], 2)

    def post(client: Any, n: int) -> Any:
        return client.post(
            url,
            {
                "title": f"ケース名その{n}",
                "intakes": [family.intake.pk],
                "lead_organisation": town.orgs["branch_north"].pk,
            },
        )

    responses = at_once([partial(post, c, n) for n, c in enumerate(clients)])
    assert sorted(r.status_code for r in responses) == [200, 302]
    n, loser = next((n, r) for n, r in enumerate(responses) if r.status_code == 200)
    body = loser.content.decode()
    assert 'id="conflict"' in body and f"ケース名その{n}" in body
    assert reverse("cases:detail", args=[Case.objects.get().pk]) in body


def test_one_organisation_added_to_a_team_twice_at_once_joins_once(town: Town) -> None:
    case = open_case(town)
    results = at_once(
        [lambda: do_add_team_member(reload(case), town.orgs["csw"], acting_user=town.users["caseworker_north"])] * 2
    )
    assert [type(r).__name__ for r in results] == ["TeamMember", "TeamMember"], results
    assert TeamMember.objects.filter(case=case, organisation=town.orgs["csw"], left_at__isnull=True).count() == 1
