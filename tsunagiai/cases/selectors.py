"""Reading cases, scoped by the access policy, with their related rows loaded up front."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from tsunagiai.accounts import access
from tsunagiai.cases.models import Case, CaseStatusChange, LeadChange, LeadRequest, TeamMember
from tsunagiai.consent.selectors import people_without_consent
from tsunagiai.intake.models import Intake
from tsunagiai.people.models import HouseholdMembership, Person
from tsunagiai.reference.models import Area, Organisation
from tsunagiai.reference.routing import is_multi_issue

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

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


def case_list(user: User, filters: CaseFilters | None = None) -> QuerySet[Case]:
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


def case_detail(user: User, case_id: Any, *, for_edit: bool = False) -> Case:
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


def case_for_page(user: User, case_id: Any) -> Case:
    """One visible case with what the case page shows of its household and lead (``case_detail``, fewer joins),
    or 404 for missing and not-yours alike."""
    queryset = access.visible_cases(user).select_related(
        "household", "household__town_block", "household__town_block__branch_area", "lead_organisation"
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


def _own_fields(model: type[Any]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields]


def _org(relation: str, *more: str) -> list[str]:
    """An organisation's name (and ``more`` columns) through ``relation``: what a page shows of it."""
    return [f"{relation}__name", *(f"{relation}__{name}" for name in more)]


def _user(relation: str) -> list[str]:
    """What ``str(user)`` reads (``User.__str__``) through ``relation``."""
    return [f"{relation}__full_name", f"{relation}__username"]


def case_view(user: User, case: Case) -> CaseView:
    from tsunagiai.people.selectors import household_view

    # The page shows the organisations' and people's names only (and the consent check reads an
    # organisation's agency type): the related rows are loaded with those columns.
    members = list(
        TeamMember.objects.filter(case=case)
        .select_related("organisation", "user")
        .only(*_own_fields(TeamMember), *_org("organisation", "agency_type"), *_user("user"))
        .order_by("joined_at", "id")
    )
    lead_changes = list(
        LeadChange.objects.filter(case=case)
        .select_related("from_organisation", "to_organisation", "changed_by")
        .only(*_own_fields(LeadChange), *_org("from_organisation"), *_org("to_organisation"), *_user("changed_by"))
        .order_by("-changed_at", "-id")
    )
    status_changes = list(
        CaseStatusChange.objects.filter(case=case)
        .select_related("changed_by")
        .only(*_own_fields(CaseStatusChange), *_user("changed_by"))
        .order_by("-changed_at", "-id")
    )
    requests = list(
        LeadRequest.objects.filter(case=case)
        .select_related("organisation", "requested_by", "decided_by")
        .only(*_own_fields(LeadRequest), *_org("organisation"), *_user("requested_by"), *_user("decided_by"))
        .order_by("-requested_at", "-id")
    )
    # One query for the visible intakes of the case and those about its household and the household's members
    # (its household panel), marked by whether they belong to the case.
    # (A UNION of three indexed lookups: an OR of them would have the database scan every intake.)
    household_id = case.household_id
    member_ids = HouseholdMembership.objects.filter(household_id=household_id).values("person_id")
    candidates = (
        Case.intakes.through.objects.filter(case_id=case.pk)
        .values("intake_id")
        .union(
            Intake.objects.filter(person_id__in=member_ids).values("pk"),
            Intake.objects.filter(household_id=household_id).values("pk"),
        )
    )
    case_intakes = Case.intakes.through.objects.filter(case_id=case.pk, intake_id=OuterRef("pk"))
    loaded = list(
        access.visible_intakes(user)
        .filter(pk__in=candidates)
        .annotate(in_case=Exists(case_intakes))
        .select_related("receiving_organisation", "urgency", "person")
        .prefetch_related("categories")
        .order_by("-received_at", "-id")
    )
    from tsunagiai.cases.actions import allowed_transitions  # the status machine the actions enforce

    may_edit = access.may_edit_case(user, case, team=members)
    access.remember_team(case, members)
    overstay = case.lead_organisation.is_coordination_section and bool(
        coordination_overstays(cases=Case.objects.filter(pk=case.pk))
    )
    team = [m for m in members if m.left_at is None]
    household = household_view(user, case.household, among_intakes=loaded, with_related=False)
    # In the order consent_subjects reads them (Person's ordering), and by id for the page.
    focus_for_consent = list(case.focus_members.all())
    focus_members = sorted(focus_for_consent, key=lambda p: p.pk)
    return CaseView(
        case=case,
        household=household,
        focus_members=focus_members,
        intakes=[i for i in loaded if i.in_case],
        team=team,
        former_team=[m for m in members if m.left_at is not None],
        lead_changes=lead_changes,
        status_changes=status_changes,
        pending_lead_requests=[r for r in requests if r.status == LeadRequest.Status.PENDING],
        decided_lead_requests=[r for r in requests if r.status != LeadRequest.Status.PENDING],
        allowed_transitions=[(s, str(Case.Status(s).label)) for s in allowed_transitions(case.status)],
        may_edit=may_edit,
        may_decide_lead_requests=may_edit and access.may_decide_lead_requests(user, case),
        requesting_organisation=requesting_organisation(case, user, team=team) if may_edit else None,
        overstay_warning=overstay,
        without_basis=team_without_basis(
            case,
            team,
            subjects=lambda: focus_for_consent or _current_members(household.current_memberships),
        ),
    )


