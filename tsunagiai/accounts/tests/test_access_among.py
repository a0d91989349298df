"""``among``: the per-record visibility answers exactly what the whole visibility set answers.

One record's page (and a handful of names on the inbox) asks the access policy about a few ids with
``visible_people(user, among=ids)`` and friends, which narrow every part of the visibility UNION to those
candidates (docs/performance.md). That must never change who sees what: for every user of the demo and every
person and household — with an emergency access, a suspended person and ended memberships in the data — the
narrowed answer, id by id and for all ids at once, equals membership in the full set.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from tsunagiai.accounts import access
from tsunagiai.accounts.models import User
from tsunagiai.emergency.models import EmergencyAccess
from tsunagiai.people.models import Household, HouseholdMembership, Person
from tsunagiai.testing import Town

PEOPLE: dict[str, Callable[..., QuerySet[Any]]] = {
    "visible_people": access.visible_people,
    "editable_people": access.editable_people,
    "linkable_people": access.linkable_people,
}
HOUSEHOLDS: dict[str, Callable[..., QuerySet[Any]]] = {
    "visible_households": access.visible_households,
    "editable_households": access.editable_households,
    "linkable_households": access.linkable_households,
}


@pytest.fixture
def demo(town: Town) -> Town:
    call_command("demo_data", "--people", "40", "--intakes", "30", stdout=io.StringIO())
    now = timezone.now()
    north = town.users["caseworker_north"]
    # An emergency access to someone the north branch does not otherwise know, a suspended person, and a
    # membership that ended (the person moved out): the cases where a narrowed query could go wrong.
    stranger = Person.objects.exclude(pk__in=access.visible_people(north).values("pk")).order_by("pk").first()
    household = Household.objects.exclude(pk__in=access.visible_households(north).values("pk")).order_by("pk").first()
    assert stranger is not None and household is not None
    for target in ({"person": stranger}, {"household": household}):
        EmergencyAccess.objects.create(
            user=north, reason="救急搬送", started_at=now, expires_at=now + dt.timedelta(hours=1), **target
        )
    Person.objects.filter(pk=Person.objects.order_by("-pk").values("pk")[:1]).update(use_suspended=True)
    moved = HouseholdMembership.objects.filter(ended_on__isnull=True).order_by("pk").first()
    assert moved is not None
    HouseholdMembership.objects.filter(pk=moved.pk).update(ended_on=timezone.localdate())
    return town


# One of each kind of view: a branch office (with the emergency access), another branch office, a 地域包括,
# the CSW, reception, a volunteer, the coordination section, and the demo's own branch and 包括 logins.
USERNAMES = (
    "caseworker_north",
    "caseworker_south",
    "elderly_worker",
    "csw_worker",
    "intake_north",
    "volunteer",
    "coordinator",
    "branch",
    "elderly-center",
    "csw",
)


def _users() -> list[User]:
    return list(User.objects.filter(is_active=True, username__in=USERNAMES).order_by("username"))


@pytest.mark.django_db
def test_narrowed_visibility_equals_the_whole_set(demo: Town) -> None:
    # One test, one demo: building the demo is the slow part.
    every: dict[type, list[int]] = {
        Person: list(Person.objects.values_list("pk", flat=True)),
        Household: list(Household.objects.values_list("pk", flat=True)),
    }
    partial: set[str] = set()
    special = {model: set(ids) for model, ids in demo_special_ids().items()}
    suspended_member_seen = False
    for user in _users():
        access.forget_memberships(user)
        for name, rule in {**PEOPLE, **HOUSEHOLDS}.items():
            every_id = every[Person if name in PEOPLE else Household]
            whole = set(rule(user).values_list("pk", flat=True))
            if 0 < len(whole) < len(every_id):
                partial.add(name)
            assert set(rule(user, among=every_id).values_list("pk", flat=True)) == whole, (name, user.username)
            for pk in _sample(every_id, whole, special[Person if name in PEOPLE else Household]):
                assert rule(user, among=[pk]).exists() == (pk in whole), (name, user.username, pk)
        # The record pages' own entry points: 404 exactly where the lists leave the record out.
        people = set(access.visible_people(user).values_list("pk", flat=True))
        households = set(access.visible_households(user).values_list("pk", flat=True))
        for pk in _sample(every[Person], people, special[Person]):
            assert _opens(access.access_person, user, pk) == (pk in people), (user.username, pk)
        for pk in _sample(every[Household], households, special[Household]):
            assert _opens(access.access_household, user, pk) == (pk in households), (user.username, pk)
        # The household page asks both questions at once (one UNION for a branch office): the same answers.
        editable = set(access.editable_households(user).values_list("pk", flat=True))
        for pk in _sample(every[Household], households, special[Household]):
            expected = (pk in households, pk in editable) if pk in households else (False, None)
            assert _opened_and_editable(user, pk) == expected, (user.username, pk)
        suspended_member_seen |= _assert_editable_members_without_a_query(user)
    # Some user must see part of the data for every rule, or the comparison would prove nothing.
    assert partial == set(PEOPLE) | set(HOUSEHOLDS)
    # The shortcut was compared where it matters: a suspended current member of a household someone may edit.
    assert suspended_member_seen


def _opened_and_editable(user: User, pk: int) -> tuple[bool, bool | None]:
    """Whether ``access_household_and_may_edit`` opens the household, and its answer to "may edit"."""
    try:
        household, may_edit = access.access_household_and_may_edit(user, pk)
    except Http404:
        return False, None
    assert household.pk == pk
    return True, may_edit


def _assert_editable_members_without_a_query(user: User) -> bool:
    """The household page's shortcut (``editable_current_members``) answers what ``editable_people`` answers
    for the current members of every household the user may edit; True if one of them is suspended."""
    editable = access.editable_households(user).values_list("pk", flat=True)
    memberships = HouseholdMembership.objects.filter(household_id__in=editable, ended_on__isnull=True)
    members: dict[int, list[Person]] = {}
    for membership in memberships.select_related("person"):
        members.setdefault(membership.household_id, []).append(membership.person)
    for people in members.values():
        expected = set(access.editable_people(user, among=[p.pk for p in people]).values_list("pk", flat=True))
        assert access.editable_current_members(user, people) == expected, user.username
    return any(person.use_suspended for people in members.values() for person in people)


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["abc", "-1", "0", str(2**63), "1e3", None, "99999999", 2**70])
def test_a_malformed_or_unknown_key_is_not_found(town: Town, key: Any) -> None:
    with pytest.raises(Http404):
        access.access_person(town.users["coordinator"], key)
    with pytest.raises(Http404):
        access.access_household(town.users["caseworker_north"], key)
    with pytest.raises(Http404):
        access.access_household_and_may_edit(town.users["caseworker_north"], key)


def demo_special_ids() -> dict[type, list[int]]:
    """The records the fixture made tricky: emergency targets, the suspended person, the moved person's homes."""
    grants = EmergencyAccess.objects.all()
    moved = HouseholdMembership.objects.filter(ended_on__isnull=False)
    return {
        Person: [
            *grants.exclude(person=None).values_list("person_id", flat=True),
            *Person.objects.filter(use_suspended=True).values_list("pk", flat=True),
            *moved.values_list("person_id", flat=True),
        ],
        Household: [
            *grants.exclude(household=None).values_list("household_id", flat=True),
            *moved.values_list("household_id", flat=True),
        ],
    }


def _sample(every_id: list[int], seen: set[int], special: set[int]) -> list[int]:
    """Ids to ask about one by one: the tricky ones, and a spread of seen and unseen ones (all of them at
    once are compared above). Deterministic: every ``n``-th of each side, about 4 of each."""
    shown = sorted(seen)
    hidden = sorted(set(every_id) - seen)
    return sorted(special | set(shown[:: max(1, len(shown) // 4)]) | set(hidden[:: max(1, len(hidden) // 4)]))


def _opens(open_record: Callable[[User, int], object], user: User, pk: int) -> bool:
    try:
        open_record(user, pk)
    except Http404:
        return False
    return True


@pytest.mark.django_db
def test_an_id_no_database_can_hold_is_no_record(town: Town) -> None:
    # Ids from forms reach ``among`` as any int; past 64 bits SQLite raised OverflowError (a 500).
    for username in ("coordinator", "caseworker_north"):
        user = town.users[username]
        for rule in (*PEOPLE.values(), *HOUSEHOLDS.values()):
            assert not rule(user, among=[2**70, -5, 0]).exists()
