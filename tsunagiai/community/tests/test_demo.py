"""The demo's participation and mutual-help rows: in every district, reproducible, the seed's first group."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from tsunagiai.accounts.models import User
from tsunagiai.community.models import GroupMember, HelpRequest, Participation, Volunteer
from tsunagiai.community.selectors import group_stats
from tsunagiai.demo.community import FIRST_GROUP_DONE, FIRST_GROUP_MEMBERS, GROUP_LOGIN
from tsunagiai.reference.models import Area
from tsunagiai.resources.models import Service

pytestmark = pytest.mark.django_db
TINY = ("--people", "60", "--intakes", "50")


def run(*args: str) -> None:
    call_command("demo_data", *args, stdout=io.StringIO())


def snapshot() -> tuple[list[Any], list[Any], list[Any]]:
    return (
        list(HelpRequest.objects.order_by("pk").values_list("task", "town_block_id", "status", "group__name")),
        list(Volunteer.objects.order_by("pk").values_list("name", "availability")),
        list(GroupMember.objects.order_by("pk").values_list("name", "joined_on")),
    )


def test_help_requests_in_every_district_and_the_seeds_first_group(town: Any) -> None:
    run(*TINY)
    branches = set(Area.objects.filter(level=Area.Level.BRANCH_AREA).values_list("pk", flat=True))
    assert set(HelpRequest.objects.values_list("town_block__branch_area_id", flat=True)) == branches
    leader = User.objects.get(username=GROUP_LOGIN)
    assert not leader.memberships.exists()  # a group member holds no staff role
    today = timezone.localdate()
    (first,) = group_stats(leader, today - dt.timedelta(days=274), today)
    assert (first.done, first.members) == (FIRST_GROUP_DONE, FIRST_GROUP_MEMBERS)
    assert Volunteer.objects.exists()
    # Every group is a provider of an active mutual-help service (the resources demo's, never a duplicate).
    groups = set(HelpRequest.objects.values_list("group_id", flat=True))
    offering = set(
        Service.objects.filter(service_types__code="mutual_help", status="active").values_list("provider_id", flat=True)
    )
    assert groups <= offering


def test_the_same_seed_gives_the_same_community_rows(town: Any) -> None:
    run(*TINY, "--seed", "7")
    first = snapshot()
    run(*TINY, "--seed", "7", "--force")
    assert snapshot() == first
    run(*TINY, "--seed", "8", "--force")
    assert snapshot() != first


def test_participations_are_on_demo_cases_with_dates_in_order(town: Any) -> None:
    run("--people", "300", "--intakes", "200")
    today = timezone.localdate()
    assert Participation.objects.exists()
    for p in Participation.objects.all():
        assert p.proposed_on <= today
        assert p.tried_on is None or p.proposed_on <= p.tried_on <= today
        assert p.stopped_on is None or (p.tried_on is not None and p.tried_on <= p.stopped_on <= today)
        assert (p.status == "stopped") == bool(p.stop_reason)
