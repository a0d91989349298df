"""Household patterns (世帯の状態像) derived from the members' ages, facts and intake categories.

The rules are documented for staff in docs/household-patterns.md. Each rule is a
pure function over already-loaded facts, so the household page computes them
without a query per member, and the tests need no database. A pattern is a
prompt for staff to look closer, never a finding about the household: every
result carries the reason in words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from tsunagiai.core.eras import age_on
from tsunagiai.people.models import CareLevel, EmploymentStatus, Relationship
from tsunagiai.reference.routing import RoutingPolicy as RoutingPolicy  # re-exported for callers and tests
from tsunagiai.reference.routing import is_multi_issue
from tsunagiai.reference.routing import routing_policy as routing_policy

# The facts of a person the rules read (besides the relationship and the intakes' categories): asked where a
# member is added (forms.MemberFactsForm), and named when missing (missing_facts).
PATTERN_FACT_FIELDS = ("birth_date", "care_level", "employment_status")
# Thresholds (おおむね: "roughly"; the rules use exact completed years).
P8050_PARENT_MIN_AGE = 70
P8050_CHILD_MIN_AGE = 40
CHILD_MAX_AGE_DOUBLE_CARE = 14  # "under 15"
ADULT_MIN_AGE = 18
WORKING_AGE_MAX = 64
# Categories that say a middle-aged child is withdrawn or out of work.
P8050_CHILD_CATEGORIES = frozenset({"social_isolation", "employment"})
# Categories that say someone needs care.
CARE_CATEGORIES = frozenset({"elderly_care", "dementia", "disability"})
CARE_LEVELS = frozenset(
    {
        CareLevel.SUPPORT_1,
        CareLevel.SUPPORT_2,
        CareLevel.CARE_1,
        CareLevel.CARE_2,
        CareLevel.CARE_3,
        CareLevel.CARE_4,
        CareLevel.CARE_5,
    }
)


@dataclass(frozen=True)
class MemberFacts:
    """What the rules need to know about one current member."""

    person_id: int
    name: str
    relationship: str
    age: int | None
    care_level: str = ""
    employment_status: str = ""
    categories: frozenset[str] = frozenset()

    @property
    def needs_care(self) -> bool:
        return self.care_level in CARE_LEVELS or bool(self.categories & CARE_CATEGORIES)

    def describe(self) -> str:
        relationship = Relationship(self.relationship).label if self.relationship in Relationship.values else ""
        if self.age is None:
            return _("%(name)s (%(relationship)s)") % {"name": self.name, "relationship": relationship}
        return _("%(name)s (%(relationship)s, %(age)s)") % {
            "name": self.name,
            "relationship": relationship,
            "age": _("%(age)s years") % {"age": self.age},
        }


@dataclass(frozen=True)
class PatternFinding:
    """One derived pattern with the reason shown to staff."""

    code: str
    label: str
    reason: str
    person_ids: tuple[int, ...] = ()


def pattern_labels() -> dict[str, str]:
    return {
        "p8050": _("8050 problem"),
        "double_care": _("Double care"),
        "young_carer": _("Young carer"),
        "multi_issue": _("Multiple issues"),
    }


# --- the rules ---------------------------------------------------------------


def _is_withdrawn_or_out_of_work(member: MemberFacts) -> bool:
    return member.employment_status == EmploymentStatus.NOT_WORKING or bool(member.categories & P8050_CHILD_CATEGORIES)


def _parent_child_pairs(members: Sequence[MemberFacts]) -> list[tuple[MemberFacts, MemberFacts]]:
    """(parent, child) pairs read from relationships to the head: head/spouse + child, parent + head."""
    pairs = []
    for parent in members:
        for child in members:
            if parent is child:
                continue
            head_side = parent.relationship in {Relationship.HEAD, Relationship.SPOUSE}
            if (head_side and child.relationship == Relationship.CHILD) or (
                parent.relationship == Relationship.PARENT and child.relationship == Relationship.HEAD
            ):
                pairs.append((parent, child))
    return pairs


def detect_p8050(members: Sequence[MemberFacts]) -> PatternFinding | None:
    """An older parent (70+) lives with a middle-aged child (40+) who is out of work or withdrawn."""
    for parent, child in _parent_child_pairs(members):
        if parent.age is None or child.age is None:
            continue
        if parent.age < P8050_PARENT_MIN_AGE or child.age < P8050_CHILD_MIN_AGE:
            continue
        if not _is_withdrawn_or_out_of_work(child):
            continue
        if child.employment_status == EmploymentStatus.NOT_WORKING:
            why = _("is recorded as not working")
        else:
            why = _("has intakes about employment or social isolation")
        reason = _(
            "%(parent)s lives with their child %(child)s, who %(why)s "
            "(parent %(parent_min)s or over, child %(child_min)s or over)."
        ) % {
            "parent": parent.describe(),
            "child": child.describe(),
            "why": why,
            "parent_min": P8050_PARENT_MIN_AGE,
            "child_min": P8050_CHILD_MIN_AGE,
        }
        return PatternFinding("p8050", pattern_labels()["p8050"], reason, (parent.person_id, child.person_id))
    return None


def detect_double_care(members: Sequence[MemberFacts]) -> PatternFinding | None:
    """A child under 15 and a member who needs care, with an adult between them who is neither."""
    children = [m for m in members if m.age is not None and m.age <= CHILD_MAX_AGE_DOUBLE_CARE]
    cared_for = [m for m in members if m.needs_care and m not in children]
    carers = [
        m for m in members if m.age is not None and m.age >= ADULT_MIN_AGE and not m.needs_care and m not in children
    ]
    if not children or not cared_for or not carers:
        return None
    reason = _(
        "%(carers)s may be raising %(children)s while caring for %(cared_for)s at the same time. "
        "Please confirm with the household."
    ) % {
        "carers": "、".join(m.describe() for m in carers),
        "children": "、".join(m.describe() for m in children),
        "cared_for": "、".join(m.describe() for m in cared_for),
    }
    ids = tuple(m.person_id for m in (*carers, *children, *cared_for))
    return PatternFinding("double_care", pattern_labels()["double_care"], reason, ids)


def detect_young_carer(members: Sequence[MemberFacts]) -> PatternFinding | None:
    """A member under 18 and a member who needs care, with no working-age adult free of care needs."""
    minors = [m for m in members if m.age is not None and m.age < ADULT_MIN_AGE and not m.needs_care]
    cared_for = [m for m in members if m.needs_care]
    able_adults = [
        m for m in members if m.age is not None and ADULT_MIN_AGE <= m.age <= WORKING_AGE_MAX and not m.needs_care
    ]
    if not minors or not cared_for or able_adults:
        return None
    reason = _(
        "%(minors)s may be looking after %(cared_for)s: no adult aged %(low)s to %(high)s without care needs "
        "lives in the household. This is a possibility for staff to confirm, not a finding."
    ) % {
        "minors": "、".join(m.describe() for m in minors),
        "cared_for": "、".join(m.describe() for m in cared_for),
        "low": ADULT_MIN_AGE,
        "high": WORKING_AGE_MAX,
    }
    ids = tuple(m.person_id for m in (*minors, *cared_for))
    return PatternFinding("young_carer", pattern_labels()["young_carer"], reason, ids)


def detect_multi_issue(
    categories: Iterable[str],
    policy: RoutingPolicy,
    *,
    category_labels: Mapping[str, str] | None = None,
    agency_labels: Mapping[str, str] | None = None,
) -> PatternFinding | None:
    """The household's categories belong to at least N distinct core agency types (routing.yaml)."""
    category_labels = category_labels or {}
    agency_labels = agency_labels or {}
    by_agency: dict[str, list[str]] = {}
    for code in sorted(set(categories)):
        agency_type, core = policy.category_agency.get(code, ("", False))
        if core:
            by_agency.setdefault(agency_type, []).append(code)
    if len(by_agency) < policy.multi_issue_min_core_agency_types:
        return None
    parts = []
    for agency, codes in sorted(by_agency.items()):
        names = "・".join(category_labels.get(code, code) for code in codes)
        parts.append(f"{agency_labels.get(agency, agency)}({names})")
    reason = _(
        "The issues recorded for this household belong to %(count)s different fields of support: %(fields)s."
    ) % {
        "count": len(by_agency),
        "fields": "、".join(parts),
    }
    return PatternFinding("multi_issue", pattern_labels()["multi_issue"], reason)


