"""Reading cases, scoped by the access policy, with their related rows loaded up front."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from tsunagiai.accounts import access
from tsunagiai.cases.actions import (
    allowed_transitions,
    coordination_overstays,
    requesting_organisation,
    team_without_basis,
)
from tsunagiai.cases.models import Case, CaseStatusChange, LeadChange, LeadRequest, TeamMember
from tsunagiai.reference.models import Area, Organisation

FLAGS = ("multi_issue", "gap_case", "difficult")


@dataclass(frozen=True)
class CaseFilters:
    """What a case list may be narrowed by (page and API alike)."""

    status: str = ""
    lead_organisation: Organisation | None = None
    flag: str = ""
    area: Area | None = None


def _area_filter(area_id: int) -> Q:
    prefix = "household__town_block__"
    return (
        Q(**{f"{prefix}branch_area_id": area_id})
        | Q(**{f"{prefix}junior_high_district_id": area_id})
        | Q(**{f"{prefix}elementary_district_id": area_id})
        | Q(**{f"{prefix}neighbourhood_association_id": area_id})
    )


def case_list(user: Any, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """The cases the user may see, newest first, narrowed by ``filters``."""
    queryset = access.visible_cases(user)
    f = filters or CaseFilters()
    if f.status:
        queryset = queryset.filter(status=f.status)
    if f.lead_organisation is not None:
        queryset = queryset.filter(lead_organisation=f.lead_organisation)
    if f.flag == "multi_issue":
        queryset = queryset.filter(is_multi_issue=True)
    elif f.flag == "gap_case":
        queryset = queryset.filter(is_gap_case=True)
    elif f.flag == "difficult":
        queryset = queryset.filter(is_difficult=True)
    if f.area is not None:
        queryset = queryset.filter(_area_filter(f.area.pk))
    return queryset.select_related(
        "household", "household__town_block", "household__town_block__branch_area", "lead_organisation"
    ).order_by("-opened_at", "-id")


def case_detail(user: Any, case_id: Any, *, for_edit: bool = False) -> Case:
    """One case with its household and lead, or 404 for missing and not-yours alike."""
    queryset = (access.editable_cases(user) if for_edit else access.visible_cases(user)).select_related(
        "household",
        "household__town_block",
        "household__town_block__branch_area",
        "household__town_block__elementary_district",
        "household__town_block__neighbourhood_association",
        "lead_organisation",
        "lead_organisation__agency_type",
    )
    return access._get_or_404(queryset, case_id)


def lead_request_of(case: Case, request_id: Any) -> LeadRequest:
    """A lead request of this (already accessed) case, or 404."""
    return access._get_or_404(LeadRequest.objects.filter(case=case).select_related("organisation", "case"), request_id)


def team_member_of(case: Case, member_id: Any) -> TeamMember:
    """A current team member of this (already accessed) case, or 404."""
    return access._get_or_404(
        TeamMember.objects.filter(case=case, left_at__isnull=True).select_related("case", "organisation"), member_id
    )


@dataclass
class CaseView:
    """Everything the case page shows, loaded in a fixed number of queries."""

    case: Case
    household: Any
    focus_members: list[Any]
    intakes: list[Any]
    team: list[TeamMember]
    former_team: list[TeamMember]
    lead_changes: list[LeadChange]
    status_changes: list[CaseStatusChange]
    pending_lead_requests: list[LeadRequest]
    decided_lead_requests: list[LeadRequest]
    allowed_transitions: list[tuple[str, str]]
    may_edit: bool
    may_decide_lead_requests: bool
    requesting_organisation: Organisation | None
    overstay_warning: bool = False
    # Current members on the basis of consent whose consent is no longer in force, with the people concerned.
    without_basis: list[tuple[TeamMember, list[Any]]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def case_view(user: Any, case: Case) -> CaseView:
    from tsunagiai.people.selectors import household_view

    members = list(
        TeamMember.objects.filter(case=case)
        .select_related("organisation", "organisation__agency_type", "user")
        .order_by("joined_at", "id")
    )
    lead_changes = list(
        LeadChange.objects.filter(case=case)
        .select_related("from_organisation", "to_organisation", "changed_by")
        .order_by("-changed_at", "-id")
    )
    status_changes = list(
        CaseStatusChange.objects.filter(case=case).select_related("changed_by").order_by("-changed_at", "-id")
    )
    requests = list(
        LeadRequest.objects.filter(case=case)
        .select_related("organisation", "requested_by", "decided_by")
        .order_by("-requested_at", "-id")
    )
    intakes = list(
        access.visible_intakes(user)
        .filter(pk__in=case.intakes.values("pk"))
        .select_related("receiving_organisation", "urgency", "person")
        .prefetch_related("categories")
        .order_by("-received_at", "-id")
    )
    may_edit = access.editable_cases(user).filter(pk=case.pk).exists()
    overstay = case.lead_organisation.is_coordination_section and bool(
        coordination_overstays(cases=Case.objects.filter(pk=case.pk))
    )
    team = [m for m in members if m.left_at is None]
    return CaseView(
        case=case,
        household=household_view(user, case.household),
        focus_members=list(case.focus_members.order_by("id")),
        intakes=intakes,
        team=team,
        former_team=[m for m in members if m.left_at is not None],
        lead_changes=lead_changes,
        status_changes=status_changes,
        pending_lead_requests=[r for r in requests if r.status == LeadRequest.Status.PENDING],
        decided_lead_requests=[r for r in requests if r.status != LeadRequest.Status.PENDING],
        allowed_transitions=[(s, str(Case.Status(s).label)) for s in allowed_transitions(case.status)],
        may_edit=may_edit,
        may_decide_lead_requests=may_edit and access.may_decide_lead_requests(user, case),
        requesting_organisation=requesting_organisation(case, user) if may_edit else None,
        overstay_warning=overstay,
        without_basis=team_without_basis(case, team),
    )


# --- opening a case ------------------------------------------------------------


@dataclass
class OpenCaseChoices:
    """What a case about ``household`` may be opened from, and whom it may focus on."""

    household: Any
    intakes: QuerySet[Any]
    members: QuerySet[Any]


def household_of_intake(user: Any, intake: Any) -> Any:
    """The household an intake is about: its own, or the current household of its person (if visible)."""
    from tsunagiai.people.selectors import current_household

    household = intake.household
    if household is None and intake.person is not None:
        household = current_household(intake.person)
    if household is None:
        return None
    # Only a household seen without an emergency access: a case opened on it would outlive the grant.
    return access.linkable_households(user).filter(pk=household.pk).select_related("town_block").first()


def open_cases_for_intake(user: Any, intake: Any) -> tuple[list[Case], bool]:
    """The open cases an intake is already part of that the user may see, and whether there are others."""
    from tsunagiai.cases.actions import open_cases_of_intakes

    found = list(open_cases_of_intakes([intake.pk]).select_related("lead_organisation"))
    visible_ids = set(access.visible_cases(user).filter(pk__in=[c.pk for c in found]).values_list("pk", flat=True))
    return [c for c in found if c.pk in visible_ids], any(c.pk not in visible_ids for c in found)


def open_case_choices(user: Any, household: Any) -> OpenCaseChoices:
    from tsunagiai.people.models import HouseholdMembership

    member_ids = HouseholdMembership.objects.filter(household=household).values("person_id")
    current_ids = HouseholdMembership.objects.filter(household=household, ended_on__isnull=True).values("person_id")
    intakes = (
        access.visible_intakes(user)
        .filter(Q(household=household) | Q(person_id__in=member_ids))
        .select_related("receiving_organisation", "person", "urgency")
        .prefetch_related("categories")
        .order_by("-received_at", "-id")
    )
    members = access.linkable_people(user).filter(pk__in=current_ids).order_by("search_kana", "id")
    return OpenCaseChoices(household=household, intakes=intakes, members=members)


@dataclass(frozen=True)
class LeadSuggestion:
    """The routing policy's suggestion for the lead, and the organisations of that type serving the household."""

    agency_type: str
    agency_label: str
    agencies: list[str]
    organisations: list[Organisation]


def lead_suggestion(intakes: list[Any], household: Any) -> LeadSuggestion:
    from tsunagiai.reference import selectors as reference_selectors
    from tsunagiai.reference.models import AgencyType
    from tsunagiai.reference.routing import suggest

    categories = {c.code for intake in intakes for c in intake.categories.all()}
    urgency = "emergency" if any(i.urgency_id == "emergency" for i in intakes) else None
    suggestion = suggest(categories, urgency=urgency)
    labels = dict(AgencyType.objects.values_list("code", "label"))
    if household is not None and household.town_block is not None:
        organisations = list(
            reference_selectors.organisations_covering(household.town_block, agency_type=suggestion.lead)
        )
    else:
        organisations = list(Organisation.objects.filter(active=True, agency_type_id=suggestion.lead).order_by("code"))
    return LeadSuggestion(
        agency_type=suggestion.lead,
        agency_label=labels.get(suggestion.lead, suggestion.lead),
        agencies=[labels.get(a, a) for a in suggestion.agencies],
        organisations=organisations,
    )
