"""Participation support (参加支援): community resources for one person of a case, ranked, with reasons.

Everything the ranking needs is read in a fixed, small number of queries
(the case's people and needs, the person's districts, the candidate services
with their kinds, target groups, categories, areas and schedules) and the
score is computed in Python from that prefetched data: the number of queries
does not grow with the number of services, and one case answers in a few
milliseconds on the Toyota-scale demo (benchmarks/matching.py).

The rules, in the order the score weighs them (docs/community.md):

- **need**: a service that helps with one of the case's categories, directly
  (``Service.categories``) or through the kinds of service that support it
  (``CATEGORY_SERVICE_TYPES``, data below);
- **area**: the person's town block gives their neighbourhood association,
  elementary district, junior-high district and branch-office area; the
  *neighbouring* districts are the other elementary districts of the same
  junior-high district. A service without a service area serves the whole
  city; one whose areas do not reach the person is not a candidate;
- **target group**: from the person's age, certificates, public assistance
  and language (``person_target_groups``); a service for other groups only is
  not a candidate (``all_ages`` always matches), nor one outside its age limits;
- **mobility**: a person who cannot travel gets services with transport or
  visits first;
- **schedule**: the next opening is shown; an optional weekday filter keeps
  the services open on that day;
- **capacity**: a service with no place free is ranked last, with the reason.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tsunagiai.people.models import CareLevel, Person
from tsunagiai.reference.models import Area, IssueCategory, ResourceServiceType, TargetGroup, TownBlock
from tsunagiai.resources.models import Schedule, Service, ServiceArea

# Kinds of service that support a need (issue category code → service type codes). Data, not logic.
CATEGORY_SERVICE_TYPES: dict[str, tuple[str, ...]] = {
    "elderly_care": ("salon", "watching", "mutual_help"),
    "dementia": ("dementia_cafe", "watching"),
    "disability": ("active_role", "peer_support"),
    "mental_health": ("peer_support", "salon", "active_role"),
    "physical_health": ("salon",),
    "child_rearing": ("childrens_meal", "learning_support", "salon"),
    "financial_hardship": ("food_support", "childrens_meal"),
    "employment": ("active_role",),
    "social_isolation": ("salon", "active_role", "watching", "peer_support"),
    "self_neglect": ("mutual_help", "watching"),
    "family_relations": ("peer_support",),
    "daily_living": ("mutual_help",),
    "mobility_shopping": ("mobility",),
    "neighborhood": ("salon", "watching"),
    "disaster_safety": ("disaster_support", "watching"),
    "foreign_residents": ("salon", "learning_support"),
}

# Care levels at which a person is taken not to travel alone (unless the user says otherwise).
CANNOT_TRAVEL_CARE_LEVELS = frozenset({CareLevel.CARE_3, CareLevel.CARE_4, CareLevel.CARE_5})

# Kinds of service that come to the person's home (a visit), as transport brings them to it.
VISITING_SERVICE_TYPES = frozenset({"mutual_help", "watching"})

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
BYDAY = re.compile(r"^(?P<n>[+-]?\d)?(?P<day>MO|TU|WE|TH|FR|SA|SU)$")

SCORE_NEED_DIRECT = 40
SCORE_NEED_BY_TYPE = 20
SCORE_AREA = {"association": 35, "elementary": 30, "neighbour": 20, "junior_high": 15, "branch": 10, "city": 5}
SCORE_TARGET = 15
SCORE_ALL_AGES = 5
SCORE_TRANSPORT = 25
SCORE_LANGUAGE = 10
SCORE_SOON = 5
NO_PLACE_PENALTY = 1000


@dataclass(frozen=True)
class PersonProfile:
    """What the matching knows of the person: districts, groups, needs, language and mobility."""

    association_id: int | None
    elementary_id: int | None
    junior_high_id: int | None
    branch_id: int | None
    neighbour_ids: frozenset[int]
    target_groups: frozenset[str]
    categories: frozenset[str]
    age: int | None
    language: str
    cannot_travel: bool

    @property
    def area_ids(self) -> set[int]:
        own = {self.association_id, self.elementary_id, self.junior_high_id, self.branch_id}
        return {a for a in own if a is not None} | set(self.neighbour_ids)


@dataclass
class Match:
    service: Service
    score: int
    reasons: list[str]
    next_opening: tuple[dt.date, dt.time | None] | None
    no_place: bool = False
    reaches_home: bool = False  # transport offered, or the service visits
    ranked_last_because: list[str] = field(default_factory=list)


def person_target_groups(person: Person, categories: Iterable[str] = (), *, on: dt.date | None = None) -> set[str]:
    """The target groups a person belongs to (age, certificates, public assistance, language); all_ages always."""
    groups = {"all_ages"}
    age = person.age(on)
    if age is not None and age >= 65:
        groups.add("elderly")
    if age is not None and age < 18:
        groups.add("children")
    if person.has_disability_certificate:
        groups.add("disabled")
    cats = set(categories)
    if person.public_assistance or "financial_hardship" in cats:
        groups.add("low_income")
    if person.primary_language not in ("", "ja") or person.needs_interpreter:
        groups.add("foreign")
    if "child_rearing" in cats and (age is None or age >= 18):
        groups.add("parents")
    return groups


def cannot_travel_by_default(person: Person) -> bool:
    return person.care_level in CANNOT_TRAVEL_CARE_LEVELS


def neighbour_elementary_ids(block: TownBlock | None) -> frozenset[int]:
    """The other elementary districts of the same junior-high district (one query)."""
    if block is None:
        return frozenset()
    ids = Area.objects.filter(
        parent_id=block.junior_high_district_id, level=Area.Level.ELEMENTARY_DISTRICT, active=True
    ).values_list("pk", flat=True)
    return frozenset(i for i in ids if i != block.elementary_district_id)


def profile_of(
    person: Person,
    block: TownBlock | None,
    categories: Iterable[str],
    *,
    cannot_travel: bool | None = None,
    on: dt.date | None = None,
) -> PersonProfile:
    cats = frozenset(categories)
    return PersonProfile(
        association_id=block.neighbourhood_association_id if block else None,
        elementary_id=block.elementary_district_id if block else None,
        junior_high_id=block.junior_high_district_id if block else None,
        branch_id=block.branch_area_id if block else None,
        neighbour_ids=neighbour_elementary_ids(block),
        target_groups=frozenset(person_target_groups(person, cats, on=on)),
        categories=cats,
        age=person.age(on),
        language=person.primary_language or "ja",
        cannot_travel=cannot_travel_by_default(person) if cannot_travel is None else cannot_travel,
    )


def candidate_services(profile: PersonProfile, *, include_internal: bool) -> list[Service]:
    """Active services whose area reaches the person (or city-wide), with everything the score needs (7 queries)."""
    in_reach = ServiceArea.objects.filter(service=OuterRef("pk"), area_id__in=profile.area_ids)
    has_area = ServiceArea.objects.filter(service=OuterRef("pk"))
    queryset = Service.objects.filter(status=Service.Status.ACTIVE, provider__active=True).filter(
        Q(Exists(in_reach)) | ~Q(Exists(has_area))
    )
    if not include_internal:
        queryset = queryset.filter(is_internal=False)
    return list(
        queryset.select_related("provider")
        .prefetch_related("service_types", "target_groups", "categories", "service_areas", "schedules")
        .order_by("pk")
    )


def labels() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Labels of categories, service types and target groups (3 small queries)."""
    return (
        dict(IssueCategory.objects.values_list("code", "label")),
        dict(ResourceServiceType.objects.values_list("code", "label")),
        dict(TargetGroup.objects.values_list("code", "label")),
    )