def detect_patterns(
    members: Sequence[MemberFacts],
    household_categories: Iterable[str],
    policy: RoutingPolicy,
    *,
    category_labels: Mapping[str, str] | None = None,
    agency_labels: Mapping[str, str] | None = None,
) -> list[PatternFinding]:
    """Every pattern that holds, in the taxonomy's order."""
    all_categories = set(household_categories)
    for member in members:
        all_categories |= member.categories
    findings = [
        detect_p8050(members),
        detect_double_care(members),
        detect_young_carer(members),
        detect_multi_issue(all_categories, policy, category_labels=category_labels, agency_labels=agency_labels),
    ]
    return [finding for finding in findings if finding is not None]


# --- what is missing for a pattern to be judged ---------------------------------

# Care insurance's first insured are 65 and over: their care level is worth asking when no one is known to need care.
CARE_LEVEL_ASKED_FROM_AGE = 65


@dataclass(frozen=True)
class MissingFacts:
    """The facts of one member that a pattern needs before it can be judged (nothing is concluded meanwhile)."""

    pattern: str
    pattern_label: str
    person_id: int
    name: str
    person: str  # the name with the relationship and age, as the reasons say it
    facts: tuple[str, ...]  # Person field names: birth_date, employment_status, care_level

    @property
    def fact_labels(self) -> list[str]:
        return [fact_labels()[fact] for fact in self.facts]

    @property
    def facts_text(self) -> str:
        return _(" and ").join(self.fact_labels)

    @property
    def message(self) -> str:
        return _("To judge %(pattern)s, the %(facts)s of %(person)s is needed.") % {
            "pattern": self.pattern_label,
            "facts": self.facts_text,
            "person": self.person,
        }


