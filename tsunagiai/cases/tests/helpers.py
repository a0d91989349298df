"""Builders for case tests: a household in the north with an intake, and a case opened from it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tsunagiai.cases.actions import do_open_case
from tsunagiai.cases.models import Case
from tsunagiai.consent.actions import do_record_consent
from tsunagiai.consent.models import InformationScope
from tsunagiai.people.models import Household, Person
from tsunagiai.people.tests.factories import make_household, make_intake, make_person
from tsunagiai.reference.models import AgencyType
from tsunagiai.testing import Town


@dataclass
class Family:
    household: Household
    mother: Person
    son: Person
    intake: Any


def make_family(town: Town, *, categories: tuple[str, ...] = ("elderly_care",), name: str = "山田") -> Family:
    mother = make_person(town, family_name=name, given_name="花子", town_block=town.blocks["north"])
    son = make_person(town, family_name=name, given_name="一郎", given_name_kana="イチロウ")
    household = make_household(
        town, [(mother, "head"), (son, "child")], name=f"{name}世帯", town_block=town.blocks["north"]
    )
    intake = make_intake(town, person=mother, household=household, categories=list(categories))
    # The mother (the focus member) agreed to share with every kind of agency, so
    # organisations can join the team on her consent (docs/consent.md).
    do_record_consent(
        mother,
        acting_user=town.users["caseworker_north"],
        organisation=town.orgs["branch_north"],
        given_on=dt.date(2020, 1, 1),
        method="written",
        scope_agency_types=list(AgencyType.objects.all()),
        scope_information=list(InformationScope.values),
    )
    return Family(household=household, mother=mother, son=son, intake=intake)


def open_case(
    town: Town,
    family: Family | None = None,
    *,
    lead: str = "branch_north",
    user: str = "caseworker_north",
    title: str = "山田さん世帯の支援",
    with_son: bool = False,
) -> Case:
    """A case opened from the family's intake, its focus the mother (``with_son``: and the son)."""
    family = family or make_family(town)
    return do_open_case(
        acting_user=town.users[user],
        household=family.household,
        intakes=[family.intake],
        focus_members=[family.mother, family.son] if with_son else [family.mother],
        title=title,
        lead_organisation=town.orgs[lead],
    )


def reload(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)
