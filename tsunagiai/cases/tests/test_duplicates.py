"""A second case from one intake, a second lead request: found and answered as a conflict that keeps what was
typed and links to the row that exists (issue 12, item 3, one after the other; the races are in
test_races_postgres.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tsunagiai.cases.actions import CaseConflict, do_add_team_member, do_change_case_status, do_request_lead
from tsunagiai.cases.models import Case, LeadRequest
from tsunagiai.cases.tests.helpers import make_family, open_case, reload
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db


def test_a_second_case_from_the_same_intake_is_refused_with_a_link_to_the_open_one(client: Any, town: Town) -> None:
    family = make_family(town)
    url = reverse("cases:open_from_intake", args=[family.intake.pk])
    client.force_login(town.users["caseworker_north"])
    assert "open-cases" not in client.get(url).content.decode()
    first = open_case(town, family, title="先に開いたケース")  # a colleague opens it while this page is open
    response = client.post(
        url,
        {
            "title": "私が入力したケース名",
            "intakes": [family.intake.pk],
            "focus_members": [family.mother.pk],
            "lead_organisation": town.orgs["branch_north"].pk,
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="conflict"' in body and "私が入力したケース名" in body
    assert reverse("cases:detail", args=[first.pk]) in body
    assert Case.objects.count() == 1
    warned = client.get(url).content.decode()  # opening the page afterwards warns before anything is typed
    assert 'id="open-cases"' in warned and "先に開いたケース" in warned


def test_the_api_answers_409_with_the_open_case_and_a_closed_case_does_not_block(client: Any, town: Town) -> None:
    family = make_family(town)
    first = open_case(town, family)
    client.force_login(town.users["caseworker_north"])
    body = {"intake_ids": [family.intake.pk], "title": "二つ目", "lead_organisation_id": town.orgs["branch_north"].pk}
    again = client.post("/api/v1/cases/", body, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["case_id"] == first.pk and again.json()["detail"]
    for to in ("assessment", "planning", "active", "closed"):
        first = reload(first)
        do_change_case_status(first, to=to, acting_user=town.users["caseworker_north"], expected_version=first.version)
    assert client.post("/api/v1/cases/", body, content_type="application/json").status_code == 201


def _with_elderly(town: Town) -> Case:
    case = open_case(town)
    do_add_team_member(case, town.orgs["elderly_north"], acting_user=town.users["caseworker_north"])
    return reload(case)


def test_a_lead_request_sent_while_a_colleagues_is_pending_is_a_conflict_that_keeps_the_reason(
    client: Any, town: Town
) -> None:
    case = _with_elderly(town)
    client.force_login(town.users["elderly_worker"])
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200  # the form is open ...
    do_request_lead(case, acting_user=town.users["elderly_worker"], reason="同僚の申し出")  # ... a colleague asks
    response = client.post(reverse("cases:request_lead", args=[case.pk]), {"reason": "私が書いた理由"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="conflict"' in body and "私が書いた理由" in body
    assert LeadRequest.objects.filter(case=case).count() == 1
    api = client.post(f"/api/v1/cases/{case.pk}/lead-requests", {"reason": "API"}, content_type="application/json")
    assert api.status_code == 409 and api.json()["detail"]
    with pytest.raises(CaseConflict):
        do_request_lead(case, acting_user=town.users["elderly_worker"], reason="もう一度")
