"""Reads for support pages, built on the access policy, each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet

from tsunagiai.accounts import access
from tsunagiai.cases.models import Case
from tsunagiai.intake.models import Intake
from tsunagiai.people.models import Household, Person
from tsunagiai.support.models import (
    Assessment,
    Conference,
    ConferenceCase,
    ConferenceDecision,
    PlanAction,
    PlanRevision,
    SupportPlan,
    SupportRecord,
)

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User


def _actions_prefetch() -> Prefetch[Any]:
    return Prefetch(
        "actions",
        queryset=PlanAction.objects.select_related("owner_organisation", "owner_user").order_by("due_on", "key"),
    )


def current_revision(case: Case, *, with_plan: bool = True) -> PlanRevision | None:
    """The plan's latest revision with its actions and owners (2 queries).

    ``with_plan=False`` leaves the plan and the revision's author to load on access (the case page's panel
    shows neither).
    """
    revisions = PlanRevision.objects.filter(plan__case=case)
    if with_plan:
        revisions = revisions.select_related("plan", "created_by")
    return revisions.prefetch_related(_actions_prefetch()).order_by("-number").first()


def plan_revisions(case: Case) -> list[PlanRevision]:
    """Every revision of the case's plan, newest first, with actions (2 queries)."""
    return list(
        PlanRevision.objects.filter(plan__case=case)
        .select_related("plan", "created_by")
        .prefetch_related(_actions_prefetch())
        .order_by("-number")
    )


def plan_of(case: Case) -> SupportPlan | None:
    return SupportPlan.objects.filter(case=case).first()


def revision_pair(case: Case, old: int, new: int) -> tuple[PlanRevision, PlanRevision] | None:
    found = {
        r.number: r
        for r in PlanRevision.objects.filter(plan__case=case, number__in=[old, new]).prefetch_related(
            _actions_prefetch()
        )
    }
    if old not in found or new not in found:
        return None
    return found[old], found[new]


@dataclass
class ActionChange:
    key: int
    before: PlanAction | None
    after: PlanAction | None
    fields: list[str] = field(default_factory=list)


@dataclass
class RevisionComparison:
    old: PlanRevision
    new: PlanRevision
    goals_diff: list[tuple[str, str]]
    added: list[PlanAction]
    removed: list[PlanAction]
    changed: list[ActionChange]
    facts_changed: list[str]


COMPARED_ACTION_FIELDS = [
    "owner_kind",
    "owner_organisation_id",
    "owner_user_id",
    "owner_text",
    "what",
    "due_on",
    "status",
]


def compare_revisions(old: PlanRevision, new: PlanRevision) -> RevisionComparison:
    """What changed from ``old`` to ``new``: the goals line by line, and actions added, removed, changed."""
    lines: list[tuple[str, str]] = []
    for line in difflib.ndiff(old.goals.splitlines(), new.goals.splitlines()):
        tag, text = line[:1], line[2:]
        if tag == "?":
            continue
        lines.append(({"+": "added", "-": "removed"}.get(tag, "same"), text))
    before = {a.key: a for a in old.actions.all()}
    after = {a.key: a for a in new.actions.all()}
    changed = []
    for key in sorted(before.keys() & after.keys()):
        names = [n for n in COMPARED_ACTION_FIELDS if getattr(before[key], n) != getattr(after[key], n)]
        if names:
            changed.append(ActionChange(key=key, before=before[key], after=after[key], fields=names))
    facts = [
        name
        for name in ("review_on", "person_agreed", "agreed_on", "agreement_how")
        if getattr(old, name) != getattr(new, name)
    ]
    return RevisionComparison(
        old=old,
        new=new,
        goals_diff=lines,
        added=[after[k] for k in sorted(after.keys() - before.keys())],
        removed=[before[k] for k in sorted(before.keys() - after.keys())],
        changed=changed,
        facts_changed=facts,
    )


def assessments_of(case: Case) -> list[Assessment]:
    return list(Assessment.objects.filter(case=case).select_related("person", "updated_by"))


def latest_records(user: User, case: Case, *, limit: int = 5) -> list[SupportRecord]:
    return list(
        access.visible_support_records_of_case(user, case)
        .select_related("organisation")
        .only(*(f.name for f in SupportRecord._meta.concrete_fields), "organisation__name")  # the panel shows its name
        .order_by("-occurred_at", "-id")[:limit]
    )


