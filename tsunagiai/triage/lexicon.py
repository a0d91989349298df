"""The triage lexicon (data/triage/lexicon.yaml): urgency cues with negation, and category keywords.

The file is validated when read (every pattern compiles, every category code
is known); a broken file fails at the first suggestion with the key at fault.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

URGENCY_LEVELS = ("emergency", "high")
TEXT_PATTERN_CODES = ("p8050", "double_care", "young_carer")
# How far a negation may sit from its cue, in characters, and where a clause ends.
_AFTER_WINDOW = 24
_BEFORE_WINDOW = 12
_CLAUSE_END = re.compile(r"[。!?！？\n]")


class LexiconError(ValueError):
    """The lexicon file is not usable."""


@dataclass(frozen=True)
class CueMatch:
    start: int
    end: int
    text: str
    level: str  # emergency | high
    group: str  # suicide, violence, …
    negated: bool


@dataclass(frozen=True)
class KeywordMatch:
    start: int
    end: int
    text: str
    category: str
    negated: bool


@dataclass(frozen=True)
class SituationRule:
    """An emergency told between the lines: facts that, co-occurring in one note, a caseworker reads as urgent.

    Each fact is a tuple of alternative expressions; the rule holds when every fact has an un-negated match.
    """

    key: str
    name: str  # Japanese, shown to staff as the reason
    level: str
    facts: tuple[tuple[re.Pattern[str], ...], ...]


@dataclass(frozen=True)
class SituationMatch:
    key: str
    name: str
    level: str
    # One span per fact: the first match of that fact (un-negated if any).
    spans: tuple[tuple[int, int, str], ...]
    # Every fact was present but at least one only negated (「一人暮らしだが、新聞はたまっていない」): raises nothing.
    negated: bool


@dataclass(frozen=True)
class Lexicon:
    cues: tuple[tuple[str, str, re.Pattern[str]], ...]  # (level, group, pattern)
    negation_after: tuple[re.Pattern[str], ...]
    negation_before: tuple[re.Pattern[str], ...]
    past: re.Pattern[str] | None
    settled: tuple[re.Pattern[str], ...]
    keywords: dict[str, re.Pattern[str]]
    version: str
    # Household pattern → (any-of expressions, all-of expressions).
    text_patterns: dict[str, tuple[tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]] = field(
        default_factory=dict
    )
    situations: tuple[SituationRule, ...] = ()

    def find_situations(self, text: str) -> list[SituationMatch]:
        """Situation rules whose facts all occur in ``text``; negated when a fact is present only negated."""
        found: list[SituationMatch] = []
        for rule in self.situations:
            spans: list[tuple[int, int, str]] = []
            negated = False
            for alternatives in rule.facts:
                first: tuple[int, int, str] | None = None
                plain: tuple[int, int, str] | None = None
                for pattern in alternatives:
                    for match in pattern.finditer(text):
                        if match.end() == match.start():
                            continue
                        span = (match.start(), match.end(), match.group(0))
                        first = first or span
                        if not self.is_negated(text, match.start(), match.end()):
                            plain = span
                            break
                    if plain:
                        break
                if first is None:
                    break
                if plain is None:
                    negated = True
                spans.append(plain or first)
            else:
                found.append(SituationMatch(rule.key, rule.name, rule.level, tuple(spans), negated))
        return found

    def find_patterns(self, text: str) -> dict[str, list[tuple[int, int]]]:
        """Patterns whose expressions occur in ``text``, with the spans of the words that made them hold."""
        found: dict[str, list[tuple[int, int]]] = {}
        for code, (any_of, all_of) in self.text_patterns.items():
            for pattern in any_of:
                match = pattern.search(text)
                if match:
                    found[code] = [match.span()]
                    break
            else:
                matches = [pattern.search(text) for pattern in all_of]
                if all_of and all(matches):
                    found[code] = [m.span() for m in matches if m]
        return found

    def find_cues(self, text: str) -> list[CueMatch]:
        """Every urgency cue in the normalised ``text``, each marked negated or not; overlaps resolved."""
        found: list[CueMatch] = []
        for level, group, pattern in self.cues:
            for match in pattern.finditer(text):
                if match.end() == match.start():
                    continue
                found.append(
                    CueMatch(
                        match.start(),
                        match.end(),
                        match.group(0),
                        level,
                        group,
                        self.is_negated(text, match.start(), match.end()),
                    )
                )
        # Keep the longest cue where cues overlap (殴られた over 殴), emergency over high.
        found.sort(key=lambda c: (c.start, -(c.end - c.start), c.level != "emergency"))
        kept: list[CueMatch] = []
        for cue in found:
            if kept and cue.start < kept[-1].end:
                continue
            kept.append(cue)
        return kept

    def find_keywords(self, text: str) -> list[KeywordMatch]:
        found: list[KeywordMatch] = []
        for category, pattern in self.keywords.items():
            for match in pattern.finditer(text):
                if match.end() > match.start():
                    negated = self.is_negated(text, match.start(), match.end())
                    found.append(KeywordMatch(match.start(), match.end(), match.group(0), category, negated))
        return found

    def is_negated(self, text: str, start: int, end: int) -> bool:
        """Is the cue at [start, end) negated, joked about, hypothetical, or past and settled?"""
        after = _clause_after(text, end)
        if any(p.search(after) for p in self.negation_after):
            return True
        before = _clause_before(text, start)
        if any(p.search(before) for p in self.negation_before):
            return True
        if self.past is not None and self.past.search(before + text[start:end] + after[:_AFTER_WINDOW]):
            rest = after + text[end + len(after) : end + len(after) + 60]
            if any(p.search(rest) for p in self.settled):
                return True
        return False


def _clause_after(text: str, end: int) -> str:
    window = text[end : end + _AFTER_WINDOW]
    stop = _CLAUSE_END.search(window)
    return window[: stop.start()] if stop else window


def _clause_before(text: str, start: int) -> str:
    window = text[max(0, start - _BEFORE_WINDOW) : start]
    stops = list(_CLAUSE_END.finditer(window))
    return window[stops[-1].end() :] if stops else window


def _compile(pattern: Any, where: str) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise LexiconError(f"lexicon: {where}: a non-empty pattern is required")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise LexiconError(f"lexicon: {where}: {exc}") from exc


def _patterns(values: Any, where: str) -> tuple[re.Pattern[str], ...]:
    if not isinstance(values, list):
        raise LexiconError(f"lexicon: {where} must be a list")
    return tuple(_compile(v, f"{where}[{i}]") for i, v in enumerate(values))


def parse_lexicon(data: Any, *, categories: Iterable[str]) -> Lexicon:
    if not isinstance(data, dict):
        raise LexiconError("lexicon: the document must be a mapping")
    known = set(categories)
    cues: list[tuple[str, str, re.Pattern[str]]] = []
    raw_cues = data.get("urgency_cues")
    if not isinstance(raw_cues, dict) or "emergency" not in raw_cues:
        raise LexiconError("lexicon: urgency_cues.emergency is missing")
    for level, groups in raw_cues.items():
        if level not in URGENCY_LEVELS:
            raise LexiconError(f"lexicon: urgency_cues.{level}: unknown level (emergency or high)")
        if not isinstance(groups, dict):
            raise LexiconError(f"lexicon: urgency_cues.{level} must be a mapping of groups")
        for group, patterns in groups.items():
            cues.extend((level, str(group), p) for p in _patterns(patterns, f"urgency_cues.{level}.{group}"))
    negation = data.get("negation") or {}
    if not isinstance(negation, dict):
        raise LexiconError("lexicon: negation must be a mapping")
    past = _patterns(negation.get("past", []), "negation.past")
    keywords: dict[str, re.Pattern[str]] = {}
    raw_keywords = data.get("category_keywords") or {}
    if not isinstance(raw_keywords, dict):
        raise LexiconError("lexicon: category_keywords must be a mapping")
    for code, pattern in raw_keywords.items():
        if code not in known:
            raise LexiconError(f"lexicon: category_keywords.{code}: unknown category")
        keywords[str(code)] = _compile(pattern, f"category_keywords.{code}")
    text_patterns: dict[str, tuple[tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]] = {}
    raw_patterns = data.get("text_patterns") or {}
    if not isinstance(raw_patterns, dict):
        raise LexiconError("lexicon: text_patterns must be a mapping")
    for code, rule in raw_patterns.items():
        if code not in TEXT_PATTERN_CODES:
            raise LexiconError(f"lexicon: text_patterns.{code}: unknown pattern ({', '.join(TEXT_PATTERN_CODES)})")
        if not isinstance(rule, dict):
            raise LexiconError(f"lexicon: text_patterns.{code} must be a mapping with any and/or all")
        text_patterns[str(code)] = (
            _patterns(rule.get("any", []), f"text_patterns.{code}.any"),
            _patterns(rule.get("all", []), f"text_patterns.{code}.all"),
        )
    return Lexicon(
        situations=_situations({} if data.get("situation_rules") is None else data["situation_rules"]),
        text_patterns=text_patterns,
        cues=tuple(cues),
        negation_after=_patterns(negation.get("after", []), "negation.after"),
        negation_before=_patterns(negation.get("before", []), "negation.before"),
        past=re.compile("|".join(p.pattern for p in past)) if past else None,
        settled=_patterns(negation.get("settled", []), "negation.settled"),
        keywords=keywords,
        version=str(data.get("version", "")),
    )


def _situations(raw: Any) -> tuple[SituationRule, ...]:
    """situation_rules: key → {name, level, facts: [[expression, …], …]} with at least two facts."""
    if not isinstance(raw, dict):
        raise LexiconError("lexicon: situation_rules must be a mapping")
    rules: list[SituationRule] = []
    for key, rule in raw.items():
        where = f"situation_rules.{key}"
        if not isinstance(rule, dict):
            raise LexiconError(f"lexicon: {where} must be a mapping with name, level and facts")
        unknown = set(rule) - {"name", "level", "facts"}
        if unknown:
            raise LexiconError(f"lexicon: {where}: unknown keys {', '.join(sorted(map(str, unknown)))}")
        name = rule.get("name")
        if not isinstance(name, str) or not name.strip():
            raise LexiconError(f"lexicon: {where}.name: a name shown to staff is required")
        level = rule.get("level", "emergency")
        if level not in URGENCY_LEVELS:
            raise LexiconError(f"lexicon: {where}.level: unknown level (emergency or high)")
        facts = rule.get("facts")
        if not isinstance(facts, list) or len(facts) < 2:
            raise LexiconError(
                f"lexicon: {where}.facts: at least two facts are required (one is a cue, not a situation)"
            )
        compiled: list[tuple[re.Pattern[str], ...]] = []
        for i, fact in enumerate(facts):
            alternatives = [fact] if isinstance(fact, str) else fact
            if not isinstance(alternatives, list) or not alternatives:
                raise LexiconError(f"lexicon: {where}.facts[{i}] must be an expression or a non-empty list of them")
            compiled.append(_patterns(alternatives, f"{where}.facts[{i}]"))
        rules.append(SituationRule(str(key), name.strip(), str(level), tuple(compiled)))
    return tuple(rules)


@functools.cache
def _load(path: Path, mtime: float) -> Lexicon:
    from tsunagiai.reference.routing import routing_policy

    with path.open(encoding="utf-8") as handle:
        return parse_lexicon(yaml.safe_load(handle), categories=routing_policy().category_agency)


def lexicon() -> Lexicon:
    """The deployment's lexicon, read once per version of the file."""
    path = Path(settings.TRIAGE_LEXICON_FILE)
    return _load(path, path.stat().st_mtime)
