"""Who covers a place, and who coordinates."""

from __future__ import annotations

from tsunagiai.reference.models import Organisation
from tsunagiai.reference.selectors import coordination_organisations, organisations_covering


def test_organisations_covering_a_town_block_include_those_of_any_of_its_areas(town) -> None:
    north = organisations_covering(town.blocks["north"], agency_type="community_support_center")
    south = organisations_covering(town.blocks["south"], agency_type="community_support_center")

    assert list(north) == [town.orgs["elderly_north"]]
    assert list(south) == []


def test_organisations_covering_an_area_include_those_covering_the_areas_above_it(town) -> None:
    covering = set(organisations_covering(town.areas["north_association"]))

    assert {town.orgs["branch_north"], town.orgs["elderly_north"], town.orgs["coordination"]} <= covering
    assert town.orgs["branch_south"] not in covering


def test_inactive_organisations_cover_nothing(town) -> None:
    Organisation.objects.filter(pk=town.orgs["elderly_north"].pk).update(active=False)

    assert not organisations_covering(town.blocks["north"], agency_type="community_support_center").exists()


def test_coordination_organisations_are_the_active_coordination_sections(town) -> None:
    assert list(coordination_organisations()) == [town.orgs["coordination"]]
