"""Small helpers to create people and households in tests (through the actions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tsunagiai.people.actions import do_create_household, do_create_person
from tsunagiai.people.models import Household, Person


def make_person(town: Any, family_name: str = "山田", given_name: str = "花子", **fields: Any) -> Person:
    org = fields.pop("organisation", town.orgs["branch_north"])
    user = fields.pop("acting_user", town.users["caseworker_north"])
    fields.setdefault("family_name_kana", "ヤマダ")
    fields.setdefault("given_name_kana", "ハナコ")
    return do_create_person(
        acting_user=user, organisation=org, family_name=family_name, given_name=given_name, **fields
    )


def make_household(town: Any, members: list[tuple[Person, str]], **fields: Any) -> Household:
    org = fields.pop("organisation", town.orgs["branch_north"])
    user = fields.pop("acting_user", town.users["caseworker_north"])
    fields.setdefault("started_on", dt.date(2020, 4, 1))
    return do_create_household(acting_user=user, organisation=org, members=members, **fields)


def make_intake(town: Any, *, person: Person | None = None, household: Household | None = None, **fields: Any) -> Any:
    """An intake row as the intake app stores it (created directly: this app only reads intakes)."""
    from tsunagiai.intake.models import Intake
    from tsunagiai.testing import aware

    categories = fields.pop("categories", [])
    intake = Intake.objects.create(
        received_at=fields.pop("received_at", aware(2025, 5, 1)),
        receiving_organisation=fields.pop("organisation", town.orgs["branch_north"]),
        channel_id="phone",
        consulter_type_id="family",
        concern=fields.pop("concern", "心配ごと"),
        urgency_id=fields.pop("urgency", "normal"),
        consent_status="oral",
        person=person,
        household=household,
        **fields,
    )
    intake.categories.set(categories)
    return intake
