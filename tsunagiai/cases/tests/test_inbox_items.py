"""Case inbox items name the person and resolve themselves when their work is done (issue 16, item 5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse

from tsunagiai.audit.models import AuditEvent
from tsunagiai.cases import inbox_kinds
from tsunagiai.cases.actions import (
    do_add_team_member,
    do_change_case_status,
    do_change_lead,
    do_request_lead,
    sweep_coordination_overstay,
)
from tsunagiai.cases.models import Case
from tsunagiai.cases.tests.helpers import open_case, reload
from tsunagiai.inbox.models import InboxItem
from tsunagiai.testing import Town


def _with_elderly(town: Town, lead: str = "branch_north", user: str = "caseworker_north") -> Case:
    case = open_case(town, lead=lead, user=user)
    do_add_team_member(case, town.orgs["elderly_north"], acting_user=town.users[user])
    return reload(case)


def test_a_lead_request_item_is_about_the_case_and_names_its_person(client: Any, town: Town) -> None:
    case = _with_elderly(town)
    do_request_lead(case, acting_user=town.users["elderly_worker"], reason="介護が中心になったため")
    item = InboxItem.objects.get(kind=inbox_kinds.LEAD_REQUEST)
    assert item.subject == case
    client.force_login(town.users["caseworker_north"])
    body = client.get(reverse("inbox:list")).content.decode()
    mother = case.focus_members.get()
    assert f"{mother.family_name} {mother.given_name}".strip() in body


def test_a_person_the_viewer_may_not_see_is_not_named(client: Any, town: Town) -> None:
    case = _with_elderly(town)
    InboxItem.objects.create(
        organisation=town.orgs["branch_south"], kind=inbox_kinds.LEAD_REQUEST, title="#", subject=case
    )
    client.force_login(town.users["caseworker_south"])  # not on the team
    body = client.get(reverse("inbox:list")).content.decode()
    assert case.focus_members.get().given_name not in body


def test_changing_the_lead_answers_the_new_leads_request_and_its_item(town: Town) -> None:
    case = _with_elderly(town)
    do_request_lead(case, acting_user=town.users["elderly_worker"], reason="介護が中心")
    do_change_lead(
        reload(case),
        organisation=town.orgs["elderly_north"],
        reason="協議の結果",
        acting_user=town.users["caseworker_north"],
        expected_version=reload(case).version,
    )
    item = InboxItem.objects.get(kind=inbox_kinds.LEAD_REQUEST)
    assert item.resolved_at is not None and item.resolved_by == town.users["caseworker_north"]
    assert AuditEvent.objects.filter(action="inbox.resolved", object_id=str(item.pk)).exists()


def test_the_overstay_warning_resolves_when_the_lead_moves(town: Town) -> None:
    case = _with_elderly(town, lead="coordination", user="coordinator")
    assert sweep_coordination_overstay(now=case.opened_at + dt.timedelta(days=60)) == 1
    do_change_lead(
        case,
        organisation=town.orgs["elderly_north"],
        reason="専門機関へ引き継ぎ",
        acting_user=town.users["coordinator"],
        expected_version=case.version,
    )
    (item,) = InboxItem.objects.filter(kind=inbox_kinds.COORDINATION_OVERSTAY)
    assert item.subject == case and item.resolved_at is not None


def test_closing_a_case_resolves_its_items(town: Town) -> None:
    case = _with_elderly(town)
    do_request_lead(case, acting_user=town.users["elderly_worker"], reason="介護が中心")
    case = reload(case)
    for to in ("assessment", "planning", "active", "closed"):
        case = do_change_case_status(
            case, to=to, acting_user=town.users["caseworker_north"], expected_version=case.version
        )
        case = reload(case)
    assert not InboxItem.objects.filter(resolved_at__isnull=True).exists()
