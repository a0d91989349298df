"""The demo's concern texts are data (tsunagiai/demo/data/concerns.yaml), checked when read."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from django.conf import settings

from tsunagiai.demo import concerns as c


def entry(**fields: Any) -> dict[str, Any]:
    return {"text": "本人来所。", "categories": ["elderly_care"], "fits": "elderly", "subject": "eldest", **fields}


def data(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"groups": {"elderly": [c.SINGLE_ELDERLY, c.ELDERLY_COUPLE]}, "concerns": list(entries)}


def test_every_household_kind_has_a_concern_and_every_kind_of_report_is_there() -> None:
    fitted = set().union(*(concern.fits for concern in c.CONCERNS))
    assert fitted == c.ALL_HOUSEHOLD_KINDS
    assert {concern.kind for concern in c.CONCERNS} == c.CONCERN_KINDS


def test_every_category_and_window_of_a_concern_is_in_the_taxonomy() -> None:
    taxonomy = yaml.safe_load((settings.BASE_DIR / "data" / "reference" / "taxonomy.yaml").read_text(encoding="utf-8"))
    known = {item["code"] for item in taxonomy["issue_categories"]}
    agency_types = {item["code"] for item in taxonomy["agency_types"]}
    assert {window for concern in c.CONCERNS for window in concern.windows} <= agency_types
    assert {code for concern in c.CONCERNS for code in concern.categories} <= known


def test_a_group_name_stands_for_its_household_kinds_and_defaults_fill_the_rest() -> None:
    (concern,) = c.parse_concerns(data(entry()))
    assert concern.fits == {c.SINGLE_ELDERLY, c.ELDERLY_COUPLE}
    assert (concern.windows, concern.consulters, concern.urgency, concern.kind, concern.weight) == (
        ("branch_office",),
        ("self", "family"),
        "normal",
        c.STANDARD,
        3,
    )


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (entry(fits="nobody"), "concern 1: fits: unknown group"),
        (entry(fits=["castle"]), "concern 1: fits: unknown household kinds"),
        (entry(subject="cat"), "concern 1: subject"),
        (entry(urgency="soon"), "concern 1: urgency"),
        (entry(weight=0), "concern 1: weight"),
        (entry(categories=[]), "concern 1: categories"),
        (entry(colour="red"), "concern 1: unknown fields"),
        (entry(text=""), "concern 1: a mapping with a non-empty 'text'"),
    ],
)
def test_a_malformed_entry_is_refused_with_its_place(bad: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        c.parse_concerns(data(bad))
