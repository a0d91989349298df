"""Shared test fixtures: a small town with users of every role.

The town has two branch offices (north and south), an elderly-care centre
(community support center) covering the north, the social welfare council's
CSW, the coordination section, a fire department, a community volunteers'
council, and a city office for analysts, administrators and auditors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from tsunagiai.accounts.models import Membership, Role, User
from tsunagiai.reference.loading import load_taxonomy
from tsunagiai.reference.models import Area, Municipality, Organisation, TownBlock

PASSWORD = "correct-horse-battery-staple"


@dataclass
class Town:
    areas: dict[str, Area] = field(default_factory=dict)
    blocks: dict[str, TownBlock] = field(default_factory=dict)
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


def make_user(username: str, org: Organisation, role: str, **extra: Any) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, full_name=extra.pop("full_name", username))
    Membership.objects.create(user=user, organisation=org, role=role)
    return user


def build_town() -> Town:
    load_taxonomy(Path(settings.TAXONOMY_FILE))
    Municipality.objects.get_or_create(code="999999", defaults={"name": "テスト市", "prefecture": "テスト県"})
    town = Town()
    for side, name in (("north", "北"), ("south", "南")):
        branch = Area.objects.create(code=f"{side}-branch", level=Area.Level.BRANCH_AREA, name=f"{name}地区")
        junior = Area.objects.create(
            code=f"{side}-jh", level=Area.Level.JUNIOR_HIGH_DISTRICT, name=f"{name}中学校区", parent=branch
        )
        elementary = Area.objects.create(
            code=f"{side}-el", level=Area.Level.ELEMENTARY_DISTRICT, name=f"{name}小学校区", parent=junior
        )
        association = Area.objects.create(
            code=f"{side}-na", level=Area.Level.NEIGHBOURHOOD_ASSOCIATION, name=f"{name}町自治区", parent=elementary
        )
        town.areas.update(
            {f"{side}_branch": branch, f"{side}_elementary": elementary, f"{side}_association": association}
        )
        town.blocks[side] = TownBlock.objects.create(
            code=f"{side}-1",
            name=f"{name}町1丁目",
            neighbourhood_association=association,
            elementary_district=elementary,
            junior_high_district=junior,
            branch_area=branch,
        )

    def org(key: str, name: str, agency_type: str, areas: list[Area]) -> Organisation:
        organisation = Organisation.objects.create(code=key, name=name, agency_type_id=agency_type)
        organisation.covered_areas.set(areas)
        town.orgs[key] = organisation
        return organisation

    everywhere = [town.areas["north_branch"], town.areas["south_branch"]]
    north = org("branch_north", "北支所", "branch_office", [town.areas["north_branch"]])
    south = org("branch_south", "南支所", "branch_office", [town.areas["south_branch"]])
    elderly = org("elderly_north", "北地域包括支援センター", "community_support_center", [town.areas["north_branch"]])
    csw = org("csw", "社会福祉協議会", "csw", everywhere)
    coordination = org("coordination", "福祉総合相談課", "coordination_section", everywhere)
    fire = org("fire", "消防本部", "fire_department", everywhere)
    volunteers = org(
        "volunteers_north", "北地区民生委員児童委員協議会", "community_volunteer", [town.areas["north_branch"]]
    )
    city = org("city_office", "市役所情報政策課", "other", everywhere)

    town.users = {
        "intake_north": make_user("intake_north", north, Role.INTAKE),
        "caseworker_north": make_user("caseworker_north", north, Role.CASEWORKER),
        "caseworker_south": make_user("caseworker_south", south, Role.CASEWORKER),
        "elderly_worker": make_user("elderly_worker", elderly, Role.CASEWORKER),
        "csw_worker": make_user("csw_worker", csw, Role.CASEWORKER),
        "coordinator": make_user("coordinator", coordination, Role.COORDINATOR),
        "supervisor_north": make_user("supervisor_north", north, Role.SUPERVISOR),
        "fire_crew": make_user("fire_crew", fire, Role.INTAKE),
        "volunteer": make_user("volunteer", volunteers, Role.VOLUNTEER),
        "analyst": make_user("analyst", city, Role.ANALYST),
        "admin": make_user("admin", city, Role.ADMIN),
        "auditor": make_user("auditor", city, Role.AUDITOR),
    }
    return town


@pytest.fixture
def town(db: Any) -> Town:
    return build_town()


def aware(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))  # noqa: DTZ001
