"""Demo community resources (C8): the seed's formal and informal resources in every branch area.

お助け隊 (mutual-help groups), サロン, 子ども食堂, 認知症カフェ, おでかけ支援 with a social
welfare corporation's idle vehicle, ミライシニア-style and 4Sの会-style places to be active,
food pantries, learning support, peer groups and 見守り — with a place in a town block,
schedules, capacity, service areas (their elementary or branch district), the categories
they help with and target groups; a few are staff-only.

Small scale: one resource of each kind per branch area. Toyota scale: mutual help, a salon
and one or two more in every elementary district, and the branch-area ones (several hundred).
Reproducible from the seed (the HSDS ids too) and written in bulk (``demo.bulk``).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from tsunagiai.demo.bulk import TableWriter, next_id, reset_sequences
from tsunagiai.reference.models import (
    Area,
    IssueCategory,
    Municipality,
    Organisation,
    ResourceServiceType,
    TargetGroup,
    TownBlock,
)
from tsunagiai.resources.models import Location, Provider, Schedule, Service, ServiceArea, ServiceAtLocation

# The first mutual-help group of the seed (市の事例): 29 requests in 9 months, 31 members.
FIRST_MUTUAL_HELP_NOTE = "発足から9か月で29件の依頼に対応。会員31人。"


@dataclass(frozen=True)
class Kind:
    key: str
    service_type: str
    names: tuple[str, ...]  # "{area}" is the district's name without its suffix
    provider: str  # informal | formal | swc (a social welfare corporation) | council
    description: str
    targets: tuple[str, ...]
    categories: tuple[str, ...]
    schedules: tuple[tuple[str, str, str, str], ...]  # (freq, byday, opens, closes)
    capacity: tuple[int, int] | None
    fees: str
    free: bool = False
    transport: bool = False
    internal: bool = False


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind(
            "mutual_help",
            "mutual_help",
            ("{area}お助け隊", "{area}ささえ愛隊", "{area}たすけあいの会"),
            "informal",
            "電球の交換、草取り、家具の移動、ごみ出しなど、ちょっとした困りごとを住民同士で手伝います。",
            ("elderly", "disabled", "all_ages"),
            ("daily_living", "elderly_care", "social_isolation"),
            (("WEEKLY", "MO,TU,WE,TH,FR", "09:00", "17:00"),),
            None,
            "1回30分まで300円",
        ),
        Kind(
            "salon",
            "salon",
            ("{area}ふれあいサロン", "{area}多世代サロン", "{area}いきいきサロン"),
            "informal",
            "子どもから高齢者まで誰でも立ち寄れる居場所。お茶を飲みながらおしゃべり、体操、手芸。",
            ("elderly", "all_ages", "parents"),
            ("social_isolation", "elderly_care"),
            (("MONTHLY", "2WE,4WE", "10:00", "12:00"),),
            (15, 30),
            "1回100円(お茶代)",
        ),
        Kind(
            "childrens_meal",
            "childrens_meal",
            ("{area}こども食堂", "みんなの食堂{area}"),
            "informal",
            "子どもと家族、地域の人が一緒に食べる食堂。学習スペースもあります。",
            ("children", "parents", "low_income"),
            ("child_rearing", "financial_hardship", "social_isolation"),
            (("MONTHLY", "3FR", "17:00", "19:00"),),
            (20, 40),
            "子ども無料、大人300円",
        ),
        Kind(
            "dementia_cafe",
            "dementia_cafe",
            ("{area}オレンジカフェ", "認知症カフェ{area}"),
            "formal",
            "認知症の本人と家族、地域の人が気軽に集まり、専門職に相談もできるカフェ。",
            ("elderly",),
            ("dementia", "elderly_care", "family_relations"),
            (("MONTHLY", "4SU", "13:30", "15:30"),),
            (10, 20),
            "1回200円",
        ),
        Kind(
            "mobility",
            "mobility",
            ("{area}おでかけ支援(買い物ツアー)",),
            "swc",
            "社会福祉法人の空いている送迎車両を使い、住民ボランティアの運転で買い物や通院に出かけます。",
            ("elderly", "disabled"),
            ("mobility_shopping", "daily_living", "social_isolation"),
            (("WEEKLY", "TU,TH", "09:30", "12:00"),),
            (6, 8),
            "1回200円(燃料代)",
            transport=True,
        ),
        Kind(
            "mirai_senior",
            "active_role",
            ("{area}ミライシニア活躍の場",),
            "informal",
            "定年後のシニアが地域の農作業・子どもの見守り・施設の手伝いで活躍する場。謝礼あり。",
            ("elderly", "all_ages"),
            ("employment", "social_isolation"),
            (("WEEKLY", "MO,WE", "10:00", "12:00"),),
            (10, 20),
            "無料(謝礼あり)",
            free=True,
        ),
        Kind(
            "temple_work",
            "active_role",
            ("{area}寺社のお手伝い(4Sの会)",),
            "informal",
            "寺社の清掃・草取り・行事の準備を、ひきこもりがちな人や障がいのある人も一緒に請け負う仕事づくり。",
            ("disabled", "all_ages", "low_income"),
            ("employment", "social_isolation", "mental_health"),
            (("MONTHLY", "1SA", "08:00", "11:00"),),
            (5, 12),
            "無料(作業の謝礼あり)",
            free=True,
        ),
        Kind(
            "food_pantry",
            "food_support",
            ("{area}フードパントリー",),
            "council",
            "寄付された食品を、生活に困っている世帯に手渡しで届けます。相談窓口の紹介があると確実です。",
            ("low_income", "parents", "foreign"),
            ("financial_hardship", "child_rearing"),
            (("MONTHLY", "2SA", "10:00", "12:00"),),
            (30, 60),
            "無料",
            free=True,
        ),
        Kind(
            "learning",
            "learning_support",
            ("{area}まなびの教室", "{area}学習支援教室"),
            "informal",
            "小中学生の宿題や学び直しを、大学生と地域のボランティアが手伝います。",
            ("children", "low_income", "foreign"),
            ("child_rearing", "financial_hardship", "young_carer"),
            (("WEEKLY", "TU,FR", "17:00", "19:00"),),
            (10, 20),
            "無料",
            free=True,
        ),
        Kind(
            "peer",
            "peer_support",
            ("{area}介護者のつどい", "{area}ひきこもり家族の会", "{area}障がい児の親の会"),
            "informal",
            "同じ立場の本人・家族が経験を分かち合う会。初めての方も歓迎します。",
            ("elderly", "disabled", "parents"),
            ("family_relations", "mental_health", "double_care"),
            (("MONTHLY", "3TH", "13:30", "15:30"),),
            (8, 15),
            "無料",
            free=True,
        ),
        Kind(
            "watching",
            "watching",
            ("{area}見守り隊",),
            "informal",
            "登下校の見守りと、一人暮らし高齢者への声かけ・安否確認。",
            ("children", "elderly"),
            ("social_isolation", "elderly_care", "self_neglect"),
            (("WEEKLY", "MO,TU,WE,TH,FR", "07:30", "08:15"),),
            None,
            "無料",
            free=True,
        ),
        Kind(
            "shelter",
            "food_support",
            ("{area}緊急食料・一時滞在の調整(職員経由)",),
            "council",
            "職員からの紹介に限る緊急の食料支援と一時滞在先の調整。所在地は公開しません。",
            ("low_income",),
            ("financial_hardship", "housing", "abuse_violence"),
            (("WEEKLY", "MO,TU,WE,TH,FR", "09:00", "17:00"),),
            (2, 4),
            "無料",
            free=True,
            internal=True,
        ),
    )
}
BRANCH_KINDS = ("mobility", "mirai_senior", "temple_work", "food_pantry", "peer", "shelter")
SMALL_DISTRICT_KINDS = ("mutual_help", "salon", "childrens_meal", "dementia_cafe", "learning", "watching")
TOYOTA_EXTRA_KINDS = ("childrens_meal", "dementia_cafe", "learning", "watching", "peer")
SUFFIXES = ("支所区域", "中学校区", "小学校区", "地区", "区域", "校区")


def _short(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name.removesuffix(suffix)
    return name


class ResourcePlanner:
    def __init__(self, *, seed: int, scale: str) -> None:
        self.rng = random.Random(f"{seed}:resources")
        self.scale = scale
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.rows: dict[type[Any], list[dict[str, Any]]] = {
            m: [] for m in (Provider, Location, Service, ServiceAtLocation, ServiceArea, Schedule)
        }
        self.m2m: dict[str, list[dict[str, Any]]] = {"service_types": [], "target_groups": [], "categories": []}
        self.ids = {m: next_id(m) for m in self.rows}
        municipality = Municipality.objects.order_by("code").first()
        self.prefecture = municipality.prefecture if municipality else ""
        self.city = municipality.name if municipality else ""
        self.first_mutual_help_done = False
        self.shared_providers: dict[str, int] = {}
        swc = list(
            Organisation.objects.filter(agency_type_id="social_welfare_corporation", active=True).order_by("code")
        )
        council = Organisation.objects.filter(agency_type_id__in=["volunteer_center", "csw"]).order_by("code").first()
        self.swc_names = [o.name for o in swc] or ["社会福祉法人 みどり福祉会"]
        self.swc_orgs = {o.name: o.pk for o in swc}
        self.council = council
        # Only the codes this city's vocabularies hold (another city's taxonomy may differ).
        self.known = {
            "service_types": set(ResourceServiceType.objects.values_list("code", flat=True)),
            "target_groups": set(TargetGroup.objects.values_list("code", flat=True)),
            "categories": set(IssueCategory.objects.values_list("code", flat=True)),
        }

    def _uuid(self) -> str:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4).hex

    def _next(self, model: type[Any]) -> int:
        value = self.ids[model]
        self.ids[model] += 1
        return value

    def _stamp(self) -> dict[str, Any]:
        when = self.now - dt.timedelta(days=self.rng.randint(1, 700), minutes=self.rng.randint(0, 600))
        return {"created_at": when, "updated_at": when, "version": 1}

    def provider(self, kind: Kind, name: str) -> int:
        # An agency (a welfare corporation, the council, a centre) is one provider of many services.
        shared = kind.provider != "informal"
        if shared and name in self.shared_providers:
            return self.shared_providers[name]
        pk = self._next(Provider)
        if shared:
            self.shared_providers[name] = pk
        row: dict[str, Any] = {
            "id": pk,
            "hsds_id": self._uuid(),
            "name": name,
            "kind": "informal" if kind.provider == "informal" else "formal",
            "phone": f"0565-{self.rng.randint(10, 99)}-{self.rng.randint(1000, 9999)}",
            **self._stamp(),
        }
        if kind.provider == "swc":
            row["agency_type_id"] = "social_welfare_corporation"
            row["organisation_id"] = self.swc_orgs.get(name)
        elif kind.provider == "council" and self.council is not None:
            row["agency_type_id"] = self.council.agency_type_id
            row["organisation_id"] = self.council.pk
        elif kind.provider == "formal":
            row["agency_type_id"] = "community_support_center"
        else:
            row["agency_type_id"] = "npo" if kind.key in {"learning", "childrens_meal"} else None
        self.rows[Provider].append(row)
        return pk

    def resource(self, kind: Kind, *, area: tuple[int, str], block: tuple[int, str, str], branch_name: str) -> None:
        area_name = _short(area[1])
        name = self.rng.choice(kind.names).format(area=area_name)
        if kind.provider == "swc":
            provider_name = self.rng.choice(self.swc_names)
        elif kind.provider == "council":
            provider_name = self.council.name if self.council else "社会福祉協議会"
        elif kind.provider == "formal":
            provider_name = f"{_short(branch_name)}地域包括支援センター"
        else:
            provider_name = f"{name}運営委員会" if kind.key != "mutual_help" else name
        provider_id = self.provider(kind, provider_name)
        description = kind.description
        started = self.today - dt.timedelta(days=self.rng.randint(60, 2000))
        if kind.key == "mutual_help" and not self.first_mutual_help_done:
            self.first_mutual_help_done = True
            description = f"{description}{FIRST_MUTUAL_HELP_NOTE}"
            started = self.today - dt.timedelta(days=274)  # about 9 months ago
        capacity = self.rng.randint(*kind.capacity) if kind.capacity else None
        service_id = self._next(Service)
        self.rows[Service].append(
            {
                "id": service_id,
                "hsds_id": self._uuid(),
                "provider_id": provider_id,
                "name": name,
                "description": description,
                "status": "active" if self.rng.random() > 0.03 else "inactive",
                "is_internal": kind.internal,
                "capacity": capacity,
                "places_free": self.rng.randint(0, capacity // 2) if capacity else None,
                "fees_description": kind.fees,
                "is_free": kind.free,
                "eligibility": "市内在住の方" if not kind.internal else "相談窓口の職員からの紹介",
                "application_process": "電話で申し込み" if kind.key in {"mutual_help", "mobility"} else "直接会場へ",
                "languages": "ja" if kind.key not in {"food_pantry", "learning"} else "ja, pt, en",
                "offers_transport": kind.transport,
                "contact_name": self.rng.choice(("山田", "鈴木", "加藤", "伊藤", "近藤", "杉浦", "鈴村")),
                "contact_phone": f"0565-{self.rng.randint(10, 99)}-{self.rng.randint(1000, 9999)}",
                "started_on": started,
                **self._stamp(),
            }
        )
        if kind.service_type in self.known["service_types"]:
            self.m2m["service_types"].append({"service_id": service_id, "resourceservicetype_id": kind.service_type})
        for target in kind.targets[: self.rng.randint(1, len(kind.targets))]:
            if target in self.known["target_groups"]:
                self.m2m["target_groups"].append({"service_id": service_id, "targetgroup_id": target})
        for category in kind.categories:
            if category in self.known["categories"]:
                self.m2m["categories"].append({"service_id": service_id, "issuecategory_id": category})
        if not kind.internal:
            location_id = self._next(Location)
            self.rows[Location].append(
                {
                    "id": location_id,
                    "hsds_id": self._uuid(),
                    "provider_id": provider_id,
                    "name": f"{block[1]}{self.rng.choice(('集会所', '公民館', 'ふれあい館', '交流館'))}",
                    "postal_code": block[2],
                    "prefecture": self.prefecture,
                    "municipality": self.city,
                    "address_line": f"{block[1]}{self.rng.randint(1, 30)}-{self.rng.randint(1, 20)}",
                    "town_block_id": block[0],
                    "accessibility": self.rng.choice(
                        ("段差なし・車いす可", "玄関に段差あり(スロープ貸出)", "2階(エレベーターなし)")
                    ),
                    "transportation": self.rng.choice(("おいでんバス停から徒歩3分", "駐車場10台", "駐車場あり")),
                    **self._stamp(),
                }
            )
            self.rows[ServiceAtLocation].append(
                {
                    "id": self._next(ServiceAtLocation),
                    "hsds_id": self._uuid(),
                    "service_id": service_id,
                    "location_id": location_id,
                }
            )
        self.rows[ServiceArea].append(
            {"id": self._next(ServiceArea), "hsds_id": self._uuid(), "service_id": service_id, "area_id": area[0]}
        )
        for freq, byday, opens, closes in kind.schedules:
            self.rows[Schedule].append(
                {
                    "id": self._next(Schedule),
                    "hsds_id": self._uuid(),
                    "service_id": service_id,
                    "freq": freq,
                    "byday": byday,
                    "opens_at": f"{opens}:00",
                    "closes_at": f"{closes}:00",
                }
            )

    def write(self) -> None:
        for parent in (Provider, Location, Service):
            TableWriter(parent).insert(self.rows[parent])
        for relation, rows in self.m2m.items():
            TableWriter(getattr(Service, relation).through, with_pk=False).insert(rows)
        for child in (ServiceAtLocation, ServiceArea, Schedule):
            TableWriter(child).insert(self.rows[child])
        reset_sequences(*self.rows)


def remove_resources() -> None:
    """Delete every resource row (a demo database), children before parents."""
    for model in (Schedule, ServiceArea, ServiceAtLocation):
        model.objects.all().delete()
    for relation in ("service_types", "target_groups", "categories"):
        getattr(Service, relation).through.objects.all().delete()
    Service.objects.all().delete()
    Location.objects.all().delete()
    Provider.objects.all().delete()


def generate_resources(*, seed: int, scale: str) -> dict[str, int]:
    """Plan and write the demo resources; return how many of each were made."""
    remove_resources()
    planner = ResourcePlanner(seed=seed, scale=scale)
    blocks: dict[int, list[tuple[int, str, str]]] = {}
    for block_id, name, postal, elementary_id, branch_id in (
        TownBlock.objects.filter(active=True)
        .order_by("code")
        .values_list("id", "name", "postal_code", "elementary_district_id", "branch_area_id")
    ):
        for area in (elementary_id, branch_id):
            if area is not None:
                blocks.setdefault(area, []).append((block_id, name, postal))
    branches = list(
        Area.objects.filter(level=Area.Level.BRANCH_AREA, active=True)
        .order_by("sort_order", "code")
        .values_list("id", "name")
    )
    districts: dict[int | None, list[tuple[int, str]]] = {}
    for district_id, district_name, parent_branch in (
        Area.objects.filter(level=Area.Level.ELEMENTARY_DISTRICT, active=True)
        .order_by("sort_order", "code")
        .values_list("id", "name", "parent__parent_id")
    ):
        districts.setdefault(parent_branch, []).append((district_id, district_name))
    rng = planner.rng
    for branch in branches:
        branch_blocks = blocks.get(branch[0])
        if not branch_blocks:
            continue
        own = [d for d in districts.get(branch[0], []) if blocks.get(d[0])]
        if scale == "toyota":
            for district in own:
                kinds = ["mutual_help", "salon", *rng.sample(TOYOTA_EXTRA_KINDS, rng.randint(1, 3))]
                for key in kinds:
                    planner.resource(
                        KINDS[key], area=district, block=rng.choice(blocks[district[0]]), branch_name=branch[1]
                    )
        else:
            for key in SMALL_DISTRICT_KINDS:
                district = rng.choice(own) if own else branch
                planner.resource(
                    KINDS[key],
                    area=district,
                    block=rng.choice(blocks.get(district[0]) or branch_blocks),
                    branch_name=branch[1],
                )
        for key in BRANCH_KINDS:
            planner.resource(KINDS[key], area=branch, block=rng.choice(branch_blocks), branch_name=branch[1])
    planner.write()
    return {
        "resource_providers": len(planner.rows[Provider]),
        "resources": len(planner.rows[Service]),
        "resource_locations": len(planner.rows[Location]),
        "resource_schedules": len(planner.rows[Schedule]),
    }
