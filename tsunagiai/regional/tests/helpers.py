"""Test helpers: a case in the north with an address, and unmet needs recorded through the action."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from tsunagiai.cases.actions import do_open_case
from tsunagiai.cases.models import Case
from tsunagiai.intake.models import Intake
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.people.actions import do_create_household
from tsunagiai.reference.models import IssueCategory
from tsunagiai.regional.actions import do_record_unmet_need
from tsunagiai.regional.models import UnmetNeed
from tsunagiai.testing import Town

PERSON_FAMILY_NAME = "狭間川"
PERSON_GIVEN_NAME = "秘子"


def make_case(town: Town, side: str = "north") -> Case:
    org = town.orgs[f"branch_{side}"]
    user = town.users[f"caseworker_{side}"]
    person = make_person(
        town, org=org.code, family_name=PERSON_FAMILY_NAME, given_name=PERSON_GIVEN_NAME, town_block=town.blocks[side]
    )
    household = do_create_household(
        acting_user=user,
        organisation=org,
        name=f"{PERSON_FAMILY_NAME}さん世帯",
        members=[(person, "head")],
        started_on=dt.date(2020, 1, 1),
    )
    intake = make_intake(town, org=org.code, user=user.username, person=person, is_anonymous=False)
    Intake.objects.filter(pk=intake.pk).update(household=household)
    intake.refresh_from_db()
    return do_open_case(
        acting_user=user,
        household=household,
        intakes=[intake],
        focus_members=[person],
        title="買い物支援の狭間",
        lead_organisation=org,
    )


def category(code: str = "") -> IssueCategory:
    categories = IssueCategory.objects.order_by("sort_order", "code")
    return categories.get(pk=code) if code else categories.first()  # type: ignore[return-value]


def record_needs(
    town: Town, case: Case, count: int, *, on: dt.date | None = None, code: str = "", **extra: Any
) -> list[UnmetNeed]:
    on = on or timezone.localdate()
    user = (
        town.users["caseworker_north"]
        if case.lead_organisation == town.orgs["branch_north"]
        else town.users["caseworker_south"]
    )
    return [
        do_record_unmet_need(
            case,
            acting_user=user,
            organisation=case.lead_organisation,
            category=category(code),
            what_was_missing="移動販売が来ない",
            noted_on=on,
            **extra,
        )
        for _ in range(count)
    ]
