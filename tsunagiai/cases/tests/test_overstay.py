"""The coordination section is warned when it stays lead too long after a specialist agency joined."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import time_machine
from django.core.management import call_command
from django.test import override_settings

from tsunagiai.cases import inbox_kinds
from tsunagiai.cases.actions import do_add_team_member, do_change_lead, sweep_coordination_overstay
from tsunagiai.cases.models import Case
from tsunagiai.cases.tests.helpers import open_case, reload
from tsunagiai.inbox.models import InboxItem
from tsunagiai.testing import Town, aware

START = aware(2025, 4, 1)


def _coordination_case_with_specialist(town: Town) -> Case:
    with time_machine.travel(START, tick=False):
        case = open_case(town, lead="coordination", user="coordinator")
    with time_machine.travel(START + dt.timedelta(days=5), tick=False):
        do_add_team_member(case, town.orgs["elderly_north"], acting_user=town.users["coordinator"])
    return reload(case)


def _warnings() -> list[InboxItem]:
    return list(InboxItem.objects.filter(kind=inbox_kinds.COORDINATION_OVERSTAY))


def test_no_warning_within_the_limit_and_one_after_it(town: Town) -> None:
    case = _coordination_case_with_specialist(town)
    # 30 days after the specialist joined: not more than 30 yet.
    assert sweep_coordination_overstay(now=START + dt.timedelta(days=35)) == 0
    assert sweep_coordination_overstay(now=START + dt.timedelta(days=35, hours=1)) == 1
    (item,) = _warnings()
    assert item.organisation == town.orgs["coordination"]
    assert item.url == f"/cases/{case.pk}/"
    assert "30日" in item.title


def test_the_sweep_is_idempotent_even_after_the_warning_is_resolved(town: Town) -> None:
    _coordination_case_with_specialist(town)
    later = START + dt.timedelta(days=60)
    assert sweep_coordination_overstay(now=later) == 1
    assert sweep_coordination_overstay(now=later) == 0
    InboxItem.objects.update(resolved_at=later)
    assert sweep_coordination_overstay(now=later + dt.timedelta(days=1)) == 0
    assert len(_warnings()) == 1


def test_no_warning_without_a_specialist_or_when_someone_else_leads(town: Town) -> None:
    with time_machine.travel(START, tick=False):
        only_branch = open_case(town, lead="coordination", user="coordinator")
        do_add_team_member(only_branch, town.orgs["volunteers_north"], acting_user=town.users["coordinator"])
        specialist_leads = open_case(town, lead="elderly_north", user="coordinator", title="別の世帯")
    assert sweep_coordination_overstay(now=START + dt.timedelta(days=90)) == 0
    assert _warnings() == []
    assert only_branch.pk != specialist_leads.pk


def test_handing_the_lead_back_to_coordination_restarts_the_clock(town: Town) -> None:
    case = _coordination_case_with_specialist(town)
    with time_machine.travel(START + dt.timedelta(days=10), tick=False):
        do_change_lead(
            case,
            organisation=town.orgs["elderly_north"],
            reason="介護中心",
            acting_user=town.users["coordinator"],
            expected_version=case.version,
        )
    case = reload(case)
    with time_machine.travel(START + dt.timedelta(days=50), tick=False):
        do_change_lead(
            case,
            organisation=town.orgs["coordination"],
            reason="虐待の疑い",
            acting_user=town.users["coordinator"],
            expected_version=case.version,
        )
    assert sweep_coordination_overstay(now=START + dt.timedelta(days=79)) == 0
    assert sweep_coordination_overstay(now=START + dt.timedelta(days=81)) == 1


@override_settings(COORDINATION_OVERSTAY_DAYS=7)
def test_the_limit_is_configurable(town: Town) -> None:
    _coordination_case_with_specialist(town)
    assert sweep_coordination_overstay(now=START + dt.timedelta(days=13)) == 1


def test_closed_cases_are_not_swept(town: Town) -> None:
    case = _coordination_case_with_specialist(town)
    Case.objects.filter(pk=case.pk).update(status="closed")
    assert sweep_coordination_overstay(now=START + dt.timedelta(days=90)) == 0


def test_the_command_runs_the_sweep_and_warns_once(town: Town) -> None:
    _coordination_case_with_specialist(town)
    with time_machine.travel(START + dt.timedelta(days=90), tick=False):
        first, again = io.StringIO(), io.StringIO()
        call_command("sweep_cases", stdout=first)
        call_command("sweep_cases", stdout=again)
    assert "1 warning(s)" in first.getvalue()
    assert "0 warning(s)" in again.getvalue()
    assert len(_warnings()) == 1


def test_the_case_page_shows_the_overstay_warning(client: Any, town: Town) -> None:
    case = _coordination_case_with_specialist(town)
    with time_machine.travel(START + dt.timedelta(days=90), tick=False):
        client.force_login(town.users["coordinator"])
        body = client.get(f"/cases/{case.pk}/").content.decode()
    assert "福祉総合相談課が主導役のままです" in body
