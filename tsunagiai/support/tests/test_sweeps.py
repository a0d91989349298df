"""Reminder sweeps: overdue actions, plan reviews, no contact; posted once however often they run."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from tsunagiai.inbox.models import InboxItem
from tsunagiai.support.actions import ActionInput, do_revise_plan
from tsunagiai.support.models import PlanAction
from tsunagiai.support.sweeps import sweep_support
from tsunagiai.support.tests.helpers import add_record, make_case, make_household, make_plan
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 4, 1, 1, tzinfo=dt.UTC)


def kinds() -> list[tuple[str, str, Any]]:
    items = InboxItem.objects.select_related("organisation")
    return sorted(((i.kind, i.organisation.code, i.user_id or 0) for i in items), key=str)


def test_overdue_action_and_review_due_reach_the_owner_and_the_lead_once(town: Town) -> None:
    with time_machine.travel(START, tick=False):
        household = make_household(town)
        case = make_case(town, household, team=("csw",))
        revision = make_plan(town, case, review_on=dt.date(2026, 5, 1), due_on=dt.date(2026, 4, 10))
        add_record(town, household, case)
        do_revise_plan(
            case,
            acting_user=town.users["caseworker_north"],
            goals=revision.goals,
            review_on=dt.date(2026, 5, 1),
            expected_version=revision.plan.version,
            actions=[
                *(
                    ActionInput(
                        key=a.key,
                        owner_kind=a.owner_kind,
                        owner_organisation=a.owner_organisation,
                        owner_text=a.owner_text,
                        what=a.what,
                        due_on=a.due_on,
                    )
                    for a in revision.actions.all()
                ),
                ActionInput(
                    owner_kind=PlanAction.OwnerKind.STAFF,
                    owner_organisation=town.orgs["csw"],
                    owner_user=town.users["csw_worker"],
                    what="同行支援",
                    due_on=dt.date(2026, 4, 12),
                ),
            ],
        )
        assert sweep_support().action_overdue == 0
    with time_machine.travel(dt.datetime(2026, 4, 20, 1, tzinfo=dt.UTC), tick=False):
        sweep_support()
        sweep_support()
        # the csw's action, the family's action (to the lead) and the named staff member's own item
        assert kinds() == [
            ("action_overdue", "branch_north", 0),
            ("action_overdue", "csw", 0),
            ("action_overdue", "csw", 0),
            ("action_overdue", "csw", town.users["csw_worker"].pk),
        ]
    with time_machine.travel(dt.datetime(2026, 5, 2, 1, tzinfo=dt.UTC), tick=False):
        add_record(town, household, case)
        sweep_support()
        assert InboxItem.objects.filter(kind="plan_review_due", organisation=town.orgs["branch_north"]).count() == 1
        assert InboxItem.objects.count() == 5


def test_no_contact_after_the_configured_days_and_again_after_a_new_silence(town: Town) -> None:
    with time_machine.travel(START, tick=False):
        household = make_household(town)
        case = make_case(town, household)
        add_record(town, household, case)
    with time_machine.travel(START + dt.timedelta(days=29), tick=False):
        assert sweep_support().no_contact == 0
    with time_machine.travel(START + dt.timedelta(days=31), tick=False):
        call_command("sweep_support", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
        call_command("sweep_support", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
        items = list(InboxItem.objects.filter(kind="no_contact"))
        assert len(items) == 1 and items[0].organisation == town.orgs["branch_north"]
        assert "30" in items[0].title
        add_record(town, household, case)
    with time_machine.travel(START + dt.timedelta(days=62), tick=False):
        sweep_support()
        assert InboxItem.objects.filter(kind="no_contact").count() == 2


@override_settings(NO_CONTACT_DAYS=7)
def test_no_contact_days_are_configurable_and_closed_cases_are_left_alone(town: Town) -> None:
    with time_machine.travel(START, tick=False):
        household = make_household(town)
        make_case(town, household, status="closed", title="終結したケース")
        quiet = make_case(town, household, title="静かなケース")
        add_record(town, household, quiet)
    with time_machine.travel(START + dt.timedelta(days=8), tick=False):
        sweep_support()
        assert [i.title for i in InboxItem.objects.all()] == ["7日間接触なし: 静かなケース"]


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_post_each_item_once(town: Town) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("concurrent writers need PostgreSQL; SQLite serialises them (the call-twice test covers it)")
    with time_machine.travel(START, tick=False):
        case = make_case(town, make_household(town), team=("csw",))
        make_plan(town, case, review_on=dt.date(2026, 4, 1), due_on=dt.date(2026, 3, 20))
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with time_machine.travel(START, tick=False):
                sweep_support()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert InboxItem.objects.filter(kind="action_overdue").count() == 2
    assert InboxItem.objects.filter(kind="plan_review_due").count() == 1
