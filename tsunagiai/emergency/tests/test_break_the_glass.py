"""Break-the-glass: a reason opens one record for a few hours, announced and audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tsunagiai.audit.models import AuditEvent, Basis
from tsunagiai.emergency import inbox_kinds
from tsunagiai.emergency.models import EmergencyAccess
from tsunagiai.inbox.models import InboxItem
from tsunagiai.support.tests.helpers import make_case, make_household, members
from tsunagiai.testing import Town

REASON = "夜間に救急搬送され、服薬状況の確認が必要なため。"


@pytest.fixture
def south(town: Town) -> dict[str, Any]:
    household = make_household(town, org="branch_south", names=("南田",))
    case = make_case(town, household, lead="branch_south")
    return {"household": household, "person": members(household)[0], "case": case}


def _pages(south: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        "person": (f"/people/{south['person'].pk}/", f"/emergency/person/{south['person'].pk}/"),
        "household": (
            f"/people/households/{south['household'].pk}/",
            f"/emergency/household/{south['household'].pk}/",
        ),
        "case": (f"/cases/{south['case'].pk}/", f"/emergency/case/{south['case'].pk}/"),
    }


@pytest.mark.parametrize("kind", ["person", "household", "case"])
def test_a_reason_opens_the_record_until_it_expires(client, town: Town, south: dict[str, Any], kind: str) -> None:
    page, start = _pages(south)[kind]
    client.force_login(town.users["caseworker_north"])
    before = client.get(page)
    assert before.status_code == 404
    assert start in before.content.decode()
    assert "緊急に閲覧する" in before.content.decode()

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        response = client.post(start, {"reason": REASON})
        assert response.status_code == 302
        assert response["Location"] == page
        assert client.get(page).status_code == 200

        read = AuditEvent.objects.filter(actor=town.users["caseworker_north"], action__endswith="viewed").first()
        assert read is not None
        assert read.basis == Basis.BREAK_THE_GLASS
        started = AuditEvent.objects.get(action="emergency.access_started")
        assert started.note == REASON
        told = set(
            InboxItem.objects.filter(kind=inbox_kinds.EMERGENCY_ACCESS).values_list("organisation__code", flat=True)
        )
        assert told == {"coordination", "branch_south"}

        traveller.shift(dt.timedelta(hours=4, minutes=1))
        client.force_login(town.users["caseworker_north"])  # the idle timeout signed them out meanwhile
        assert client.get(page).status_code == 404


def test_the_household_grant_shows_its_current_members(client, town: Town, south: dict[str, Any]) -> None:
    client.force_login(town.users["caseworker_north"])
    client.post(f"/emergency/household/{south['household'].pk}/", {"reason": REASON})
    assert client.get(f"/people/{south['person'].pk}/").status_code == 200
    assert client.get(f"/people/{south['person'].pk}/edit/").status_code in {403, 404}


def test_a_reason_is_required(client, town: Town, south: dict[str, Any]) -> None:
    client.force_login(town.users["caseworker_north"])
    for reason in ("", "急ぎです", " " * 20):
        response = client.post(f"/emergency/person/{south['person'].pk}/", {"reason": reason})
        assert response.status_code == 422
        assert "理由" in response.content.decode()
    assert not EmergencyAccess.objects.exists()
    assert client.get(f"/people/{south['person'].pk}/").status_code == 404


@pytest.mark.parametrize("role", ["volunteer", "analyst", "admin", "auditor"])
def test_only_staff_may_break_the_glass(client, town: Town, south: dict[str, Any], role: str) -> None:
    client.force_login(town.users[role])
    page = client.get(f"/people/{south['person'].pk}/")
    assert page.status_code == 404
    assert "/emergency/" not in page.content.decode()
    assert client.post(f"/emergency/person/{south['person'].pk}/", {"reason": REASON}).status_code == 404
    assert not EmergencyAccess.objects.exists()


def test_an_unknown_record_answers_404_after_the_reason(client, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    assert client.get("/emergency/person/999999/").status_code == 200
    assert client.post("/emergency/person/999999/", {"reason": REASON}).status_code == 404
    assert client.post("/emergency/planet/1/", {"reason": REASON}).status_code == 404
    assert not EmergencyAccess.objects.exists()


def test_the_grant_is_for_its_user_only(client, town: Town, south: dict[str, Any]) -> None:
    client.force_login(town.users["caseworker_north"])
    client.post(f"/emergency/person/{south['person'].pk}/", {"reason": REASON})
    client.force_login(town.users["supervisor_north"])
    assert client.get(f"/people/{south['person'].pk}/").status_code == 404