# --- schedules ------------------------------------------------------------------


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date | None:
    days = [d for d in calendar.Calendar().itermonthdates(year, month) if d.month == month and d.weekday() == weekday]
    try:
        return days[n - 1] if n > 0 else days[n]
    except IndexError:
        return None


def schedule_days(schedule: Schedule) -> list[tuple[int | None, int]]:
    """(n, weekday) pairs of a schedule's BYDAY; n is None for every week."""
    result = []
    for part in (schedule.byday or "").upper().replace(" ", "").split(","):
        found = BYDAY.match(part)
        if found:
            n = int(found["n"]) if found["n"] else None
            result.append((n, WEEKDAY_CODES.index(found["day"])))
    return result


def next_opening(schedules: Iterable[Schedule], today: dt.date) -> tuple[dt.date, dt.time | None] | None:
    """The next day (today or later, within about two months) a service opens, with its opening time."""
    best: tuple[dt.date, dt.time | None] | None = None
    for schedule in schedules:
        for n, weekday in schedule_days(schedule):
            candidates: list[dt.date] = []
            if schedule.freq == Schedule.Frequency.MONTHLY and n is not None:
                year, month = today.year, today.month
                for _i in range(3):
                    day = _nth_weekday(year, month, weekday, n)
                    if day is not None and day >= today:
                        candidates.append(day)
                        break
                    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            else:
                candidates.append(today + dt.timedelta(days=(weekday - today.weekday()) % 7))
            for day in candidates:
                if best is None or day < best[0]:
                    best = (day, schedule.opens_at)
    return best


def opens_on_weekday(schedules: Iterable[Schedule], weekday: int) -> bool:
    return any(day == weekday for schedule in schedules for _n, day in schedule_days(schedule))


# --- scoring --------------------------------------------------------------------


