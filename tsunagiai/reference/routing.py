"""The routing policy (routing.md §1–§4): who should lead, and which agency types to connect.

The policy is data (settings.ROUTING_POLICY_FILE, Toyota City's default in
data/reference/routing.yaml): a municipality changes the file, not this code.
It is read once per file version and validated, so a broken file fails loudly
at the first suggestion instead of suggesting nonsense.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

CORE = "core"
SUPPLEMENTARY = "supplementary"
EMERGENCY = "emergency"


class RoutingPolicyError(ValueError):
    """The routing policy file is not usable."""


@dataclass(frozen=True)
class RoutingPolicy:
    """routing.yaml, validated: category → (agency type, core?) and the lead rules."""

    category_agency: Mapping[str, tuple[str, bool]]
    multi_issue_min_core_agency_types: int = 2
    crisis_lead: str = "coordination_section"
    crisis_categories: frozenset[str] = frozenset({"abuse_violence"})
    multiple_core_lead: str = "csw"
    supplementary_preference: tuple[str, ...] = ()
    abuse_victim_agency: Mapping[str, str] = field(default_factory=dict)

    def core_types(self, categories: Iterable[str]) -> set[str]:
        return {
            self.category_agency[c][0] for c in categories if c in self.category_agency and self.category_agency[c][1]
        }

    def supplementary_types(self, categories: Iterable[str]) -> set[str]:
        return {
            self.category_agency[c][0]
            for c in categories
            if c in self.category_agency and not self.category_agency[c][1]
        }


@dataclass(frozen=True)
class RoutingSuggestion:
    """Where a consultation should go: a starting point that staff may override (with a reason)."""

    lead: str
    agencies: list[str]
    core: set[str]
    reasons: list[str]


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise RoutingPolicyError(message)


def parse_policy(data: Any) -> RoutingPolicy:
    """Validate the YAML document and build the policy; ``RoutingPolicyError`` says what is wrong."""
    _require(isinstance(data, dict), "routing policy: the document must be a mapping")
    raw_categories = data.get("category_agency")
    _require(isinstance(raw_categories, dict) and bool(raw_categories), "routing policy: category_agency is missing")
    mapping: dict[str, tuple[str, bool]] = {}
    for code, entry in raw_categories.items():
        _require(isinstance(entry, dict), f"routing policy: category {code!r} must be a mapping")
        agency_type, kind = entry.get("agency_type"), entry.get("kind")
        _require(isinstance(agency_type, str) and bool(agency_type), f"routing policy: {code!r} has no agency_type")
        _require(kind in (CORE, SUPPLEMENTARY), f"routing policy: {code!r} kind must be core or supplementary")
        mapping[str(code)] = (str(agency_type), kind == CORE)
    lead = data.get("lead") or {}
    _require(isinstance(lead, dict), "routing policy: lead must be a mapping")
    preference = lead.get("supplementary_preference") or []
    _require(isinstance(preference, list), "routing policy: lead.supplementary_preference must be a list")
    crisis_categories = lead.get("crisis_categories") or ["abuse_violence"]
    _require(isinstance(crisis_categories, list), "routing policy: lead.crisis_categories must be a list")
    victim = data.get("abuse_victim_agency") or {}
    _require(isinstance(victim, dict), "routing policy: abuse_victim_agency must be a mapping")
    minimum = data.get("multi_issue_min_core_agency_types", 2)
    _require(isinstance(minimum, int) and minimum >= 1, "routing policy: multi_issue_min_core_agency_types must be ≥ 1")
    return RoutingPolicy(
        category_agency=mapping,
        crisis_lead=str(lead.get("crisis", "coordination_section")),
        crisis_categories=frozenset(str(c) for c in crisis_categories),
        multiple_core_lead=str(lead.get("multiple_core", "csw")),
        supplementary_preference=tuple(str(p) for p in preference),
        abuse_victim_agency={str(k): str(v) for k, v in victim.items()},
        multi_issue_min_core_agency_types=minimum,
    )


@functools.cache
def _load(path: Path, mtime: float) -> RoutingPolicy:
    with path.open(encoding="utf-8") as handle:
        return parse_policy(yaml.safe_load(handle))


def routing_policy() -> RoutingPolicy:
    """The deployment's routing policy, read once per version of the file."""
    path = Path(settings.ROUTING_POLICY_FILE)
    return _load(path, path.stat().st_mtime)


def is_multi_issue(categories: Iterable[str], *, policy: RoutingPolicy | None = None) -> bool:
    """routing.md §4: the core categories belong to at least N (2) distinct agency types."""
    policy = policy or routing_policy()
    return len(policy.core_types(categories)) >= policy.multi_issue_min_core_agency_types


def suggest(
    categories: Iterable[str],
    *,
    urgency: str | None = None,
    victim: str | None = None,
    policy: RoutingPolicy | None = None,
) -> RoutingSuggestion:
    """The lead and the agencies to connect for ``categories`` (routing.md §2–§3).

    ``victim`` (child, older_person, disabled_person, or None for DV between
    adults) adds the victim's field agency when abuse is among the categories.
    Unknown category codes are ignored.
    """
    policy = policy or routing_policy()
    codes = sorted(set(categories))
    core = policy.core_types(codes)
    supplementary = policy.supplementary_types(codes)
    crisis = sorted(policy.crisis_categories.intersection(codes))
    reasons: list[str] = []
    if urgency == EMERGENCY or crisis:
        lead = policy.crisis_lead
        reasons.append("emergency" if urgency == EMERGENCY else f"crisis_category:{','.join(crisis)}")
    elif len(core) == 1:
        (lead,) = core
        reasons.append(f"single_core:{lead}")
    elif len(core) >= 2:  # noqa: PLR2004
        lead = policy.multiple_core_lead
        reasons.append(f"multiple_core:{','.join(sorted(core))}")
    else:
        lead = next((t for t in policy.supplementary_preference if t in supplementary), "")
        if not lead:
            # Nothing the policy knows about: the CSW accompanies what fits no system (制度の狭間).
            lead = policy.multiple_core_lead
            reasons.append("no_known_category")
        else:
            reasons.append(f"supplementary_only:{lead}")
    agencies = core | supplementary | {lead}
    if crisis and victim and victim in policy.abuse_victim_agency:
        agencies.add(policy.abuse_victim_agency[victim])
        reasons.append(f"abuse_victim:{victim}")
    return RoutingSuggestion(lead=lead, agencies=sorted(agencies), core=core, reasons=reasons)
