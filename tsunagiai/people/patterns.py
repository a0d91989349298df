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
    return detect_patterns(
        members, household_categories, policy, category_labels=category_labels, agency_labels=agency_labels
    )
