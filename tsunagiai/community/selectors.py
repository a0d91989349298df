"""Reads of the community app, on the querysets of ``tsunagiai.accounts.access``, in constant query counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tsunagiai.accounts import access
from tsunagiai.cases.models import Case
from tsunagiai.community import matching
from tsunagiai.community.models import DAY_PARTS, GroupMember, HelpRequest, Participation, Skill, Volunteer
from tsunagiai.consent.selectors import consent_covers
from tsunagiai.intake.models import Intake
from tsunagiai.people.models import HouseholdMembership, Language, Person
from tsunagiai.reference.models import Area, TownBlock
from tsunagiai.resources.models import Provider, Service

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

MUTUAL_HELP = "mutual_help"
MAX_MATCHES = 50


# --- participation support -------------------------------------------------------------


@dataclass
class ResourceSearch:
    person_id: int | None = None
    weekday: int | None = None
    service_type: str = ""
    cannot_travel: bool | None = None  # None: from the person's care level


@dataclass
class ResourceResult:
    case: Case
    people: list[Person]
    person: Person | None
    block: TownBlock | None
    profile: matching.PersonProfile | None
    matches: list[matching.Match] = field(default_factory=list)
    total: int = 0
    needs: list[str] = field(default_factory=list)  # the labels of the case's categories


def case_people(case: Case) -> list[Person]:
    """The case's focus members first, then the household's current members (2 queries)."""
    focus = list(case.focus_members.select_related("town_block").order_by("pk"))
    focus_ids = {p.pk for p in focus}
    members = [
        m.person
        for m in HouseholdMembership.objects.filter(household_id=case.household_id, ended_on__isnull=True)
        .select_related("person", "person__town_block")
        .order_by("pk")
        if m.person_id not in focus_ids
    ]
    return focus + members


def case_categories(case: Case) -> set[str]:
    """The issue categories of the case's intakes (one query)."""
    through = Intake.categories.through
    return set(
        through.objects.filter(intake__cases=case).values_list("issuecategory_id", flat=True)  # type: ignore[misc]
    )


def find_resources(user: User, case: Case, search: ResourceSearch, *, today: dt.date | None = None) -> ResourceResult:
    """Resources for one person of a case, ranked with reasons (about a dozen queries, whatever the directory size)."""
    today = today or timezone.localdate()
    people = case_people(case)
    person = next((p for p in people if p.pk == search.person_id), people[0] if people else None)
    if person is None:
        return ResourceResult(case=case, people=people, person=None, block=None, profile=None)
    block_id = person.town_block_id or case.household.town_block_id
    block = person.town_block if person.town_block_id else None
    if block is None and block_id:
        block = TownBlock.objects.get(pk=block_id)
    profile = matching.profile_of(person, block, case_categories(case), cannot_travel=search.cannot_travel, on=today)
    services = matching.candidate_services(profile, include_internal=access.is_staff_member(user))
    labels = matching.labels()
    ranked = matching.rank(
        services,
        profile,
        today=today,
        weekday=search.weekday,
        service_type=search.service_type,
        labels_=labels,
        language_names={code: str(label) for code, label in Language.choices},
    )
    return ResourceResult(
        case=case,
        people=people,
        person=person,
        block=block,
        profile=profile,
        matches=ranked[:MAX_MATCHES],
        total=len(ranked),
        needs=sorted(labels[0].get(code, code) for code in profile.categories),
    )


def participations_of_case(user: User, case: Case) -> list[Participation]:
    return list(
        access.visible_participations_of_case(user, case)
        .select_related("person", "service", "service__provider")
        # what the panel and the API show of them: the person's name, the service and its provider
        .only(
            *(f.name for f in Participation._meta.concrete_fields),
            "person__family_name",
            "person__given_name",
            "service__name",
            "service__provider__name",
        )
        .order_by("-proposed_on", "-id")
    )


