"""Triage: read an intake's text and suggest categories, urgency, patterns, the lead and agencies.

PLACEHOLDER while the classifier lands: the signature is the contract.
"""

from __future__ import annotations

from collections.abc import Iterable

from tsunagiai.triage.result import PatternSuggestion, TriageResult
from tsunagiai.triage.routing import is_multi_issue, routing_policy, suggest

MAX_TEXT_LENGTH = 20_000


def triage(
    text: str,
    *,
    household_patterns: Iterable[tuple[str, str]] | None = None,
) -> TriageResult:
    """Suggest for ``text``. ``household_patterns``: (code, reason) derived from the recorded household.

    Raises ``ValueError`` when ``text`` is longer than MAX_TEXT_LENGTH.
    """
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError("text too long")
    policy = routing_policy()
    categories = [c for c in policy.category_agency if c in text]
    routing = suggest(categories, policy=policy)
    patterns = [PatternSuggestion(code, "household", reason) for code, reason in household_patterns or ()]
    if is_multi_issue(categories, policy=policy):
        patterns.append(PatternSuggestion("multi_issue", "categories", ""))
    return TriageResult(
        categories=categories,
        scores={c: 1.0 if c in categories else 0.0 for c in policy.category_agency},
        urgency="normal",
        cues=[],
        patterns=patterns,
        lead=routing.lead,
        agencies=routing.agencies,
        routing_reasons=routing.reasons,
        evidence=[],
        can_suggest=bool(text.strip()),
        low_confidence=not categories,
        message="",
        model_version="placeholder",
    )
