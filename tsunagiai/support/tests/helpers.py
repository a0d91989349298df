"""Builders for support tests: a household with members and a case with a team."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.utils import timezone

from tsunagiai.cases.models import Case, TeamMember
from tsunagiai.intake.tests.helpers import make_person
from tsunagiai.people.actions import do_create_household
from tsunagiai.people.models import Household, Person
from tsunagiai.support.actions import ActionInput, do_record_support, do_revise_plan
from tsunagiai.support.models import PlanAction, PlanRevision, SupportRecord
from tsunagiai.testing import Town


def make_household(town: Town, org: str = "branch_north", names: tuple[str, ...] = ("山田",)) -> Household:
    people = [make_person(town, org=org, family_name=name, given_name=f"{i}") for i, name in enumerate(names)]
    relationships = ["head", "child", "spouse", "parent"]
    user = {"branch_north": "caseworker_north", "branch_south": "caseworker_south"}.get(org, "coordinator")
    return do_create_household(
        acting_user=town.users[user],
        organisation=town.orgs[org],
        name=f"{names[0]}さん世帯",
        members=[(p, relationships[i % 4]) for i, p in enumerate(people)],
        started_on=dt.date(2020, 1, 1),
    )


def members(household: Household) -> list[Person]:
    return list(Person.objects.filter(household_memberships__household=household).order_by("id"))


def make_case(
    town: Town,
    household: Household,
    *,
    lead: str = "branch_north",
    team: tuple[str, ...] = (),
    status: str = Case.Status.ACTIVE,
    title: str = "生活再建",
    focus: list[Person] | None = None,
) -> Case:
    case = Case.objects.create(
        household=household,
        title=title,
        status=status,
        lead_organisation=town.orgs[lead],
        opened_at=timezone.now() - dt.timedelta(days=60),
    )
    for key in (lead, *team):
        TeamMember.objects.create(case=case, organisation=town.orgs[key], joined_at=timezone.now())
    if focus:
        case.focus_members.set(focus)
    return case


def make_plan(
    town: Town, case: Case, *, review_on: dt.date, due_on: dt.date, user: str = "caseworker_north"
) -> PlanRevision:
    return do_revise_plan(
        case,
        acting_user=town.users[user],
        goals="家賃の滞納を解消する\n週1回の見守り",
        review_on=review_on,
        actions=[
            ActionInput(
                owner_kind=PlanAction.OwnerKind.ORGANISATION,
                owner_organisation=town.orgs["csw"],
                what="家計相談につなぐ",
                due_on=due_on,
            ),
            ActionInput(owner_kind=PlanAction.OwnerKind.FAMILY, owner_text="長女", what="週1回電話する", due_on=due_on),
        ],
    )


def add_record(
    town: Town,
    household: Household,
    case: Case | None,
    *,
    when: Any = None,
    kind: str = "visit",
    user: str = "caseworker_north",
    org: str = "branch_north",
    summary: str = "自宅を訪問し、様子を確認した。",
) -> SupportRecord:
    return do_record_support(
        household,
        acting_user=town.users[user],
        organisation=town.orgs[org],
        kind=kind,
        occurred_at=when or timezone.now() - dt.timedelta(hours=1),
        summary=summary,
        case=case,
    )


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run ``calls`` in threads released together (each on its own database connection); their results in
    order, an exception standing for the result of a call that raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except BaseException as error:  # noqa: BLE001 - reported to the test as the result
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def logged_in_clients(user: Any, count: int) -> list[Client]:
    """``count`` browsers of ``user``, each with its own session, that answer a server error with a 500
    response (instead of raising in the thread)."""
    clients = []
    for _ in range(count):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        clients.append(client)
    return clients