def participations_of_household(user: User, household_id: int) -> list[Participation]:
    return list(
        access.visible_participations(user)
        .filter(case__household_id=household_id)
        .select_related("person", "service", "service__provider", "case")
        .order_by("-proposed_on", "-id")
    )


def proposable_services(user: User) -> QuerySet[Service]:
    queryset = Service.objects.filter(status=Service.Status.ACTIVE)
    if not access.is_staff_member(user):
        queryset = queryset.filter(is_internal=False)
    return queryset


# --- help requests ----------------------------------------------------------------------


@dataclass
class HelpFilters:
    status: str = ""
    group_id: int | None = None
    task: str = ""


def help_queue(user: User, filters: HelpFilters) -> QuerySet[HelpRequest]:
    """The help requests the user may see: a group's own queue, an organisation's requests, or all (社協)."""
    queryset = (
        access.visible_help_requests(user)
        .select_related("town_block", "town_block__elementary_district", "group", "requested_by_organisation")
        .prefetch_related("volunteers")
        .order_by("-requested_at", "-id")
    )
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.group_id:
        queryset = queryset.filter(group_id=filters.group_id)
    if filters.task:
        queryset = queryset.filter(task=filters.task)
    return queryset


def mutual_help_groups() -> QuerySet[Provider]:
    """Providers offering an active mutual-help service: the groups help requests go to."""
    offering = Service.objects.filter(status=Service.Status.ACTIVE, service_types__code=MUTUAL_HELP).values(
        "provider_id"
    )
    return Provider.objects.filter(active=True, pk__in=offering).order_by("kana", "name", "id")


def group_areas(groups: list[Provider]) -> dict[int, set[int]]:
    """Provider id → the areas its mutual-help services serve (one query)."""
    from tsunagiai.resources.models import ServiceArea

    result: dict[int, set[int]] = {g.pk: set() for g in groups}
    rows = ServiceArea.objects.filter(
        service__provider_id__in=result, service__service_types__code=MUTUAL_HELP
    ).values_list("service__provider_id", "area_id")
    for provider_id, area_id in rows:
        result[provider_id].add(area_id)
    return result


@dataclass
class GroupStats:
    group: Provider
    requested: int
    done: int
    could_not: int
    open: int
    members: int


def group_stats(user: User, date_from: dt.date, date_to: dt.date) -> list[GroupStats]:
    """Per group over a period: requests received, done, could not, still open; members during the period (3 queries).

    Group members see their own groups; the coordinating staff (社協, coordination) every group; other staff
    the groups their organisation sent requests to. Counts only, never a person.
    """
    groups_qs = mutual_help_groups()
    if not access.may_coordinate_help(user):
        own = access.help_group_ids(user)
        org_ids = access.organisation_ids(user)
        sent_to = HelpRequest.objects.filter(requested_by_organisation_id__in=org_ids).values("group_id")
        groups_qs = groups_qs.filter(Q(pk__in=own) | Q(pk__in=sent_to))
    groups = list(groups_qs)
    ids = [g.pk for g in groups]
    start = timezone.make_aware(dt.datetime.combine(date_from, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
    counts: dict[int, dict[str, Any]] = {
        row["group_id"]: dict(row)
        for row in HelpRequest.objects.filter(group_id__in=ids, requested_at__gte=start, requested_at__lt=end)
        .values("group_id")
        .annotate(
            requested=Count("pk"),
            done=Count("pk", filter=Q(status=HelpRequest.Status.DONE)),
            could_not=Count("pk", filter=Q(status=HelpRequest.Status.COULD_NOT)),
        )
    }
    members = dict(
        GroupMember.objects.filter(provider_id__in=ids, joined_on__lte=date_to)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=date_from))
        .values("provider_id")
        .annotate(n=Count("pk"))
        .values_list("provider_id", "n")
    )
    result = []
    for group in groups:
        row: dict[str, Any] = counts.get(group.pk, {})
        requested, done, could_not = row.get("requested", 0), row.get("done", 0), row.get("could_not", 0)
        result.append(
            GroupStats(
                group=group,
                requested=requested,
                done=done,
                could_not=could_not,
                open=requested - done - could_not,
                members=members.get(group.pk, 0),
            )
        )
    return result


