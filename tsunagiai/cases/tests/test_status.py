"""The status machine: every status × every target, through the action, the page and the API."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.urls import reverse

from tsunagiai.cases.actions import TRANSITIONS, do_change_case_status
from tsunagiai.cases.models import Case, CaseStatusChange
from tsunagiai.cases.tests.helpers import open_case, reload
from tsunagiai.core.errors import ActionRefused
from tsunagiai.testing import Town

STATUSES = list(Case.Status.values)
LEGAL = {(source, target) for source, targets in TRANSITIONS.items() for target in targets}


def _case_in(town: Town, status: str) -> Case:
    case = open_case(town)
    Case.objects.filter(pk=case.pk).update(status=status)
    return reload(case)


def test_transitions_table_is_the_documented_lifecycle() -> None:
    assert {
        ("intake", "assessment"),
        ("assessment", "planning"),
        ("planning", "active"),
        ("planning", "assessment"),
        ("active", "monitoring"),
        ("active", "planning"),
        ("active", "closed"),
        ("monitoring", "active"),
        ("monitoring", "closed"),
        ("closed", "assessment"),
    } == LEGAL


@pytest.mark.parametrize(("source", "target"), list(itertools.product(STATUSES, STATUSES)))
def test_every_status_change_is_allowed_or_refused_with_a_message(town: Town, source: str, target: str) -> None:
    case = _case_in(town, source)
    user = town.users["caseworker_north"]
    reason = "再び支援が必要になったため" if source == "closed" else ""
    if (source, target) in LEGAL:
        do_change_case_status(case, to=target, acting_user=user, expected_version=case.version, reason=reason)
        changed = reload(case)
        assert changed.status == target
        assert (changed.closed_at is not None) == (target == "closed")
        assert CaseStatusChange.objects.filter(case=case, from_status=source, to_status=target).exists()
    else:
        with pytest.raises(ActionRefused) as refused:
            do_change_case_status(case, to=target, acting_user=user, expected_version=case.version, reason=reason)
        assert refused.value.message.startswith("状態: ")
        assert reload(case).status == source
        assert reload(case).version == case.version


def test_reopening_needs_a_reason_and_goes_back_to_assessment(town: Town) -> None:
    case = _case_in(town, "closed")
    user = town.users["caseworker_north"]
    with pytest.raises(ActionRefused) as refused:
        do_change_case_status(case, to="assessment", acting_user=user, expected_version=case.version, reason="  ")
    assert refused.value.field == "reason"
    assert "理由" in refused.value.message
    do_change_case_status(
        case, to="assessment", acting_user=user, expected_version=case.version, reason="転居後に再相談"
    )
    change = CaseStatusChange.objects.get(case=case, from_status="closed")
    assert change.reason == "転居後に再相談"
    assert reload(case).closed_at is None


def test_status_page_refuses_an_illegal_change_in_japanese_and_keeps_the_input(client: Any, town: Town) -> None:
    case = open_case(town)
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        reverse("cases:change_status", args=[case.pk]), {"to": "closed", "reason": "終わり", "version": case.version}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "状態: " in body and "変更できません" in body
    assert "終わり" in body
    assert reload(case).status == "intake"


def test_status_page_moves_a_legal_step(client: Any, town: Town) -> None:
    case = open_case(town)
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        reverse("cases:change_status", args=[case.pk]), {"to": "assessment", "version": case.version}
    )
    assert response.status_code == 302
    assert reload(case).status == "assessment"


def test_stale_status_form_comes_back_with_a_conflict_and_the_input(client: Any, town: Town) -> None:
    case = open_case(town)
    stale = case.version
    do_change_case_status(case, to="assessment", acting_user=town.users["coordinator"], expected_version=stale)
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        reverse("cases:change_status", args=[case.pk]), {"to": "planning", "reason": "私の入力", "version": stale}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="conflict"' in body and "私の入力" in body
    assert reload(case).status == "assessment"
    htmx = client.post(
        reverse("cases:change_status", args=[case.pk]),
        {"to": "planning", "version": stale},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 409


def test_api_refuses_an_illegal_change_with_422_and_a_message(client: Any, town: Town) -> None:
    case = open_case(town)
    client.force_login(town.users["caseworker_north"])
    url = f"/api/v1/cases/{case.pk}/status"
    response = client.post(url, {"to": "monitoring", "version": case.version}, content_type="application/json")
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "to"
    assert error["message"].startswith("状態: ")
    ok = client.post(url, {"to": "assessment", "version": case.version}, content_type="application/json")
    assert ok.status_code == 200
    assert ok.json()["status"] == "assessment"
    assert ok.json()["allowed_transitions"] == ["planning"]
    stale = client.post(url, {"to": "planning", "version": case.version}, content_type="application/json")
    assert stale.status_code == 409
    unknown = client.post(url, {"to": "finished", "version": case.version + 1}, content_type="application/json")
    assert unknown.status_code == 422
