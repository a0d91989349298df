"""The routing policy (routing.md §1–§4) against the specification's labelled examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tsunagiai.reference.routing import RoutingPolicyError, is_multi_issue, parse_policy, routing_policy, suggest

EXAMPLES = [
    json.loads(line)
    for line in (Path(__file__).parent / "data" / "triage_examples.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["id"] for e in EXAMPLES])
def test_suggestion_matches_the_labelled_example(example: dict[str, Any]) -> None:
    result = suggest(example["categories"], urgency=example["urgency"])
    assert result.lead == example["lead"]
    assert result.agencies == sorted(example["agencies"])
    assert is_multi_issue(example["categories"]) == ("multi_issue" in example["patterns"])


def test_emergency_makes_the_coordination_section_lead() -> None:
    result = suggest(["dementia"], urgency="emergency")
    assert result.lead == "coordination_section"
    assert result.agencies == ["community_support_center", "coordination_section"]
    assert result.reasons == ["emergency"]


@pytest.mark.parametrize(
    ("victim", "added"),
    [
        ("child", "child_support_center"),
        ("older_person", "community_support_center"),
        ("disabled_person", "disability_support_office"),
    ],
)
def test_abuse_adds_the_agency_of_the_victims_field(victim: str, added: str) -> None:
    result = suggest(["abuse_violence"], victim=victim)
    assert result.lead == "coordination_section"
    assert result.agencies == sorted({"coordination_section", added})


def test_domestic_violence_between_adults_adds_nothing_more() -> None:
    assert suggest(["abuse_violence"], victim=None).agencies == ["coordination_section"]


def test_only_supplementary_categories_take_the_first_preferred_agency() -> None:
    result = suggest(["neighborhood", "foreign_residents"])
    assert result.lead == "international_center"
    assert result.agencies == ["branch_office", "international_center"]
    assert result.core == set()


def test_two_core_agency_types_make_the_csw_lead() -> None:
    result = suggest(["elderly_care", "disability"])
    assert result.lead == "csw"
    assert result.core == {"community_support_center", "disability_support_office"}


def test_unknown_categories_are_ignored_and_fall_back_to_the_csw() -> None:
    assert suggest(["no_such_category"]).lead == "csw"


def test_policy_is_read_once_per_file_version() -> None:
    assert routing_policy() is routing_policy()


@pytest.mark.parametrize(
    "document",
    [
        [],
        {},
        {"category_agency": {"x": {"agency_type": "csw", "kind": "sometimes"}}},
        {"category_agency": {"x": {"kind": "core"}}},
        {"category_agency": {"x": {"agency_type": "csw", "kind": "core"}}, "multi_issue_min_core_agency_types": 0},
    ],
)
def test_a_broken_policy_is_refused(document: Any) -> None:
    with pytest.raises(RoutingPolicyError):
        parse_policy(document)
