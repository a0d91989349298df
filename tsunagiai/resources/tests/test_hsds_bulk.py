"""The API's page builder (``hsds.service_objs``: plain values, no prefetched model rows, issue 14) must emit
exactly what ``service_obj`` emits from ``service_queryset``'s prefetches — the export and single objects use that."""

from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest

from tsunagiai.resources import hsds
from tsunagiai.resources.models import Location, Provider, Schedule, Service, ServiceArea, ServiceAtLocation
from tsunagiai.resources.tests.helpers import make_resource


@pytest.fixture
def services(town):
    make_resource(town, "北町お助け隊", category="daily_living")
    second = make_resource(town, "南ふれあいサロン", side="south", service_type="salon", target_group="all_ages")
    second.target_groups.add("elderly")  # type: ignore[arg-type]
    second.categories.add("daily_living", "dementia")  # type: ignore[arg-type]
    elsewhere = Location.objects.create(provider=second.provider, name="あおば集会所", municipality="豊田市")
    ServiceAtLocation.objects.create(service=second, location=elsewhere, description="第2会場")
    ServiceArea.objects.create(service=second, area=town.areas["north_elementary"])
    Schedule.objects.create(service=second, freq="WEEKLY", byday="FR", opens_at=dt.time(13, 30), description="金曜午後")
    internal = make_resource(town, "緊急食料(職員経由)", service_type="food_support", is_internal=True)
    Service.objects.filter(pk=internal.pk).update(languages="ja, pt、en", offers_transport=True, is_free=True)
    bare = Provider.objects.create(name="なにもない会", kana="なにもないかい")
    Service.objects.create(provider=bare, name="部品のないサービス", contact_email="a@example.jp", minimum_age=70)
    return Service.objects.order_by("name", "id")


@pytest.mark.parametrize("staff", [False, True])
@pytest.mark.parametrize("with_organization", [False, True])
def test_service_objs_emit_what_service_obj_emits_from_the_prefetches(services, staff, with_organization) -> None:
    expected = [
        hsds.service_obj(s, with_organization=with_organization, include_internal_flag=staff)
        for s in hsds.service_queryset(services)
    ]
    rows = list(services.select_related("provider"))
    got = hsds.service_objs(rows, with_organization=with_organization, include_internal_flag=staff)
    assert len(expected) == 4
    assert got == expected
    nested = got[[s.name for s in rows].index("南ふれあいサロン")]
    assert len(nested["service_at_locations"]) == 2
    assert len(nested["schedules"]) == 3
    assert len([a for a in nested["attributes"] if "taxonomy_term" in a]) == 5


def test_service_objs_read_the_parts_of_a_whole_page_in_six_queries(services, django_assert_num_queries) -> None:
    rows = list(services.select_related("provider"))
    with django_assert_num_queries(6):
        hsds.service_objs(rows)
    with django_assert_num_queries(0):
        assert hsds.service_objs([]) == []


def test_derived_ids_are_the_standard_uuid5() -> None:
    chooser = random.Random(14)
    for _ in range(500):
        owner = uuid.UUID(int=chooser.getrandbits(128))
        name = "".join(chooser.choice("term:abc-日本é0") for _ in range(chooser.randint(0, 40)))
        assert hsds._derived(owner, name) == hsds._derived(str(owner), name) == str(uuid.uuid5(owner, name))