def fact_labels() -> dict[str, str]:
    return {
        "birth_date": _("date of birth"),
        "employment_status": _("work situation"),
        "care_level": _("care level (certification)"),
    }


def _missing_for_p8050(members: Sequence[MemberFacts]) -> dict[MemberFacts, set[str]]:
    """Parent–child pairs that known facts do not rule out, and what of them is still unknown."""
    needed: dict[MemberFacts, set[str]] = {}
    for parent, child in _parent_child_pairs(members):
        if parent.age is not None and parent.age < P8050_PARENT_MIN_AGE:
            continue
        if child.age is not None and child.age < P8050_CHILD_MIN_AGE:
            continue
        out_of_work = _is_withdrawn_or_out_of_work(child)
        if not out_of_work and child.employment_status != EmploymentStatus.UNKNOWN:
            continue  # recorded as working, retired, …: the pair cannot be 8050
        if parent.age is None:
            needed.setdefault(parent, set()).add("birth_date")
        if child.age is None:
            needed.setdefault(child, set()).add("birth_date")
        if not out_of_work:
            needed.setdefault(child, set()).add("employment_status")
    return needed


def _possibly_cared_for(members: Sequence[MemberFacts]) -> list[MemberFacts]:
    """Older members (or of unknown age) whose care level is not recorded at all."""
    return [
        m
        for m in members
        if not m.needs_care and m.care_level == "" and (m.age is None or m.age >= CARE_LEVEL_ASKED_FROM_AGE)
    ]


def _missing_for_care(
    members: Sequence[MemberFacts], *, youngest_max: int, no_able_adult: bool
) -> dict[MemberFacts, set[str]]:
    """Double care and young carer: someone young and someone cared for, where either is still unknown."""
    needed: dict[MemberFacts, set[str]] = {}
    unknown_age = [m for m in members if m.age is None]
    young = [m for m in members if m.age is not None and m.age <= youngest_max and not m.needs_care]
    cared_for = [m for m in members if m.needs_care]
    maybe_cared_for = [] if cared_for else _possibly_cared_for(members)
    if no_able_adult and any(
        m.age is not None and ADULT_MIN_AGE <= m.age <= WORKING_AGE_MAX and not m.needs_care for m in members
    ):
        return needed  # an adult of working age without care needs lives there: not a young carer
    # Someone young (or of unknown age) and someone else cared for (or who may be): what of them is unknown.
    for young_one in [*young, *unknown_age]:
        for cared in [*cared_for, *maybe_cared_for]:
            if cared is young_one:
                continue
            if young_one.age is None:
                needed.setdefault(young_one, set()).add("birth_date")
            if cared.age is None:
                needed.setdefault(cared, set()).add("birth_date")
            if cared in maybe_cared_for and young_one.age is not None:
                needed.setdefault(cared, set()).add("care_level")
    return needed
    for member in unknown_age:
        needed.setdefault(member, set()).add("birth_date")
    if young:
        for member in maybe_cared_for:
            needed.setdefault(member, set()).add("care_level")
    return needed


