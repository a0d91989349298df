"""Reads of people and households, always scoped by the access policy.

Every function starts from ``tsunagiai.accounts.access`` (what the user may
see) and states its joins explicitly, so that a list costs the same number of
queries whatever its length.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When, Window
from django.http import Http404
from django.utils import timezone

from tsunagiai.accounts import access
from tsunagiai.core import eras
from tsunagiai.people import fts, matching
from tsunagiai.people.models import Household, HouseholdMembership, Person, RelatedPerson

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

# Prefetched onto a Person: its current membership(s), with the household.
CURRENT_MEMBERSHIPS_ATTR = "current_memberships"


def parse_date_query(query: str) -> dt.date | None:
    """A birth date typed into the search box (``1950-04-01``, ``1950/4/1``, ``昭和25年4月1日``, ``S25.4.1``);
    None for a name, and for a day that never existed (``昭和65年1月1日``)."""
    return eras.parse_date(query)


def with_current_household(queryset: QuerySet[Person]) -> QuerySet[Person]:
    """People with their town block and their current household loaded (no query per row)."""
    return queryset.select_related("town_block", "town_block__branch_area").prefetch_related(
        Prefetch(
            "household_memberships",
            queryset=HouseholdMembership.objects.filter(ended_on__isnull=True).select_related("household"),
            to_attr=CURRENT_MEMBERSHIPS_ATTR,
        )
    )


def _contains(key: str, *, prefix: str = "") -> Q:
    """The name or the kana of the person (``prefix``: the path to a person) contains ``key``.

    On SQLite, for three characters or more, the ids come from the FTS5 trigram index
    (``people.fts``) instead of a ``LIKE '%key%'`` over every person: the same rows.
    """
    indexed = fts.contains(key, field=f"{prefix}id" if prefix else "pk")
    if indexed is not None:
        return indexed
    return Q(**{f"{prefix}search_name__contains": key}) | Q(**{f"{prefix}search_kana__contains": key})


def _name_filter(query: str) -> tuple[Q, str] | None:
    key = matching.normalise(query)
    if not key:
        return None
    condition = _contains(key)
    tokens = [matching.normalise(token) for token in query.split()]
    tokens = [token for token in tokens if token]
    if len(tokens) > 1:
        # "山田 はなこ": each word may match the name or the kana.
        every_token = Q()
        for token in tokens:
            every_token &= _contains(token)
        condition |= every_token
    return condition, key


def filter_people(queryset: QuerySet[Person], query: str) -> QuerySet[Person]:
    """People matching a search text, best match first (prefix before contains)."""
    query = (query or "").strip()[:100]
    if not query:
        return queryset.none()
    condition = Q(pk__in=[])
    rank = Case(default=Value(2), output_field=IntegerField())
    birth_date = parse_date_query(query)
    if birth_date is not None:
        condition |= Q(birth_date=birth_date)
        rank = Case(When(birth_date=birth_date, then=Value(0)), default=Value(2), output_field=IntegerField())
    name = _name_filter(query) if birth_date is None else None
    if name is not None:
        name_condition, key = name
        condition |= name_condition
        rank = Case(
            When(Q(search_name__startswith=key) | Q(search_kana__startswith=key), then=Value(0)),
            When(Q(search_name__contains=key) | Q(search_kana__contains=key), then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    return (
        queryset.filter(condition).annotate(match_rank=rank).order_by("match_rank", "search_kana", "search_name", "id")
    )


# What a list of names shows of a person (name, kana, birth date): an as-you-type search reads only these columns.
NAME_FIELDS = ("id", "family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date")


# What a row of the person search page shows: the name, the birth date, the town block and its branch area.
LISTED_FIELDS = (*NAME_FIELDS, "town_block__name", "town_block__branch_area__name")


def search_people(
    user: User, query: str, *, limit: int = 10, linkable_only: bool = False, names_only: bool = False
) -> list[Person]:
    """Visible people matching ``query`` (tolerant of kana/kanji, width, spaces, old forms), best first.

    ``linkable_only``: only people a new record may name (not those open through an emergency access alone).
    ``names_only``: the people with only ``NAME_FIELDS`` read and without their town block or household
    (an as-you-type list that shows names and birth dates: one query, narrow rows).
    """
    people = access.linkable_people(user) if linkable_only else access.visible_people(user)
    found = filter_people(people, query)
    found = found.only(*NAME_FIELDS) if names_only else with_current_household(found)
    return list(found[: max(limit, 0)])


def current_household(person: Person) -> Household | None:
    """The household the person currently lives in, from the prefetch when there is one."""
    memberships = getattr(person, CURRENT_MEMBERSHIPS_ATTR, None)
    if memberships is None:
        memberships = list(
            HouseholdMembership.objects.filter(person=person, ended_on__isnull=True).select_related("household")
        )
    return memberships[0].household if memberships else None


def household_to_return_to(user: User, person: Person, value: Any) -> Household | None:
    """The household page a person's form came from (``?household=``): only the person's current one, if visible."""
    try:
        household_id = int(value)
    except (TypeError, ValueError):
        return None
    if not 0 < household_id < 2**62:
        return None
    household = current_household(person)
    if household is None or household.pk != household_id:
        return None
    return access.visible_households(user, among=[household_id]).first()


def current_membership(person: Person) -> HouseholdMembership | None:
    memberships = getattr(person, CURRENT_MEMBERSHIPS_ATTR, None)
    if memberships is None:
        return (
            HouseholdMembership.objects.filter(person=person, ended_on__isnull=True).select_related("household").first()
        )
    return memberships[0] if memberships else None


def past_memberships(person: Person) -> list[HouseholdMembership]:
    """The households the person lived in before, latest first."""
    return list(
        HouseholdMembership.objects.filter(person=person, ended_on__isnull=False)
        .select_related("household")
        .order_by("-ended_on", "-id")
    )


def current_membership_of(household: Household, membership_id: int) -> HouseholdMembership:
    """A current membership of this household, or 404."""
    try:
        return HouseholdMembership.objects.select_related("person", "household").get(
            pk=int(membership_id), household=household, ended_on__isnull=True
        )
    except (HouseholdMembership.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


# --- lists -----------------------------------------------------------------

_TOTAL = "_page_total"
_MAX_PAGE = 1_000_000  # beyond: get_page's clamping to the last page, without an OFFSET that overflows


def total_with_the_page(user: User, query: str) -> bool:
    """Whether a people or household list should take its total with the page (``page_with_total``).

    Yes outside the coordination section, where the visibility UNION is the heavy part of
    every query, and for any search text, which has to read every match to rank it anyway.
    Not for the coordination section's unfiltered list: there the page is the first rows
    of an index in order, and ``COUNT(*) OVER ()`` would read all 60,000 people for it
    (PostgreSQL, toyota demo: 300 ms against 100 ms for a count and the page apart).
    """
    return bool((query or "").strip()) or not access.is_coordination(user)


def page_with_total(queryset: QuerySet[Any], number: Any, per_page: int, *, in_one_query: bool = True) -> Page[Any]:
    """``Paginator(queryset, per_page).get_page(number)`` with the list's conditions evaluated once.

    The page's keys come with ``COUNT(*) OVER ()``, the number of rows of the whole
    list, and the rows are then read by key: the list's conditions — for a user outside
    the coordination section the visibility ``pk IN (… UNION …)`` (accounts.access), the heaviest part of a person
    search — are evaluated once per request instead of once for the count and once for
    the page. Only a page past the end (no row to carry the total) falls back to
    ``get_page``: a count, then the last page; ``in_one_query=False`` is ``get_page``
    (see ``total_with_the_page``).
    """
    paginator: Paginator[Any] = Paginator(queryset, per_page)
    if not in_one_query:
        return paginator.get_page(number)
    try:
        wanted = int(number) if number is not None else 1
    except (TypeError, ValueError):
        wanted = 1
    if 1 <= wanted <= _MAX_PAGE:
        bottom = (wanted - 1) * per_page
        # Only the keys are counted and sorted: a window over the full rows made PostgreSQL sort every
        # match at full width (13,000 people for 鈴木 at 3x Toyota: 60 ms of a 100 ms query).
        counted = queryset.annotate(**{_TOTAL: Window(expression=Count("*"))}).values_list("pk", _TOTAL)
        keyed = list(counted[bottom : bottom + per_page])
        if keyed or wanted == 1:
            # Paginator.count is a cached property: give it the total the rows carry.
            paginator.__dict__["count"] = keyed[0][1] if keyed else 0
            return Page(_rows_in_order(queryset, [pk for pk, _total in keyed]), wanted, paginator)
    return paginator.get_page(number)


def _rows_in_order(queryset: QuerySet[Any], ids: list[Any]) -> list[Any]:
    """The rows ``ids`` with ``queryset``'s related rows, in the order of ``ids``, by primary key alone.

    The list's conditions (and the visibility UNION) were applied when the ids were chosen.
    """
    if not ids:
        return []
    rows = queryset.model._base_manager.filter(pk__in=ids)
    rows.query.select_related = queryset.query.select_related
    rows.query.deferred_loading = queryset.query.deferred_loading  # the columns chosen with only()/defer()
    lookups = queryset._prefetch_related_lookups  # type: ignore[attr-defined]
    by_pk = {row.pk: row for row in rows.prefetch_related(*lookups)}
    return [by_pk[pk] for pk in ids if pk in by_pk]


AGE_BANDS: dict[str, tuple[int | None, int | None]] = {
    "0-17": (0, 17),
    "18-39": (18, 39),
    "40-64": (40, 64),
    "65-74": (65, 74),
    "75+": (75, None),
}


def _birth_date_range(band: str, today: dt.date) -> Q:
    low, high = AGE_BANDS[band]
    condition = Q(birth_date__isnull=False)
    if low is not None:
        # Aged at least ``low``: born on or before today ``low`` years ago.
        condition &= Q(birth_date__lte=_years_before(today, low))
    if high is not None:
        # Aged at most ``high``: born after today ``high + 1`` years ago.
        condition &= Q(birth_date__gt=_years_before(today, high + 1))
    return condition


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _area_filter(prefix: str, area_id: int) -> Q:
    return (
        Q(**{f"{prefix}branch_area_id": area_id})
        | Q(**{f"{prefix}junior_high_district_id": area_id})
        | Q(**{f"{prefix}elementary_district_id": area_id})
        | Q(**{f"{prefix}neighbourhood_association_id": area_id})
    )


def person_list(
    user: User, *, query: str = "", area_id: int | None = None, age_band: str = "", today: dt.date | None = None
) -> QuerySet[Person]:
    """The person search page: visible people filtered by text, area and age band."""
    queryset = access.visible_people(user)
    if area_id is not None:
        queryset = queryset.filter(_area_filter("town_block__", area_id))
    if age_band in AGE_BANDS:
        queryset = queryset.filter(_birth_date_range(age_band, today or timezone.localdate()))
    if query.strip():
        queryset = filter_people(queryset, query)
    else:
        queryset = queryset.order_by("search_kana", "search_name", "id")
    return with_current_household(queryset)


def household_list(user: User, *, query: str = "", area_id: int | None = None) -> QuerySet[Household]:
    """The household list: visible households by name or member name, and area, with current members loaded."""
    queryset = access.visible_households(user)
    if area_id is not None:
        queryset = queryset.filter(_area_filter("town_block__", area_id))
    query = (query or "").strip()[:100]
    if query:
        key = matching.normalise(query)
        members = HouseholdMembership.objects.filter(ended_on__isnull=True).filter(_contains(key, prefix="person__"))
        queryset = queryset.filter(Q(name__icontains=query) | Q(pk__in=members.values("household_id")))
    return queryset.select_related("town_block", "town_block__branch_area").prefetch_related(
        Prefetch(
            "memberships",
            queryset=HouseholdMembership.objects.filter(ended_on__isnull=True).select_related("person"),
            to_attr="current_memberships",
        )
    )


# --- one household ---------------------------------------------------------


@dataclass
class HouseholdView:
    """Everything the household page shows, loaded in a fixed number of queries."""

    household: Household
    current_memberships: list[HouseholdMembership]
    past_memberships: list[HouseholdMembership]
    related_people: list[RelatedPerson]
    intakes: list[Any]
    organisations: list[Any]
    patterns: list[Any] = field(default_factory=list)
    # Per pattern not found, the members' facts still unknown that could make it hold (patterns.missing_facts).
    missing_facts: list[Any] = field(default_factory=list)


# The household page's address line: its town block and the block's areas (``access_household(select_related=…)``).
HOUSEHOLD_PLACE = (
    "town_block__branch_area",
    "town_block__elementary_district",
    "town_block__neighbourhood_association",
)


def household_memberships(household: Household) -> list[HouseholdMembership]:
    return list(
        HouseholdMembership.objects.filter(household=household)
        .select_related("person", "person__town_block")
        .order_by("ended_on", "started_on", "id")
    )


def intakes_about(user: User, *, person_ids: list[int], household_id: int | None = None) -> list[Any]:
    """Visible intakes about these people or this household, newest first, with their categories."""
    condition = Q(person_id__in=person_ids)
    if household_id is not None:
        condition |= Q(household_id=household_id)
    return list(
        access.visible_intakes(user)
        .filter(condition)
        .select_related("receiving_organisation", "urgency", "person")
        .prefetch_related("categories")
        .order_by("-received_at", "-id")
    )


def household_view(
    user: User,
    household: Household,
    *,
    today: dt.date | None = None,
    among_intakes: list[Any] | None = None,
    with_related: bool = True,
) -> HouseholdView:
    """The household page's view of ``household``.

    ``among_intakes``: visible intakes (as ``intakes_about`` loads them, newest first) already loaded by the
    caller, which include every visible intake about the household and its members; those about them are
    kept, without another query. ``with_related=False`` leaves ``related_people`` empty (a page that does
    not show them).
    """
    from tsunagiai.people.patterns import household_judgement

    memberships = household_memberships(household)
    current = [m for m in memberships if m.ended_on is None]
    past = sorted((m for m in memberships if m.ended_on is not None), key=lambda m: m.ended_on or dt.date.min)
    past.reverse()
    person_ids = sorted({m.person_id for m in memberships})
    if among_intakes is None:
        intakes = intakes_about(user, person_ids=person_ids, household_id=household.pk)
    else:
        about = set(person_ids)
        intakes = [i for i in among_intakes if i.person_id in about or i.household_id == household.pk]
    organisations: dict[int, Any] = {}
    for intake in intakes:
        organisations.setdefault(intake.receiving_organisation_id, intake.receiving_organisation)
    related = (
        list(
            RelatedPerson.objects.filter(person_id__in=[m.person_id for m in current])
            .select_related("person", "related_person")
            .order_by("person_id", "role", "id")
        )
        if with_related
        else []
    )
    patterns, missing = household_judgement(
        current, intakes, household_id=household.pk, today=today or timezone.localdate()
    )
    return HouseholdView(
        household=household,
        current_memberships=current,
        past_memberships=past,
        related_people=related,
        intakes=intakes,
        organisations=sorted(organisations.values(), key=lambda o: o.name),
        patterns=patterns,
        missing_facts=missing,
    )


def related_people_of(person: Person) -> list[RelatedPerson]:
    return list(person.related_people.select_related("related_person").order_by("role", "id"))


def intakes_about_person(user: User, person: Person) -> list[Any]:
    return list(
        access.visible_intakes(user)
        .filter(person=person)
        .select_related("receiving_organisation", "urgency")
        .prefetch_related("categories")
        .order_by("-received_at", "-id")
    )