# --- volunteers ----------------------------------------------------------------------------


def volunteer_list(user: User, *, skill: str = "", area_id: int | None = None) -> QuerySet[Volunteer]:
    queryset = (
        access.visible_volunteers(user)
        .select_related("centre")
        .prefetch_related("skills", "areas")
        .order_by("-active", "kana", "name", "id")
    )
    if skill:
        queryset = queryset.filter(skills__code=skill)
    if area_id:
        queryset = queryset.filter(areas__id=area_id)
    return queryset


@dataclass
class VolunteerSuggestion:
    volunteer: Volunteer
    score: int
    reasons: list[str]


def suggest_volunteers(help_request: HelpRequest, *, limit: int = 10) -> list[VolunteerSuggestion]:
    """Active volunteers for a request: skill for the task, same or nearby district, free that weekday (4 queries)."""
    from django.utils.translation import gettext as _

    block = help_request.town_block
    neighbours = matching.neighbour_elementary_ids(block)
    own = {block.neighbourhood_association_id, block.elementary_district_id}
    wider = {block.junior_high_district_id, block.branch_area_id}
    task_skills = set(Skill.objects.filter(task=help_request.task).values_list("code", flat=True))
    volunteers = list(
        Volunteer.objects.filter(active=True)
        .filter(Q(areas__in=[*own, *neighbours, *wider]) | Q(skills__code__in=task_skills))
        .distinct()
        .prefetch_related("skills", "areas")
        .order_by("pk")
    )
    weekday = help_request.preferred_date.weekday() if help_request.preferred_date else None
    part = DAY_PARTS.index(help_request.preferred_time) if help_request.preferred_time in DAY_PARTS else None
    suggestions = []
    for volunteer in volunteers:
        score, reasons = 0, []
        skills = {s.code: s.label for s in volunteer.skills.all()}
        matched = [label for code, label in skills.items() if code in task_skills]
        if matched:
            score += 40
            reasons.append(_("Skill: %(skill)s") % {"skill": "・".join(matched)})
        areas = {a.pk for a in volunteer.areas.all()}
        if areas & own:
            score += 30
            reasons.append(_("Same elementary district"))
        elif areas & neighbours:
            score += 20
            reasons.append(_("Neighbouring elementary district"))
        elif areas & wider:
            score += 10
            reasons.append(_("Same junior-high district"))
        if weekday is not None:
            if volunteer.available(weekday, part):
                score += 20
                reasons.append(_("Available that day"))
            else:
                score -= 20
                reasons.append(_("Not usually available that day"))
        if score > 0:
            suggestions.append(VolunteerSuggestion(volunteer=volunteer, score=score, reasons=reasons))
    suggestions.sort(key=lambda s: (-s.score, s.volunteer.kana, s.volunteer.pk))
    return suggestions[:limit]


def elementary_districts() -> QuerySet[Area]:
    return Area.objects.filter(level=Area.Level.ELEMENTARY_DISTRICT, active=True).order_by("sort_order", "code")


def group_members(group: Provider) -> list[GroupMember]:
    """A group's members, current first (one query)."""
    return list(
        GroupMember.objects.filter(provider=group).select_related("user").order_by("left_on", "joined_on", "pk")
    )


def is_mutual_help_group(provider: Provider) -> bool:
    return Service.objects.filter(
        provider=provider, status=Service.Status.ACTIVE, service_types__code=MUTUAL_HELP
    ).exists()


def identity_may_be_shared(person: Person, group: Provider) -> bool:
    """Whether the person's consent in force covers the group (its member organisation), for basic facts.

    A group that is not a member organisation of the directory cannot be named
    in a consent, so it only ever receives anonymous requests.
    """
    if group.organisation is None:
        return False
    return consent_covers(person, [group.organisation], information=["basic"]).ok
