"""A fixed suggestion for the tests of the panel, the API and storage (independent of the engine's model)."""

from __future__ import annotations

from typing import Any

import pytest

from tsunagiai.triage import engine
from tsunagiai.triage.result import PatternSuggestion, Span, TriageResult

CONCERN = "母が認知症で、介護に疲れた。死にたいとは言っていない。"


def fixed_result(text: str, *, household_patterns: Any = None) -> TriageResult:
    """dementia + elderly_care, high urgency, with words behind each (offsets into ``text``)."""
    if not text.strip():
        return TriageResult(
            categories=[],
            scores={},
            urgency="normal",
            cues=[],
            patterns=[],
            lead="",
            agencies=[],
            routing_reasons=[],
            evidence=[],
            can_suggest=False,
            low_confidence=True,
            message="",
            model_version="test-1",
        )
    evidence = []
    for word, label in (("認知症", "dementia"), ("介護", "elderly_care")):
        at = text.find(word)
        if at >= 0:
            evidence.append(Span(at, at + len(word), word, label))
    cues = []
    at = text.find("死にたい")
    if at >= 0:
        cues.append(Span(at, at + 4, "死にたい", "emergency", negated=True))
    at = text.find("疲れた")
    if at >= 0:
        cues.append(Span(at, at + 3, "疲れた", "high"))
    patterns = [PatternSuggestion(code, "household", reason) for code, reason in household_patterns or ()]
    return TriageResult(
        categories=["dementia", "elderly_care"],
        scores={"dementia": 0.91, "elderly_care": 0.74, "mental_health": 0.2},
        urgency="high",
        cues=cues,
        patterns=patterns,
        lead="community_support_center",
        agencies=["community_support_center"],
        routing_reasons=["single_core:community_support_center"],
        evidence=evidence,
        can_suggest=True,
        low_confidence=False,
        message="",
        model_version="test-1",
    )


@pytest.fixture
def fixed_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "triage", fixed_result)