# --- opening a case ------------------------------------------------------------


@dataclass
class OpenCaseChoices:
    """What a case about ``household`` may be opened from, and whom it may focus on."""

    household: Any
    intakes: QuerySet[Any]
    members: QuerySet[Any]


def household_of_intake(user: User, intake: Any) -> Any:
    """The household an intake is about: its own, or the current household of its person (if visible)."""
    from tsunagiai.people.selectors import current_household

    household = intake.household
    if household is None and intake.person is not None:
        household = current_household(intake.person)
    if household is None:
        return None
    # Only a household seen without an emergency access: a case opened on it would outlive the grant.
    return access.linkable_households(user, among=[household.pk]).select_related("town_block").first()


def open_cases_for_intake(user: User, intake: Any) -> tuple[list[Case], bool]:
    """The open cases an intake is already part of that the user may see, and whether there are others."""
    found = list(open_cases_of_intakes([intake.pk]).select_related("lead_organisation"))
    visible_ids = set(access.visible_cases(user).filter(pk__in=[c.pk for c in found]).values_list("pk", flat=True))
    return [c for c in found if c.pk in visible_ids], any(c.pk not in visible_ids for c in found)


def open_case_choices(user: User, household: Any) -> OpenCaseChoices:
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
    members = access.linkable_people(user, among=current_ids).order_by("search_kana", "id")
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


# --- reads the actions share: whose consent a disclosure needs, the team's basis, the lead, the overstay ---


def open_cases_of_intakes(intake_ids: Iterable[int]) -> QuerySet[Case]:
    """The cases not yet closed that any of these intakes is part of."""
    return (
        Case.objects.filter(intakes__in=list(intake_ids)).exclude(status=Case.Status.CLOSED).distinct().order_by("id")
    )


def _category_codes(intakes: Iterable[Intake]) -> set[str]:
    return set(
        Intake.categories.through.objects.filter(intake__in=list(intakes)).values_list("issuecategory_id", flat=True)
    )


def derive_multi_issue(case: Case) -> bool:
    """multi_issue (routing.md §4) over the categories of every intake of the case."""
    return is_multi_issue(_category_codes(case.intakes.all()))


def consent_subjects(case: Case) -> list[Person]:
    """Whose consent a disclosure needs (a team member, a referral, a 重層的支援会議): the case's focus members,
    or else the household's current members (in the order they joined it)."""
    focus = list(case.focus_members.all())
    if focus:
        return focus
    return list(
        Person.objects.filter(
            household_memberships__household_id=case.household_id, household_memberships__ended_on__isnull=True
        ).order_by("household_memberships__started_on", "id")
    )


def _current_members(memberships: Iterable[Any]) -> list[Person]:
    """``consent_subjects`` of a case without focus members, from the household's current memberships as loaded
    (in the order it reads them: when they joined, then the person's id)."""
    return [m.person for m in sorted(memberships, key=lambda m: (m.started_on, m.person_id))]


