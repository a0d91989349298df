"""What the demo needs to know about the loaded reference data, read once.

Nothing here names a city: organisations are found by their agency type and
town blocks come from the database, so the demo runs on Toyota's files, on
another municipality's, and on the test suite's small town alike.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.management.base import CommandError

from tsunagiai.reference.models import IssueCategory, Organisation, TownBlock

NOT_LOADED = (
    "参照データが読み込まれていません。先に `python manage.py load_reference` を実行してください。 / "
    "Reference data is not loaded: run `python manage.py load_reference` first."
)


@dataclass(frozen=True)
class Block:
    id: int
    code: str
    name: str
    postal_code: str
    branch_area_id: int
    area_ids: frozenset[int]


@dataclass
class ReferenceIndex:
    organisations: list[Organisation]
    blocks: list[Block]
    categories: frozenset[str]
    by_type: dict[str, list[Organisation]] = field(default_factory=dict)
    # block index → agency type → the organisations covering it, most local first
    covering: dict[int, dict[str, list[Organisation]]] = field(default_factory=dict)
    blocks_of: dict[int, list[int]] = field(default_factory=dict)

    def has(self, agency_type: str) -> bool:
        return bool(self.by_type.get(agency_type))

    def local(self, block_index: int, agency_type: str) -> list[Organisation]:
        """The organisations of a type covering a block, most local first; all of them when none does."""
        found = self.covering.get(block_index, {}).get(agency_type)
        return found if found else self.by_type.get(agency_type, [])


def load_reference_index() -> ReferenceIndex:
    """Read organisations, their covered areas and the town blocks; refuse when nothing is loaded."""
    organisations = list(Organisation.objects.filter(active=True).select_related("agency_type").order_by("code"))
    block_rows = list(
        TownBlock.objects.filter(active=True)
        .order_by("code")
        .values_list(
            "id",
            "code",
            "name",
            "postal_code",
            "branch_area_id",
            "junior_high_district_id",
            "elementary_district_id",
            "neighbourhood_association_id",
            "fire_station_area_id",
            "disability_block_id",
        )
    )
    categories = frozenset(IssueCategory.objects.values_list("code", flat=True))
    if not organisations or not block_rows or not categories:
        raise CommandError(NOT_LOADED)
    blocks = [
        Block(
            id=row[0],
            code=row[1],
            name=row[2],
            postal_code=row[3],
            branch_area_id=row[4],
            area_ids=frozenset(area for area in row[4:] if area is not None),
        )
        for row in block_rows
    ]
    index = ReferenceIndex(organisations=organisations, blocks=blocks, categories=categories)
    areas_of: dict[int, set[int]] = defaultdict(set)
    through = Organisation.covered_areas.through
    for org_id, area_id in through.objects.values_list("organisation_id", "area_id"):
        areas_of[org_id].add(area_id)
    for org in organisations:
        index.by_type.setdefault(org.agency_type_id, []).append(org)
        covered = areas_of.get(org.pk, set())
        index.blocks_of[org.pk] = [i for i, block in enumerate(blocks) if block.area_ids & covered]
    for org in organisations:
        for i in index.blocks_of[org.pk]:
            index.covering.setdefault(i, {}).setdefault(org.agency_type_id, []).append(org)
    for per_type in index.covering.values():
        for orgs in per_type.values():
            # The most local organisation (covering the fewest blocks) first.
            orgs.sort(key=lambda o: (len(index.blocks_of[o.pk]), o.code))
    return index