def missing_facts(members: Sequence[MemberFacts], found: Iterable[str] = ()) -> list[MissingFacts]:
    """Per pattern not found, the members' unknown facts that could make it hold (never about a found one).

    Unknown is blank: a care level of "not certified" or a recorded work situation is an answer.
    """
    found = set(found)
    labels = pattern_labels()
    by_pattern = {
        "p8050": _missing_for_p8050(members),
        "double_care": _missing_for_care(members, youngest_max=CHILD_MAX_AGE_DOUBLE_CARE, no_able_adult=False),
        "young_carer": _missing_for_care(members, youngest_max=ADULT_MIN_AGE - 1, no_able_adult=True),
    }
    order = list(fact_labels())
    result = []
    for code, needed in by_pattern.items():
        if code in found:
            continue
        for member in members:  # the household's order
            if member in needed:
                facts = tuple(sorted(needed[member], key=order.index))
                result.append(MissingFacts(code, labels[code], member.person_id, member.name, member.describe(), facts))
    return result


# --- from loaded records -------------------------------------------------------


def member_facts(
    memberships: Iterable[Any], categories_by_person: Mapping[int, set[str]], today: dt.date
) -> list[MemberFacts]:
    """Facts of current memberships whose ``person`` is already loaded."""
    facts = []
    for membership in memberships:
        person = membership.person
        facts.append(
            MemberFacts(
                person_id=person.pk,
                name=person.full_name,
                relationship=membership.relationship,
                age=age_on(person.birth_date, today) if person.birth_date else None,
                care_level=person.care_level,
                employment_status=person.employment_status,
                categories=frozenset(categories_by_person.get(person.pk, set())),
            )
        )
    return facts


def household_patterns(
    current_memberships: Sequence[Any], intakes: Iterable[Any], *, household_id: int | None, today: dt.date
) -> list[PatternFinding]:
    """Patterns of a household from its current memberships (person loaded) and intakes (categories prefetched)."""
    return household_judgement(current_memberships, intakes, household_id=household_id, today=today)[0]


def household_judgement(
    current_memberships: Sequence[Any], intakes: Iterable[Any], *, household_id: int | None, today: dt.date
) -> tuple[list[PatternFinding], list[MissingFacts]]:
    """The patterns that hold, and for the others what is missing to judge them (no query beyond the labels)."""
    from tsunagiai.reference.models import AgencyType

    member_ids = {m.person_id for m in current_memberships}
    categories_by_person: dict[int, set[str]] = {}
    household_categories: set[str] = set()
    category_labels: dict[str, str] = {}
    for intake in intakes:
        codes = set()
        for category in intake.categories.all():
            codes.add(category.code)
            category_labels[category.code] = category.label
        if intake.person_id in member_ids:
            categories_by_person.setdefault(intake.person_id, set()).update(codes)
        if household_id is not None and intake.household_id == household_id:
            household_categories |= codes
    policy = routing_policy()
    members = member_facts(current_memberships, categories_by_person, today)
    agency_labels: dict[str, str] = {}
    all_codes = (
        household_categories.union(*categories_by_person.values()) if categories_by_person else household_categories
    )
    if is_multi_issue(all_codes, policy=policy):
        agency_labels = dict(AgencyType.objects.values_list("code", "label"))
    findings = detect_patterns(
        members, household_categories, policy, category_labels=category_labels, agency_labels=agency_labels
    )
    return findings, missing_facts(members, found=[f.code for f in findings])
