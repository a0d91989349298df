"""Demo participation support and mutual help (C8): participations on demo cases, help requests to the
mutual-help groups in every district, the groups' members (one of them a login), and volunteers.

Built on the demo resources (``tsunagiai.demo.resources``): the groups are the providers of an active
``mutual_help`` service. When no such service exists (the resources demo did not run), one group per
elementary district (toyota) or per branch-office area (small) is created here first — never a second
one where a group is already there.

The first group reproduces the seed's figures: 29 requests done in 9 months, with 31 members.
Reproducible from the seed; written in bulk (``demo.bulk``), a fraction of a second at small scale and a
few seconds at toyota scale.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from tsunagiai.accounts.models import User
from tsunagiai.cases.models import Case
from tsunagiai.community.models import (
    DAY_PARTS,
    WEEKDAYS,
    GroupMember,
    HelpRequest,
    Participation,
    Skill,
    Volunteer,
    availability_bit,
)
from tsunagiai.demo.bulk import TableWriter, next_id, reset_sequences
from tsunagiai.demo.logins import DEMO_PASSWORD
from tsunagiai.people.models import HouseholdMembership
from tsunagiai.reference.models import Area, IssueCategory, Organisation, ResourceServiceType, TownBlock
from tsunagiai.resources.models import Provider, Service, ServiceArea

GROUP_LOGIN = "otasuke"  # the demo login of the first mutual-help group's leader
FIRST_GROUP_DONE = 29
FIRST_GROUP_MEMBERS = 31
FIRST_GROUP_DAYS = 274  # about nine months

TASK_WEIGHTS = (("light_bulb", 30), ("weeding", 25), ("furniture", 15), ("rubbish", 20), ("other", 10))
DESCRIPTIONS = {
    "light_bulb": ("80代の一人暮らしの方。台所の電球が切れて暗い。", "廊下の蛍光灯の交換。脚立が必要。"),
    "weeding": ("庭の草が伸びて近所から苦情が出ている。", "玄関まわりの草取り。腰が痛くてできない。"),
    "furniture": ("ベッドの位置を変えたい。介護用ベッド搬入の前に。", "タンスを1階に下ろしたい。"),
    "rubbish": ("ごみ集積所まで運べない。週1回の手伝い。", "粗大ごみを出すのを手伝ってほしい。"),
    "other": ("網戸の張り替え。", "雨どいの落ち葉を取ってほしい。"),
}
OUTCOMES = (
    "交換済み。本人がとても喜んでいた。",
    "2人で1時間ほど。次回も依頼したいとのこと。",
    "完了。ついでに話し相手にも。",
)
COULD_NOT = ("高所で危険なため業者を案内した。", "日程が合わず、依頼者が家族に頼んだ。")
MEMBER_NAMES = ("山田", "鈴木", "加藤", "伊藤", "近藤", "杉浦", "鈴村", "本多", "神谷", "都築", "磯谷", "中根")
GIVEN = ("一郎", "正夫", "和子", "節子", "茂", "博", "恵子", "洋子", "勝", "清", "幸子", "悦子")
KANA_SURNAMES = (
    "ヤマダ",
    "スズキ",
    "カトウ",
    "イトウ",
    "コンドウ",
    "スギウラ",
    "スズムラ",
    "ホンダ",
    "カミヤ",
    "ツヅキ",
)
CATEGORY_SERVICE_TYPES = {
    "elderly_care": ("salon", "watching"),
    "dementia": ("dementia_cafe",),
    "social_isolation": ("salon", "active_role"),
    "child_rearing": ("childrens_meal", "learning_support"),
    "financial_hardship": ("food_support", "childrens_meal"),
    "disability": ("active_role", "peer_support"),
    "daily_living": ("mutual_help",),
}


def remove_community_demo() -> None:
    """The community rows of an earlier demo run (before the cases, people and resources they point at go)."""
    HelpRequest.volunteers.through.objects.all().delete()
    HelpRequest.objects.all().delete()
    Participation.objects.all().delete()
    GroupMember.objects.all().delete()
    Volunteer.skills.through.objects.all().delete()
    Volunteer.areas.through.objects.all().delete()
    Volunteer.objects.all().delete()


class CommunityPlanner:
    def __init__(self, *, seed: int, scale: str) -> None:
        self.rng = random.Random(f"{seed}:community")
        self.scale = scale
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.counts: dict[str, int] = {}

    def when(self, days_ago: int) -> dt.datetime:
        return self.now - dt.timedelta(days=days_ago, hours=self.rng.randint(0, 8), minutes=self.rng.randint(0, 59))

    # --- groups -----------------------------------------------------------------------

    def groups(self) -> list[tuple[int, int]]:
        """(provider id, the area its mutual-help service serves), the groups in a fixed order."""
        rows = list(
            ServiceArea.objects.filter(
                service__status=Service.Status.ACTIVE,
                service__service_types__code="mutual_help",
                service__provider__active=True,
            )
            .order_by("service__provider_id", "area_id")
            .values_list("service__provider_id", "area_id")
        )
        seen: dict[int, int] = {}
        for provider_id, area_id in rows:
            seen.setdefault(provider_id, area_id)
        if not seen:
            seen = self.create_groups()
        return sorted(seen.items())

    def create_groups(self) -> dict[int, int]:
        """Only when the resources demo made none: one group per district, through the models (few rows)."""
        level = Area.Level.ELEMENTARY_DISTRICT if self.scale == "toyota" else Area.Level.BRANCH_AREA
        made: dict[int, int] = {}
        for area in Area.objects.filter(level=level, active=True).order_by("sort_order", "code"):
            provider = Provider.objects.create(name=f"{area.name}お助け隊", kind=Provider.Kind.INFORMAL)
            service = Service.objects.create(
                provider=provider,
                name=f"{area.name}お助け隊",
                description="電球の交換、草取り、家具の移動、ごみ出しなど、ちょっとした困りごとを手伝います。",
                fees_description="1回30分まで300円",
            )
            service.service_types.set(ResourceServiceType.objects.filter(code="mutual_help"))
            service.categories.set(IssueCategory.objects.filter(code="daily_living"))
            ServiceArea.objects.create(service=service, area=area)
            made[provider.pk] = area.pk
        return made

    # --- rows -------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        groups = self.groups()
        if not groups:
            return {}
        area_blocks = self.blocks_by_area()
        people_by_block = self.people_by_block()
        branch_of_block, office_of_branch = self.offices()
        volunteers, volunteers_by_area = self.volunteers(groups)
        self.members(groups)
        self.help_requests(groups, area_blocks, people_by_block, branch_of_block, office_of_branch, volunteers_by_area)
        self.participations()
        self.counts["volunteers"] = len(volunteers)
        return self.counts

    def blocks_by_area(self) -> dict[int, list[int]]:
        result: dict[int, list[int]] = defaultdict(list)
        for block_id, *areas in (
            TownBlock.objects.filter(active=True)
            .order_by("code")
            .values_list(
                "id",
                "neighbourhood_association_id",
                "elementary_district_id",
                "junior_high_district_id",
                "branch_area_id",
            )
        ):
            for area in areas:
                if area is not None:
                    result[area].append(block_id)
        return result

    def people_by_block(self) -> dict[int, list[int]]:
        result: dict[int, list[int]] = defaultdict(list)
        rows = (
            HouseholdMembership.objects.filter(ended_on__isnull=True, household__town_block__isnull=False)
            .order_by("person_id")
            .values_list("household__town_block_id", "person_id")
        )
        for block_id, person_id in rows:
            result[block_id].append(person_id)
        return result

    def offices(self) -> tuple[dict[int, int], dict[int, int]]:
        branch_of_block = dict(TownBlock.objects.values_list("id", "branch_area_id"))
        office_of_branch: dict[int, int] = {}
        through = Organisation.covered_areas.through
        for org_id, area_id in (
            through.objects.filter(organisation__agency_type_id="branch_office", organisation__active=True)
            .order_by("organisation__code")
            .values_list("organisation_id", "area_id")
        ):
            office_of_branch.setdefault(area_id, org_id)
        fallback = (
            Organisation.objects.filter(agency_type_id__in=["csw", "volunteer_center", "coordination_section"])
            .order_by("code")
            .values_list("pk", flat=True)
            .first()
        )
        if fallback is not None:
            for branch in branch_of_block.values():
                office_of_branch.setdefault(branch, fallback)
        return branch_of_block, office_of_branch

    def volunteers(self, groups: list[tuple[int, int]]) -> tuple[list[int], dict[int, list[int]]]:
        centre = (
            Organisation.objects.filter(agency_type_id="volunteer_center").order_by("code").first()
            or Organisation.objects.filter(agency_type_id="csw").order_by("code").first()
            or Organisation.objects.order_by("code").first()
        )
        skills = list(Skill.objects.order_by("sort_order").values_list("code", flat=True))
        rows: list[dict[str, Any]] = []
        skill_rows: list[dict[str, Any]] = []
        area_rows: list[dict[str, Any]] = []
        by_area: dict[int, list[int]] = defaultdict(list)
        pk = next_id(Volunteer)
        first = pk
        per_area = 3 if self.scale == "toyota" else 4
        for _group, area_id in groups:
            for _i in range(per_area):
                surname = self.rng.randrange(len(KANA_SURNAMES))
                availability = 0
                for day in self.rng.sample(range(len(WEEKDAYS)), self.rng.randint(1, 4)):
                    availability |= availability_bit(day, self.rng.randrange(len(DAY_PARTS)))
                when = self.when(self.rng.randint(30, 700))
                rows.append(
                    {
                        "id": pk,
                        "name": f"{MEMBER_NAMES[surname]} {self.rng.choice(GIVEN)}",
                        "kana": KANA_SURNAMES[surname],
                        "centre_id": centre.pk if centre else None,
                        "phone": f"090-{self.rng.randint(1000, 9999)}-{self.rng.randint(1000, 9999)}",
                        "availability": availability,
                        "active": self.rng.random() > 0.08,
                        "created_at": when,
                        "updated_at": when,
                    }
                )
                chosen = self.rng.sample(skills, self.rng.randint(1, 3)) if skills else []
                skill_rows.extend({"volunteer_id": pk, "skill_id": code} for code in chosen)
                area_rows.append({"volunteer_id": pk, "area_id": area_id})
                by_area[area_id].append(pk)
                pk += 1
        TableWriter(Volunteer).insert(rows)
        TableWriter(Volunteer.skills.through, with_pk=False).insert(skill_rows)
        TableWriter(Volunteer.areas.through, with_pk=False).insert(area_rows)
        reset_sequences(Volunteer)
        return list(range(first, pk)), by_area

    def members(self, groups: list[tuple[int, int]]) -> None:
        user = User.objects.filter(username=GROUP_LOGIN).first()
        if user is None:
            user = User.objects.create(
                username=GROUP_LOGIN,
                password=make_password(DEMO_PASSWORD),
                full_name="本多 正夫",
                full_name_kana="ホンダ マサオ",
            )
        rows: list[dict[str, Any]] = []
        for index, (provider_id, _area) in enumerate(groups):
            first = index == 0
            count = FIRST_GROUP_MEMBERS if first else self.rng.randint(8, 35 if self.scale == "toyota" else 15)
            for i in range(count):
                joined = self.today - dt.timedelta(
                    days=self.rng.randint(0, FIRST_GROUP_DAYS) if first else self.rng.randint(0, 1500)
                )
                left = None
                if not first and self.rng.random() < 0.1:
                    left = min(self.today, joined + dt.timedelta(days=self.rng.randint(30, 400)))
                surname = self.rng.randrange(len(MEMBER_NAMES))
                row: dict[str, Any] = {
                    "provider_id": provider_id,
                    "name": f"{MEMBER_NAMES[surname]} {self.rng.choice(GIVEN)}",
                    "role": "leader" if i == 0 else "member",
                    "joined_on": self.today - dt.timedelta(days=FIRST_GROUP_DAYS) if first and i == 0 else joined,
                    "left_on": left,
                    "created_at": self.now,
                    "updated_at": self.now,
                }
                if first and i == 0:
                    row.update({"user_id": user.pk, "name": user.full_name})
                rows.append(row)
        TableWriter(GroupMember, with_pk=False).insert(rows)
        self.counts["group_members"] = len(rows)
        self.counts["mutual_help_groups"] = len(groups)

    def help_requests(
        self,
        groups: list[tuple[int, int]],
        area_blocks: dict[int, list[int]],
        people_by_block: dict[int, list[int]],
        branch_of_block: dict[int, int],
        office_of_branch: dict[int, int],
        volunteers_by_area: dict[int, list[int]],
    ) -> None:
        rows: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        pk = next_id(HelpRequest)
        tasks = [t for t, _w in TASK_WEIGHTS]
        weights = [w for _t, w in TASK_WEIGHTS]
        for index, (provider_id, area_id) in enumerate(groups):
            blocks = area_blocks.get(area_id) or []
            if not blocks:
                continue
            if index == 0:
                plan = [("done", self.rng.randint(3, FIRST_GROUP_DAYS - 5)) for _ in range(FIRST_GROUP_DONE)]
                plan += [("assigned", self.rng.randint(1, 5)), ("requested", 0)]
            else:
                n = self.rng.randint(4, 20) if self.scale == "toyota" else self.rng.randint(3, 8)
                plan = []
                for _ in range(n):
                    days = self.rng.randint(0, 360)
                    status = (
                        "requested"
                        if days < 3
                        else "assigned"
                        if days < 10
                        else self.rng.choices(("done", "could_not"), weights=(9, 1))[0]
                    )
                    plan.append((status, days))
            for status, days in plan:
                task = self.rng.choices(tasks, weights=weights)[0]
                block = self.rng.choice(blocks)
                office = office_of_branch.get(branch_of_block.get(block, 0))
                if office is None:
                    continue
                requested_at = self.when(days)
                people = people_by_block.get(block) or []
                person = self.rng.choice(people) if people and self.rng.random() < 0.6 else None
                preferred = requested_at.date() + dt.timedelta(days=self.rng.randint(2, 10))
                row: dict[str, Any] = {
                    "id": pk,
                    "task": task,
                    "description": self.rng.choice(DESCRIPTIONS[task]),
                    "town_block_id": block,
                    "preferred_date": preferred,
                    "preferred_time": self.rng.choice(("any", "morning", "afternoon")),
                    "person_id": person,
                    "requested_by_organisation_id": office,
                    "group_id": provider_id,
                    "status": status,
                    "requested_at": requested_at,
                    "created_at": requested_at,
                    "updated_at": requested_at,
                }
                if status != "requested":
                    row["assigned_at"] = requested_at + dt.timedelta(hours=self.rng.randint(2, 48))
                    helpers = volunteers_by_area.get(area_id) or []
                    chosen = self.rng.sample(helpers, min(len(helpers), self.rng.randint(1, 2)))
                    links.extend({"helprequest_id": pk, "volunteer_id": volunteer} for volunteer in chosen)
                if status in ("done", "could_not"):
                    row["closed_at"] = min(self.now, requested_at + dt.timedelta(days=self.rng.randint(1, 7)))
                    row["outcome_note"] = self.rng.choice(OUTCOMES if status == "done" else COULD_NOT)
                    row["version"] = 3
                rows.append(row)
                pk += 1
        TableWriter(HelpRequest).insert(rows)
        TableWriter(HelpRequest.volunteers.through, with_pk=False).insert(links)
        reset_sequences(HelpRequest)
        self.counts["help_requests"] = len(rows)

    def participations(self) -> None:
        """Participations on about a third of the cases: a resource near the focus person, for a need of the case."""
        services_by_area: dict[int, list[tuple[int, set[str]]]] = defaultdict(list)
        types: dict[int, set[str]] = defaultdict(set)
        for service_id, code in Service.service_types.through.objects.filter(
            service__status=Service.Status.ACTIVE
        ).values_list("service_id", "resourceservicetype_id"):
            types[service_id].add(code)
        for service_id, area_id in (
            ServiceArea.objects.filter(service__status=Service.Status.ACTIVE, service__is_internal=False)
            .order_by("service_id")
            .values_list("service_id", "area_id")
        ):
            services_by_area[area_id].append((service_id, types[service_id]))
        cases = list(
            Case.objects.exclude(status=Case.Status.INTAKE)
            .order_by("pk")
            .values_list("pk", "opened_at", "lead_organisation_id", "household__town_block_id")
        )
        focus: dict[int, int] = {}
        for case_id, person_id in Case.focus_members.through.objects.order_by("case_id", "person_id").values_list(
            "case_id", "person_id"
        ):
            focus.setdefault(case_id, person_id)
        categories: dict[int, set[str]] = defaultdict(set)
        for case_id, code in Case.intakes.through.objects.values_list("case_id", "intake__categories__code"):
            if code:
                categories[case_id].add(code)
        block_areas = {
            row[0]: row[1:] for row in TownBlock.objects.values_list("id", "elementary_district_id", "branch_area_id")
        }
        rows: list[dict[str, Any]] = []
        for case_id, opened_at, lead_id, block_id in cases:
            person = focus.get(case_id)
            if person is None or block_id is None or self.rng.random() > 0.35:
                continue
            wanted = {t for c in categories[case_id] for t in CATEGORY_SERVICE_TYPES.get(c, ())}
            nearby = [s for area in block_areas.get(block_id, ()) for s in services_by_area.get(area, [])]
            fitting = [s for s, kinds in nearby if kinds & wanted] or [s for s, _k in nearby]
            if not fitting:
                continue
            service = self.rng.choice(fitting)
            start = max(opened_at.date(), self.today - dt.timedelta(days=600))
            span = (self.today - start).days
            proposed = start + dt.timedelta(days=self.rng.randint(0, max(0, span)))
            status = self.rng.choices(("proposed", "tried", "continuing", "stopped"), weights=(3, 2, 4, 2))[0]
            row: dict[str, Any] = {
                "case_id": case_id,
                "person_id": person,
                "service_id": service,
                "organisation_id": lead_id,
                "status": status,
                "proposed_on": proposed,
                "created_at": self.now,
                "updated_at": self.now,
                "version": 1 + ("proposed", "tried", "continuing", "stopped").index(status),
            }
            remaining = (self.today - proposed).days
            if status != "proposed":
                row["tried_on"] = proposed + dt.timedelta(days=self.rng.randint(0, min(remaining, 21)))
            if status == "continuing":
                row["continuing_since"] = row["tried_on"] + dt.timedelta(
                    days=min((self.today - row["tried_on"]).days, self.rng.randint(7, 30))
                )
            if status == "stopped":
                row["stopped_on"] = row["tried_on"] + dt.timedelta(
                    days=min((self.today - row["tried_on"]).days, self.rng.randint(7, 90))
                )
                row["stop_reason"] = self.rng.choice(("not_suitable", "health", "transport", "declined"))
            rows.append(row)
        TableWriter(Participation, with_pk=False).insert(rows)
        self.counts["participations"] = len(rows)


def generate_community(*, seed: int, scale: str) -> dict[str, int]:
    """Plan and write the demo participation and mutual-help rows; return how many of each were made."""
    remove_community_demo()
    return CommunityPlanner(seed=seed, scale=scale).run()
