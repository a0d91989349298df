"""Plan and contact reminders name the person and the due date, and resolve themselves (issue 16, item 5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from tsunagiai.inbox.models import InboxItem
from tsunagiai.support.actions import ActionInput, do_revise_plan, do_set_action_status
from tsunagiai.support.models import PlanAction, PlanRevision
from tsunagiai.support.sweeps import sweep_support
from tsunagiai.support.tests.helpers import add_record, make_case, make_household, make_plan, members
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 4, 1, 1, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 5, 2, 1, tzinfo=dt.UTC)


def _overdue_plan(town: Town) -> PlanRevision:
    with time_machine.travel(START, tick=False):
        household = make_household(town, names=("川口",))
        case = make_case(town, household, team=("csw",), focus=members(household))
        revision = make_plan(town, case, review_on=dt.date(2026, 5, 1), due_on=dt.date(2026, 4, 10))
        add_record(town, household, case)
    with time_machine.travel(LATER, tick=False):
        sweep_support()
    return revision


def _open(kind: str) -> list[InboxItem]:
    return list(InboxItem.objects.filter(kind=kind, resolved_at__isnull=True))


def test_reminders_show_the_person_and_what_is_due_when(client: Any, town: Town) -> None:
    revision = _overdue_plan(town)
    assert {item.subject for item in _open("action_overdue")} == set(revision.actions.all())
    assert [item.subject for item in _open("plan_review_due")] == [revision]
    client.force_login(town.users["caseworker_north"])
    with time_machine.travel(LATER, tick=False):
        body = client.get(reverse("inbox:list")).content.decode()
    person = members(revision.plan.case.household)[0]
    assert person.family_name in body
    assert "見直し時期: " in body and "実施期限: " in body
    assert "2026" in body or "令和8年" in body


def test_a_person_the_viewer_may_not_see_is_not_named(client: Any, town: Town) -> None:
    revision = _overdue_plan(town)
    InboxItem.objects.create(
        organisation=town.orgs["branch_south"], kind="plan_review_due", title="#", subject=revision
    )
    client.force_login(town.users["caseworker_south"])
    body = client.get(reverse("inbox:list")).content.decode()
    assert "川口" not in body
    assert "見直し時期: " not in body


def test_a_done_action_resolves_its_overdue_items(town: Town) -> None:
    revision = _overdue_plan(town)
    action = revision.actions.get(owner_kind=PlanAction.OwnerKind.ORGANISATION)
    do_set_action_status(action, status=PlanAction.Status.DONE, acting_user=town.users["csw_worker"])
    assert [item.subject for item in _open("action_overdue")] == [
        revision.actions.get(owner_kind=PlanAction.OwnerKind.FAMILY)
    ]
    assert InboxItem.objects.get(kind="action_overdue", subject_id=action.pk).resolved_by == town.users["csw_worker"]


def test_a_new_revision_resolves_the_review_and_the_old_actions_reminders(town: Town) -> None:
    revision = _overdue_plan(town)
    with time_machine.travel(LATER, tick=False):
        do_revise_plan(
            revision.plan.case,
            acting_user=town.users["caseworker_north"],
            goals=revision.goals,
            review_on=dt.date(2026, 8, 1),
            expected_version=revision.plan.version,
            actions=[
                ActionInput(
                    owner_kind=PlanAction.OwnerKind.ORGANISATION,
                    owner_organisation=town.orgs["csw"],
                    what="家計相談につなぐ",
                    due_on=dt.date(2026, 6, 1),
                )
            ],
        )
        assert _open("plan_review_due") == [] and _open("action_overdue") == []
        assert sweep_support().action_overdue == 0


def test_a_support_record_resolves_the_no_contact_reminder(town: Town) -> None:
    with time_machine.travel(START, tick=False):
        household = make_household(town)
        case = make_case(town, household)
        add_record(town, household, case)
    with time_machine.travel(START + dt.timedelta(days=31), tick=False):
        sweep_support()
        (item,) = _open("no_contact")
        assert item.subject == case
        add_record(town, household, None)  # about the household, not the case: the case is still quiet
        assert _open("no_contact") == [item]
        add_record(town, household, case)
        assert _open("no_contact") == []
