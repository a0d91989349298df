"""Resources for tests: a provider with one service, a location in a town block, a schedule and an area."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tsunagiai.resources.models import Location, Provider, Schedule, Service, ServiceArea, ServiceAtLocation
from tsunagiai.testing import Town


def make_resource(
    town: Town,
    name: str = "北町お助け隊",
    *,
    side: str = "north",
    kind: str = Provider.Kind.INFORMAL,
    service_type: str = "mutual_help",
    target_group: str = "elderly",
    category: str | None = None,
    is_internal: bool = False,
    provider: Provider | None = None,
    **extra: Any,
) -> Service:
    if provider is None:
        provider = Provider.objects.create(name=f"{name}の会", kana="おたすけたい", kind=kind, phone="0565-00-0000")
    service = Service.objects.create(
        provider=provider,
        name=name,
        description="電球交換・草取り・家具の移動",
        is_internal=is_internal,
        capacity=extra.pop("capacity", 10),
        places_free=extra.pop("places_free", 3),
        fees_description="1回100円",
        languages="ja",
        contact_name="山田",
        contact_phone="0565-11-2222",
        **extra,
    )
    service.service_types.add(service_type)  # type: ignore[arg-type]
    service.target_groups.add(target_group)  # type: ignore[arg-type]
    if category:
        service.categories.add(category)  # type: ignore[arg-type]
    block = town.blocks[side]
    location = Location.objects.create(
        provider=provider,
        name=f"{block.name}集会所",
        prefecture="愛知県",
        municipality="豊田市",
        address_line=f"{block.name}1-2",
        postal_code="471-0001",
        town_block=block,
        accessibility="段差なし",
    )
    ServiceAtLocation.objects.create(service=service, location=location)
    ServiceArea.objects.create(service=service, area=town.areas[f"{side}_elementary"])
    Schedule.objects.create(service=service, freq="WEEKLY", byday="MO,WE", opens_at=dt.time(10), closes_at=dt.time(12))
    Schedule.objects.create(service=service, freq="MONTHLY", byday="1SA")
    return service
