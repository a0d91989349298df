"""What a triage suggestion says: the one shape shared by the engine, the commands, the API and the form.

Offsets (``start``/``end``) index the text exactly as it was given (not the
normalised text), so a page can highlight the words behind a suggestion.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

URGENCY_ORDER = ("normal", "high", "emergency")


@dataclass(frozen=True)
class Span:
    """Words in the text that support a suggestion."""

    start: int
    end: int
    text: str
    # A category code, or an urgency level ("emergency"/"high") for urgency cues.
    label: str
    # For urgency cues: the cue was negated or reported as past (「死にたいとは言っていない」) and raised nothing.
    negated: bool = False


@dataclass(frozen=True)
class Situation:
    """A situation rule (lexicon.yaml, situation_rules) that held: facts that together read as urgent."""

    # The rule's name in Japanese, shown to staff as the reason.
    name: str
    level: str
    # The words of each fact, in the text as given.
    facts: list[Span]
    # Every fact was present but at least one only negated: it raised nothing.
    negated: bool = False


@dataclass(frozen=True)
class PatternSuggestion:
    code: str
    # "household" when derived from the recorded members, "text" when suggested from the words,
    # "categories" for multi_issue (routing.md §4).
    source: str
    reason: str


@dataclass(frozen=True)
class TriageResult:
    """A suggestion for one text. Staff decide; nothing here is applied on its own."""

    # Suggested categories, best first (those whose score passed the category's threshold).
    categories: list[str]
    # Every category's score in [0, 1].
    scores: dict[str, float]
    urgency: str
    # Words that raised (or, negated, did not raise) the urgency.
    cues: list[Span]
    patterns: list[PatternSuggestion]
    lead: str
    agencies: list[str]
    # Why this lead (routing.md rule that applied), in codes, e.g. "single_core:csw".
    routing_reasons: list[str]
    # Words behind each suggested category.
    evidence: list[Span]
    # False when the text gives nothing to go on (empty, not Japanese, …): show ``message`` instead.
    can_suggest: bool
    # Low confidence: the best category score is under the model's confidence floor.
    low_confidence: bool
    message: str
    model_version: str
    # The abuse victim's field when abuse is suggested: child / older_person / disabled_person, or None.
    victim: str | None = None
    notes: list[str] = field(default_factory=list)
    # Situation rules that held (an emergency told between the lines), negated ones included.
    situations: list[Situation] = field(default_factory=list)
    # Calibrated probability that the note is an emergency (isotonic on the held-out split); None without a
    # calibration in the model or when nothing could be suggested.
    emergency_probability: float | None = None
    # Not suggested as an emergency, but the suggestion is unsure and the note is about a person living alone
    # or a child: shown as 「緊急の可能性 — 確認してください」 rather than 通常.
    possible_emergency: bool = False

    @property
    def pattern_codes(self) -> list[str]:
        return [p.code for p in self.patterns]

    def situation_records(self) -> list[dict[str, Any]]:
        """The situations as stored and as the API gives them: name, level, negated, facts (text, start, end)."""
        return [
            {
                "name": s.name,
                "level": s.level,
                "negated": s.negated,
                "facts": [{"text": f.text, "start": f.start, "end": f.end} for f in s.facts],
            }
            for s in self.situations
        ]

    def to_evaluation_record(self, record_id: str) -> dict[str, Any]:
        """The evaluation format of routing.md plus ``scores`` and ``cues``."""
        return {
            "id": record_id,
            "categories": list(self.categories),
            "urgency": self.urgency,
            "patterns": sorted(self.pattern_codes),
            "lead": self.lead,
            "agencies": list(self.agencies),
            "scores": {code: round(score, 4) for code, score in self.scores.items()},
            "cues": [
                {"text": c.text, "start": c.start, "end": c.end, "level": c.label, "negated": c.negated}
                for c in self.cues
            ],
            "situations": self.situation_records(),
            "emergency_probability": self.emergency_probability,
            "possible_emergency": self.possible_emergency,
        }

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["pattern_codes"] = self.pattern_codes
        return data
