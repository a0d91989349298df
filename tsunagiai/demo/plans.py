"""Plain in-memory plans of households, people and intakes, turned into rows in one pass."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class MemberPlan:
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: dt.date
    sex: str
    relationship: str
    employment_status: str = ""
    care_level: str = ""
    certificate_physical: bool = False
    certificate_intellectual: bool = False
    certificate_mental: bool = False
    public_assistance: bool = False
    primary_language: str = "ja"
    needs_interpreter: bool = False
    lives_alone: bool = False
    phone: str = ""
    email: str = ""
    notes: str = ""
    started_on: dt.date | None = None

    def age(self, today: dt.date) -> int:
        years = today.year - self.birth_date.year
        if (today.month, today.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


@dataclass
class RelatedPlan:
    """Someone outside the household: separated family, a key person."""

    member: int
    name: str
    role: str
    relationship: str
    contact: str = ""


@dataclass
class IntakePlan:
    received_at: dt.datetime
    concern: str
    categories: tuple[str, ...]
    urgency: str
    kind: str
    channel: str
    consulter_type: str
    consent_status: str
    first_response: str
    status: str
    organisation_id: int
    received_by_id: int | None
    # Index of the subject in its household's members; None when anonymous.
    subject: int | None
    consulter_name: str = ""
    consulter_contact: str = ""
    first_response_note: str = ""
    subject_description: str = ""
    reported_by_id: int | None = None
    closed_at: dt.datetime | None = None
    incident_at: dt.datetime | None = None
    incident_type: str = ""
    # For an anonymous intake: where it is about (the town block id).
    town_block_id: int | None = None
    address_line: str = ""


@dataclass
class HouseholdPlan:
    kind: str
    name: str
    block_index: int
    address_line: str
    members: list[MemberPlan]
    intakes: list[IntakePlan] = field(default_factory=list)
    related: list[RelatedPlan] = field(default_factory=list)
    notes: str = ""
    story: str = ""
