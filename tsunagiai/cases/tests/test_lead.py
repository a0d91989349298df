"""The lead (主導役): one organisation at a time, every change with a reason, moved by agreement."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tsunagiai.cases.actions import (
    CaseConflict,
    do_add_team_member,
    do_change_case_status,
    do_change_lead,
    do_decide_lead_request,
    do_remove_team_member,
    do_request_lead,
)
from tsunagiai.cases.models import Case, LeadChange, LeadRequest, TeamMember
from tsunagiai.cases.tests.helpers import open_case, reload
from tsunagiai.core.concurrency import EditConflict
from tsunagiai.core.errors import ActionRefused
from tsunagiai.inbox.models import InboxItem
from tsunagiai.testing import Town


def _with_elderly(town: Town) -> Case:
    case = open_case(town)
    do_add_team_member(case, town.orgs["elderly_north"], acting_user=town.users["caseworker_north"])
    return reload(case)


def test_opening_records_the_first_lead_and_puts_opener_and_lead_on_the_team(town: Town) -> None:
    case = open_case(town, lead="csw")
    (first,) = LeadChange.objects.filter(case=case)
    assert first.from_organisation is None and first.to_organisation == town.orgs["csw"]
    team = set(TeamMember.objects.filter(case=case, left_at=None).values_list("organisation__code", "user__username"))
    assert team == {("branch_north", None), ("branch_north", "caseworker_north"), ("csw", None)}


def test_changing_the_lead_needs_a_reason_and_keeps_the_history(town: Town) -> None:
    case = open_case(town)
    user = town.users["caseworker_north"]
    with pytest.raises(ActionRefused) as refused:
        do_change_lead(case, organisation=town.orgs["csw"], reason=" ", acting_user=user, expected_version=case.version)
    assert refused.value.message == "主導役変更の理由: 理由を入力してください。"
    do_change_lead(
        case, organisation=town.orgs["csw"], reason="就労の課題が中心", acting_user=user, expected_version=case.version
    )
    case = reload(case)
    do_change_lead(
        case,
        organisation=town.orgs["elderly_north"],
        reason="介護が中心に",
        acting_user=user,
        expected_version=case.version,
    )
    case = reload(case)
    assert case.lead_organisation == town.orgs["elderly_north"]
    history = list(LeadChange.objects.filter(case=case).order_by("changed_at", "id"))
    assert [(c.from_organisation_id, c.to_organisation_id, c.reason) for c in history[1:]] == [
        (town.orgs["branch_north"].pk, town.orgs["csw"].pk, "就労の課題が中心"),
        (town.orgs["csw"].pk, town.orgs["elderly_north"].pk, "介護が中心に"),
    ]
    # The new leads joined the team.
    assert TeamMember.objects.filter(case=case, organisation=town.orgs["elderly_north"], left_at=None).exists()


def test_the_lead_cannot_be_given_to_itself_or_changed_on_a_closed_case(town: Town) -> None:
    case = open_case(town)
    user = town.users["caseworker_north"]
    with pytest.raises(ActionRefused):
        do_change_lead(
            case, organisation=town.orgs["branch_north"], reason="x", acting_user=user, expected_version=case.version
        )
    Case.objects.filter(pk=case.pk).update(status="closed")
    case = reload(case)
    with pytest.raises(ActionRefused):
        do_change_lead(case, organisation=town.orgs["csw"], reason="x", acting_user=user, expected_version=case.version)


def test_a_stale_lead_change_is_refused(town: Town) -> None:
    case = open_case(town)
    stale = case.version
    do_change_case_status(case, to="assessment", acting_user=town.users["coordinator"], expected_version=stale)
    with pytest.raises(EditConflict):
        do_change_lead(
            reload(case),
            organisation=town.orgs["csw"],
            reason="x",
            acting_user=town.users["caseworker_north"],
            expected_version=stale,
        )
    assert reload(case).lead_organisation == town.orgs["branch_north"]


def test_the_lead_organisation_cannot_leave_the_team(town: Town) -> None:
    case = open_case(town)
    org_row = TeamMember.objects.get(case=case, organisation=town.orgs["branch_north"], user=None)
    with pytest.raises(ActionRefused):
        do_remove_team_member(org_row, acting_user=town.users["caseworker_north"])


def test_a_team_member_asks_for_the_lead_and_the_lead_is_told(town: Town) -> None:
    case = _with_elderly(town)
    request = do_request_lead(case, acting_user=town.users["elderly_worker"], reason="介護保険の申請が中心になったため")
    assert request.organisation == town.orgs["elderly_north"]
    item = InboxItem.objects.get(kind="lead_request")
    assert item.organisation == town.orgs["branch_north"]
    # A second request while the first is pending is a conflict with it (a colleague may have just sent it).
    with pytest.raises(CaseConflict):
        do_request_lead(case, acting_user=town.users["elderly_worker"], reason="もう一度")


@pytest.mark.parametrize("user", ["caseworker_north", "csw_worker", "caseworker_south"])
def test_only_a_team_member_other_than_the_lead_may_ask(town: Town, user: str) -> None:
    case = _with_elderly(town)
    with pytest.raises(ActionRefused):
        do_request_lead(case, acting_user=town.users[user], reason="引き受けたい")


@pytest.mark.parametrize(
    ("decider", "allowed"),
    [("caseworker_north", True), ("supervisor_north", True), ("coordinator", True), ("elderly_worker", False)],
)
def test_only_the_current_lead_or_coordination_decides(town: Town, decider: str, allowed: bool) -> None:
    case = _with_elderly(town)
    request = do_request_lead(case, acting_user=town.users["elderly_worker"], reason="介護が中心")
    case = reload(case)
    if allowed:
        do_decide_lead_request(request, accept=True, acting_user=town.users[decider], expected_version=case.version)
        case = reload(case)
        assert case.lead_organisation == town.orgs["elderly_north"]
        last = LeadChange.objects.filter(case=case).latest("changed_at", "id")
        assert "介護が中心" in last.reason
        assert reload_request(request).status == LeadRequest.Status.ACCEPTED
        assert InboxItem.objects.get(kind="lead_request").resolved_at is not None
    else:
        with pytest.raises(ActionRefused):
            do_decide_lead_request(request, accept=True, acting_user=town.users[decider], expected_version=case.version)
        assert reload(case).lead_organisation == town.orgs["branch_north"]


def reload_request(request: LeadRequest) -> LeadRequest:
    return LeadRequest.objects.get(pk=request.pk)


def test_declining_needs_a_note_and_keeps_the_lead(town: Town) -> None:
    case = _with_elderly(town)
    request = do_request_lead(case, acting_user=town.users["elderly_worker"], reason="介護が中心")
    case = reload(case)
    user = town.users["caseworker_north"]
    with pytest.raises(ActionRefused) as refused:
        do_decide_lead_request(request, accept=False, acting_user=user, expected_version=case.version)
    assert refused.value.message.startswith("辞退の理由: ")
    do_decide_lead_request(
        request, accept=False, note="まず就労支援を続ける", acting_user=user, expected_version=case.version
    )
    assert reload_request(request).status == LeadRequest.Status.DECLINED
    assert reload(case).lead_organisation == town.orgs["branch_north"]
    with pytest.raises(ActionRefused):
        do_decide_lead_request(request, accept=True, acting_user=user, expected_version=reload(case).version)


def test_lead_pages_change_request_and_decide(client: Any, town: Town) -> None:
    case = _with_elderly(town)
    client.force_login(town.users["caseworker_north"])
    empty = client.post(
        reverse("cases:change_lead", args=[case.pk]),
        {"organisation": town.orgs["csw"].pk, "reason": "", "version": case.version},
    )
    assert empty.status_code == 400 and "主導役変更の理由" in empty.content.decode()
    client.force_login(town.users["elderly_worker"])
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "北地域包括支援センターが主導役を引き受けたいと申し出る" in page
    asked = client.post(reverse("cases:request_lead", args=[case.pk]), {"reason": "介護が中心"})
    assert asked.status_code == 302
    request = LeadRequest.objects.get(case=case)
    client.force_login(town.users["caseworker_north"])
    case = reload(case)
    decided = client.post(
        reverse("cases:decide_lead_request", args=[case.pk, request.pk]),
        {"decision": "accept", "note": "", "version": case.version},
    )
    assert decided.status_code == 302
    assert reload(case).lead_organisation == town.orgs["elderly_north"]
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "主導役の申し出を承諾: 介護が中心" in page


def test_lead_api_change_request_and_decide(client: Any, town: Town) -> None:
    case = _with_elderly(town)
    client.force_login(town.users["caseworker_north"])
    url = f"/api/v1/cases/{case.pk}/lead"
    missing = client.post(
        url,
        {"organisation_id": town.orgs["csw"].pk, "reason": "", "version": case.version},
        content_type="application/json",
    )
    assert missing.status_code == 422
    unknown = client.post(
        url, {"organisation_id": 999999, "reason": "x", "version": case.version}, content_type="application/json"
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "organisation_id"
    extra = client.post(
        url, {"organisation_id": 1, "reason": "x", "version": 1, "lead": 2}, content_type="application/json"
    )
    assert extra.status_code == 422
    ok = client.post(
        url,
        {"organisation_id": town.orgs["csw"].pk, "reason": "生活困窮が中心", "version": case.version},
        content_type="application/json",
    )
    assert ok.status_code == 200
    body = ok.json()
    assert body["lead_organisation"]["id"] == town.orgs["csw"].pk
    assert [c["reason"] for c in body["lead_history"]][-1] == "生活困窮が中心"
    stale = client.post(
        url,
        {"organisation_id": town.orgs["elderly_north"].pk, "reason": "x", "version": case.version},
        content_type="application/json",
    )
    assert stale.status_code == 409
    client.force_login(town.users["elderly_worker"])
    asked = client.post(
        f"/api/v1/cases/{case.pk}/lead-requests", {"reason": "介護が中心"}, content_type="application/json"
    )
    assert asked.status_code == 201
    request_id = asked.json()["id"]
    decide_url = f"/api/v1/cases/{case.pk}/lead-requests/{request_id}/decision"
    own = client.post(decide_url, {"accept": True, "version": body["version"]}, content_type="application/json")
    assert own.status_code == 422
    client.force_login(town.users["coordinator"])
    accepted = client.post(decide_url, {"accept": True, "version": body["version"]}, content_type="application/json")
    assert accepted.status_code == 200
    assert accepted.json()["lead_organisation"]["id"] == town.orgs["elderly_north"].pk
