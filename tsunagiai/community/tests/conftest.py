"""A small directory of community resources around the test town, and a case of an elderly person in the north."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone

from tsunagiai.accounts.models import User
from tsunagiai.cases.actions import do_open_case
from tsunagiai.cases.models import Case
from tsunagiai.community.actions import do_add_group_member
from tsunagiai.community.models import GroupMember
from tsunagiai.intake.models import Intake
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.people.actions import do_create_household
from tsunagiai.people.models import Person
from tsunagiai.reference.models import Area, IssueCategory, Organisation, ResourceServiceType, TargetGroup
from tsunagiai.resources.models import Provider, Schedule, Service, ServiceArea
from tsunagiai.testing import PASSWORD, Town


@dataclass
class World:
    town: Town
    person: Person
    case: Case
    intake: Intake
    neighbour: Area
    services: dict[str, Service] = field(default_factory=dict)
    group: Provider | None = None
    group_org: Organisation | None = None
    member_user: User = field(init=False)  # set by the world fixture, after the group exists
    other_group: Provider | None = None


def make_service(
    name: str,
    *,
    types: tuple[str, ...] = (),
    groups: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
    areas: tuple[Area, ...] = (),
    provider: Provider | None = None,
    byday: str = "",
    freq: str = "WEEKLY",
    opens_at: dt.time | None = dt.time(10, 0),
    **fields: Any,
) -> Service:
    provider = provider or Provider.objects.create(name=f"{name}の会")
    service = Service.objects.create(provider=provider, name=name, **fields)
    service.service_types.set(ResourceServiceType.objects.filter(code__in=types))
    service.target_groups.set(TargetGroup.objects.filter(code__in=groups))
    service.categories.set(IssueCategory.objects.filter(code__in=categories))
    for area in areas:
        ServiceArea.objects.create(service=service, area=area)
    if byday:
        Schedule.objects.create(service=service, freq=freq, byday=byday, opens_at=opens_at)
    return service


def build_world(town: Town) -> World:
    north_jh = town.areas["north_elementary"].parent
    neighbour = Area.objects.create(
        code="north-el2", level=Area.Level.ELEMENTARY_DISTRICT, name="北第二小学校区", parent=north_jh
    )
    caseworker = town.users["caseworker_north"]
    person = make_person(
        town,
        family_name="北山",
        given_name="ハル",
        birth_date=dt.date(1942, 5, 1),
        town_block=town.blocks["north"],
        care_level="care_3",
        phone="0565-11-2222",
        address_line="1-2-3",
    )
    household = do_create_household(
        acting_user=caseworker,
        organisation=town.orgs["branch_north"],
        name="北山さん世帯",
        members=[(person, "head")],
        started_on=dt.date(2020, 1, 1),
        town_block=town.blocks["north"],
    )
    intake = make_intake(
        town,
        person=person,
        is_anonymous=False,
        categories=list(IssueCategory.objects.filter(code__in=["dementia", "social_isolation"])),
    )
    Intake.objects.filter(pk=intake.pk).update(household=household)
    intake.refresh_from_db()
    case = do_open_case(
        acting_user=caseworker,
        household=household,
        intakes=[intake],
        focus_members=[person],
        title="北山さんの見守りと居場所",
        lead_organisation=town.orgs["branch_north"],
    )
    world = World(town=town, person=person, case=case, intake=intake, neighbour=neighbour)
    el, branch = town.areas["north_elementary"], town.areas["north_branch"]
    s = world.services
    s["salon"] = make_service(
        "ふれあいサロン北",
        types=("salon",),
        groups=("elderly",),
        categories=("social_isolation",),
        areas=(el,),
        byday="MO,TH",
        places_free=5,
    )
    s["cafe"] = make_service(
        "認知症カフェ みどり",
        types=("dementia_cafe",),
        groups=("elderly",),
        categories=("dementia",),
        areas=(neighbour,),
        byday="2WE",
        freq="MONTHLY",
    )
    s["outing"] = make_service(
        "おでかけ支援 北",
        types=("mobility",),
        groups=("all_ages",),
        areas=(branch,),
        offers_transport=True,
        byday="FR",
    )
    s["kids"] = make_service(
        "こども食堂 北", types=("childrens_meal",), groups=("children", "parents"), areas=(el,), byday="SA"
    )
    s["full"] = make_service(
        "満員の体操教室",
        types=("salon",),
        groups=("elderly",),
        categories=("social_isolation",),
        areas=(el,),
        byday="TU",
        places_free=0,
    )
    s["south"] = make_service(
        "南のサロン",
        types=("salon",),
        groups=("elderly",),
        categories=("social_isolation",),
        areas=(town.areas["south_elementary"],),
        byday="MO",
    )
    s["internal"] = make_service("職員向け 専門相談", types=("peer_support",), is_internal=True)
    s["ended"] = make_service("終了したサロン", types=("salon",), status=Service.Status.DEFUNCT)
    # A mutual-help group that is a member organisation (a consent can name it) and one that is not.
    world.group_org = Organisation.objects.create(code="north_otasuke", name="北お助け隊", agency_type_id="npo")
    world.group = Provider.objects.create(name="北お助け隊", organisation=world.group_org)
    s["otasuke"] = make_service(
        "北お助け隊の生活支援", types=("mutual_help",), categories=("daily_living",), areas=(el,), provider=world.group
    )
    world.other_group = Provider.objects.create(name="南お助け隊")
    s["otasuke_south"] = make_service(
        "南お助け隊の生活支援",
        types=("mutual_help",),
        areas=(town.areas["south_elementary"],),
        provider=world.other_group,
    )
    world.member_user = User.objects.create_user(username="otasuke_leader", password=PASSWORD, full_name="隊長")
    do_add_group_member(
        world.group,
        name="隊長",
        user=world.member_user,
        role=GroupMember.GroupRole.LEADER,
        acting_user=town.users["csw_worker"],
        joined_on=timezone.localdate() - dt.timedelta(days=400),
    )
    return world


@pytest.fixture
def world(town: Town) -> World:
    return build_world(town)