def score_service(
    service: Service,
    profile: PersonProfile,
    *,
    today: dt.date,
    category_labels: dict[str, str],
    type_labels: dict[str, str],
    group_labels: dict[str, str],
    language_names: dict[str, str],
) -> Match | None:
    """The score and reasons of one service for the person, or None when it is not for them."""
    # Target group and age limits: not a candidate when the person is outside them.
    groups = {g.code for g in service.target_groups.all()}
    reasons: list[str] = []
    score = 0
    if profile.age is not None and (
        (service.minimum_age is not None and profile.age < service.minimum_age)
        or (service.maximum_age is not None and profile.age > service.maximum_age)
    ):
        return None
    if groups:
        shared = sorted((groups & profile.target_groups) - {"all_ages"})
        if shared:
            score += SCORE_TARGET
            reasons.append(_("For %(group)s") % {"group": "・".join(group_labels.get(g, g) for g in shared)})
        elif "all_ages" in groups:
            score += SCORE_ALL_AGES
            reasons.append(_("For all ages"))
        else:
            return None

    # Need: direct categories first, then through the kinds of service.
    direct = sorted({c.code for c in service.categories.all()} & profile.categories)
    for code in direct:
        score += SCORE_NEED_DIRECT
        reasons.insert(0, _("Helps with %(category)s") % {"category": category_labels.get(code, code)})
    types = {t.code for t in service.service_types.all()}
    by_type = sorted(
        code for code in profile.categories - set(direct) if types & set(CATEGORY_SERVICE_TYPES.get(code, ()))
    )
    for code in by_type:
        score += SCORE_NEED_BY_TYPE
        kind = next(t for t in sorted(types) if t in CATEGORY_SERVICE_TYPES.get(code, ()))
        reasons.append(
            _("%(kind)s for %(category)s")
            % {"kind": type_labels.get(kind, kind), "category": category_labels.get(code, code)}
        )

    # Area.
    area_ids = {a.area_id for a in service.service_areas.all()}
    if not area_ids:
        area = "city"
    elif profile.association_id in area_ids:
        area = "association"
    elif profile.elementary_id in area_ids:
        area = "elementary"
    elif area_ids & profile.neighbour_ids:
        area = "neighbour"
    elif profile.junior_high_id in area_ids:
        area = "junior_high"
    elif profile.branch_id in area_ids:
        area = "branch"
    else:
        return None
    score += SCORE_AREA[area]
    reasons.append(str(AREA_REASONS[area]))

    # Mobility (a person who cannot travel: these come first, see ``rank``) and language.
    visits = bool(types & VISITING_SERVICE_TYPES)
    if service.offers_transport or visits:
        if profile.cannot_travel:
            score += SCORE_TRANSPORT
        reasons.append(_("Transport or visits") if service.offers_transport else _("Visits at home"))
    if profile.language != "ja":
        offered = {code.strip() for code in (service.languages or "").split(",") if code.strip()}
        if profile.language in offered:
            score += SCORE_LANGUAGE
            reasons.append(_("In %(language)s") % {"language": language_names.get(profile.language, profile.language)})

    # Schedule.
    schedules = list(service.schedules.all())
    opening = next_opening(schedules, today)
    if opening is not None and (opening[0] - today).days < 7:
        score += SCORE_SOON

    # Capacity: no place free → last, with the reason.
    no_place = service.places_free == 0
    if no_place:
        score -= NO_PLACE_PENALTY
        reasons.append(_("No place free"))
    elif service.places_free:
        reasons.append(_("%(count)s places free") % {"count": service.places_free})
    return Match(
        service=service,
        score=score,
        reasons=reasons,
        next_opening=opening,
        no_place=no_place,
        reaches_home=service.offers_transport or visits,
    )


AREA_REASONS = {
    "association": gettext_lazy("Same neighbourhood association"),
    "elementary": gettext_lazy("Same elementary district"),
    "neighbour": gettext_lazy("Neighbouring elementary district"),
    "junior_high": gettext_lazy("Same junior-high district"),
    "branch": gettext_lazy("Same branch-office area"),
    "city": gettext_lazy("Whole city"),
}


def rank(
    services: Iterable[Service],
    profile: PersonProfile,
    *,
    today: dt.date,
    weekday: int | None = None,
    service_type: str = "",
    labels_: tuple[dict[str, str], dict[str, str], dict[str, str]] | None = None,
    language_names: dict[str, str] | None = None,
) -> list[Match]:
    """Score every candidate, keep those for the person, best first (ties by name).

    Those with no place free come last; for a person who cannot travel, those with transport or
    visits come before the others.
    """
    category_labels, type_labels, group_labels = labels_ if labels_ is not None else ({}, {}, {})
    matches: list[Match] = []
    for service in services:
        if weekday is not None and not opens_on_weekday(service.schedules.all(), weekday):
            continue
        if service_type and service_type not in {t.code for t in service.service_types.all()}:
            continue
        match = score_service(
            service,
            profile,
            today=today,
            category_labels=category_labels,
            type_labels=type_labels,
            group_labels=group_labels,
            language_names=language_names or {},
        )
        if match is not None:
            matches.append(match)
    # No place free: last. A person who cannot travel: what reaches them (transport, visits) first.
    matches.sort(
        key=lambda m: (m.no_place, profile.cannot_travel and not m.reaches_home, -m.score, m.service.name, m.service.pk)
    )
    return matches
