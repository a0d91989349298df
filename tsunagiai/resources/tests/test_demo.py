"""Demo resources: in every branch area, reproducible from the seed, mutual-help groups findable, fast."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from tsunagiai.demo.resources import FIRST_MUTUAL_HELP_NOTE, generate_resources
from tsunagiai.reference.models import Area
from tsunagiai.resources.hsds_schema import errors_of
from tsunagiai.resources.models import Provider, Service


def _snapshot() -> list[tuple[Any, ...]]:
    return list(Service.objects.order_by("id").values_list("name", "provider__name", "hsds_id"))


@pytest.fixture
def toyota(db):
    call_command("load_reference", verbosity=0)
    assert Area.objects.filter(level=Area.Level.BRANCH_AREA).exists()


def test_small_scale_in_the_test_town_covers_every_branch_area(town) -> None:
    counts = generate_resources(seed=7, scale="small")
    assert counts["resources"] == Service.objects.count() > 0
    for branch in ("north_branch", "south_branch"):
        area = town.areas[branch]
        served = Service.objects.filter(service_areas__area__in=[area, *Area.objects.filter(parent__parent=area)])
        assert served.filter(service_types="mutual_help").exists() or served.exists()
    assert Service.objects.filter(is_internal=True).exists()
    # Mutual-help groups are informal providers the community app finds by service type.
    mutual = Service.objects.filter(service_types="mutual_help")
    assert mutual.exists() and not mutual.exclude(provider__kind=Provider.Kind.INFORMAL).exists()
    assert Service.objects.filter(description__contains=FIRST_MUTUAL_HELP_NOTE).count() == 1


def test_the_same_seed_gives_the_same_resources(town) -> None:
    generate_resources(seed=11, scale="small")
    first = _snapshot()
    generate_resources(seed=11, scale="small")
    assert [row[:2] for row in _snapshot()] == [row[:2] for row in first]
    assert [row[2] for row in _snapshot()] == [row[2] for row in first]
    generate_resources(seed=12, scale="small")
    assert [row[2] for row in _snapshot()] != [row[2] for row in first]


def test_demo_resources_are_valid_hsds(town, client) -> None:
    generate_resources(seed=3, scale="small")
    body = client.get("/api/hsds/services?per_page=200&full=true").json()
    assert body["total_items"] == Service.objects.filter(is_internal=False).count()
    for item in body["contents"]:
        assert list(errors_of("service", item, "service")) == []


def test_toyota_scale_makes_several_hundred_resources_quickly(toyota) -> None:
    started = time.perf_counter()
    counts = generate_resources(seed=1, scale="toyota")
    elapsed = time.perf_counter() - started
    assert 200 <= counts["resources"] <= 1000
    assert elapsed < 20
    branches = Area.objects.filter(level=Area.Level.BRANCH_AREA)
    for branch in branches:
        assert Service.objects.filter(service_areas__area=branch).exists(), branch.name
    assert Path(settings.BASE_DIR, "data", "reference").is_dir()