def team_without_basis(
    case: Case, members: Sequence[TeamMember], *, subjects: Callable[[], list[Person]] | None = None
) -> list[tuple[TeamMember, list[Person]]]:
    """Current members whose basis is consent and whose consent is no longer in force (withdrawn, expired).

    The organisation stays on the team, but the case page warns and new
    disclosures (referrals, 重層的支援会議) are refused until a new consent or a
    legal basis is recorded (docs/consent.md). ``subjects``: the case's ``consent_subjects`` from what the
    caller has loaded.
    """
    on_consent = [m for m in members if m.left_at is None and m.basis == TeamMember.Basis.CONSENT]
    organisations = list({m.organisation_id: m.organisation for m in on_consent}.values())
    uncovered = people_without_consent(subjects() if subjects else consent_subjects(case), organisations)
    return [(m, uncovered[m.organisation_id]) for m in on_consent if m.organisation_id in uncovered]


def requesting_organisation(case: Case, user: User, *, team: Sequence[TeamMember] | None = None) -> Organisation | None:
    """The user's organisation that could ask to take the lead: on the team now, not the lead, may edit.

    ``team``: the case's current team as the caller loaded it (no query then).
    """
    edit_ids = access.organisation_ids(user, access.EDIT_ROLES)
    if team is not None:
        team_ids = {m.organisation_id for m in team if m.left_at is None and m.organisation_id in edit_ids}
    else:
        team_ids = set(
            TeamMember.objects.filter(case=case, left_at__isnull=True, organisation_id__in=edit_ids).values_list(
                "organisation_id", flat=True
            )
        )
    team_ids.discard(case.lead_organisation_id)
    for organisation in access.staff_organisations(user):
        if organisation.pk in team_ids:
            return organisation
    return None


def requesting_organisation_ok(case: Case, user: User, organisation: Organisation) -> bool:
    """Whether the user may ask for the lead on behalf of ``organisation`` (on the team, not the lead, may edit)."""
    edit_ids = access.organisation_ids(user, access.EDIT_ROLES)
    return (
        organisation.pk in edit_ids
        and organisation.pk != case.lead_organisation_id
        and TeamMember.objects.filter(case=case, organisation=organisation, left_at__isnull=True).exists()
    )


# Agency types that are not specialist agencies for the overstay rule.
NON_SPECIALIST_AGENCY_TYPES = frozenset({"coordination_section", "branch_office", "community_volunteer", "other"})


def overstay_days() -> int:
    """After how many days the coordination section is warned it still leads (``COORDINATION_OVERSTAY_DAYS``)."""
    return int(getattr(settings, "COORDINATION_OVERSTAY_DAYS", 30))


def overstaying(cases: QuerySet[Case], now: dt.datetime | None = None) -> QuerySet[Case]:
    """The open ``cases`` the coordination section has led for more than N days since a specialist agency joined.

    The clock starts at the later of: when the coordination section took the lead, and when the first
    specialist agency now on the team joined (annotated as ``since``). One rule for the warning sweep
    (``coordination_overstays``) and the dashboard's count (analytics.kpis).
    """
    now = now or timezone.now()
    return (
        cases.filter(lead_organisation__agency_type_id=access.COORDINATION_AGENCY_TYPE)
        .exclude(status=Case.Status.CLOSED)
        .annotate(
            specialist_joined=Min(
                "team_members__joined_at",
                filter=Q(team_members__left_at__isnull=True)
                & ~Q(team_members__organisation__agency_type_id__in=NON_SPECIALIST_AGENCY_TYPES),
            )
        )
        .filter(specialist_joined__isnull=False)
        .annotate(since=Greatest(F("specialist_joined"), Coalesce(F("lead_since"), F("opened_at"))))
        .filter(since__lt=now - dt.timedelta(days=overstay_days()))
    )


def coordination_overstays(
    now: dt.datetime | None = None, *, cases: QuerySet[Case] | None = None
) -> list[tuple[Case, dt.datetime]]:
    """The overstaying cases (``overstaying``) with the moment the clock started, oldest case first."""
    found = overstaying(cases if cases is not None else Case.objects.all(), now)
    ordered = found.select_related("lead_organisation").order_by("id")
    return [(case, case.since) for case in ordered]  # type: ignore[attr-defined]  # annotated by overstaying