@dataclass
class TimelineFilters:
    kind: str = ""
    case_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def household_records(user: User, household: Household, filters: TimelineFilters) -> QuerySet[SupportRecord]:
    """The household's support records the user may see, across all its cases, newest first."""
    queryset = (
        access.visible_support_records(user)
        .filter(household=household)
        .select_related(
            "organisation",
            "recorded_by",
            "case",
            "corrects",
            "correction",
            "correction__organisation",
            "correction__recorded_by",
        )
        .order_by("-occurred_at", "-id")
    )
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.case_id:
        queryset = queryset.filter(case_id=filters.case_id)
    if filters.date_from:
        queryset = queryset.filter(occurred_at__date__gte=filters.date_from)
    if filters.date_to:
        queryset = queryset.filter(occurred_at__date__lte=filters.date_to)
    return queryset


def correctable_records(user: User) -> QuerySet[SupportRecord]:
    """Records the user may correct: those they may see that their own organisation wrote (where they may
    edit records), or any they may see for the coordination section."""
    visible = access.visible_support_records(user)
    if access.is_coordination(user):
        return visible
    return visible.filter(organisation_id__in=access.organisation_ids(user, access.EDIT_ROLES))


def record_to_correct(user: User, record_id: Any) -> SupportRecord:
    """One record the user may correct, or 404 (exactly as for a record that does not exist)."""
    from django.http import Http404

    try:
        pk = int(record_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < 2**62:
        raise Http404
    found = (
        correctable_records(user)
        .select_related("household", "case", "organisation", "recorded_by", "correction")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def household_intakes(user: User, household: Household, filters: TimelineFilters) -> QuerySet[Intake]:
    """The household's intakes the user may see, shown read-only on the timeline."""
    queryset = (
        access.visible_intakes(user)
        .filter(household=household)
        .select_related("receiving_organisation", "channel")
        .order_by("-received_at", "-id")
    )
    if filters.date_from:
        queryset = queryset.filter(received_at__date__gte=filters.date_from)
    if filters.date_to:
        queryset = queryset.filter(received_at__date__lte=filters.date_to)
    return queryset


def household_cases(user: User, household: Household) -> list[Case]:
    return list(access.visible_cases(user).filter(household=household).order_by("-opened_at", "-id"))


def conference_list(user: User) -> QuerySet[Conference]:
    return (
        access.visible_conferences(user)
        .select_related("convened_by")
        .prefetch_related("participating_organisations")
        .order_by("-held_on", "-id")
    )


def conference_detail(user: User, conference_id: Any, *, for_edit: bool = False) -> Conference:
    conference = access.access_conference(user, conference_id, for_edit=for_edit)
    return conference


def agenda_of(conference: Conference) -> list[ConferenceCase]:
    return list(
        ConferenceCase.objects.filter(conference=conference)
        .select_related("case", "case__lead_organisation", "case__household")
        .order_by("id")
    )


def decisions_of(conference: Conference) -> list[ConferenceDecision]:
    return list(
        ConferenceDecision.objects.filter(conference=conference)
        .select_related("case", "target_organisation", "applied_by")
        .order_by("id")
    )


def assessment_subjects(case: Case) -> list[Person]:
    """The household's current members (the people an assessment may be about)."""
    return list(
        Person.objects.filter(
            household_memberships__household_id=case.household_id, household_memberships__ended_on__isnull=True
        ).order_by("household_memberships__started_on", "id")
    )


@dataclass(frozen=True)
class TeamStaff:
    """The staff of a case's team organisations, for the plan's owner picker: by organisation id, in name order."""

    names: dict[int, str]  # organisation id -> its name
    staff: dict[int, list[tuple[int, str]]]  # organisation id -> (user id, name) of its active staff


def team_staff(case: Case) -> TeamStaff:
    """The active staff of the organisations on the case's team now (one query)."""
    from tsunagiai.accounts.models import Membership
    from tsunagiai.cases.models import TeamMember

    org_ids = TeamMember.objects.filter(case=case, left_at__isnull=True).values("organisation_id")
    rows = (
        Membership.objects.filter(
            organisation_id__in=org_ids, active=True, user__is_active=True, role__in=access.STAFF_ROLES
        )
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__full_name", "user_id")
    )
    names: dict[int, str] = {}
    staff: dict[int, list[tuple[int, str]]] = {}
    for row in rows:
        names[row.organisation_id] = row.organisation.name
        people = staff.setdefault(row.organisation_id, [])
        if all(user_id != row.user_id for user_id, _name in people):
            people.append((row.user_id, str(row.user)))
    return TeamStaff(names=names, staff=staff)
