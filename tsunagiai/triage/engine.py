"""Triage: read an intake's text and suggest categories, urgency, patterns, the lead and agencies.

It suggests; staff decide. Every part says why:
- categories: the trained classifier's score per category (classifier.py), the
  category's own threshold, and the words that pushed each suggested category up;
- urgency: the cue lexicon (lexicon.yaml) — a cue raises urgency unless negated
  (「死にたいとは言っていない」) — and the urgency model, whose emergency threshold is
  set for recall; abuse among the suggested categories is an emergency (taxonomy:
  虐待(疑い含む));
- patterns: from the recorded household when there is one, from the text
  otherwise; multi_issue from the categories (routing.md §4);
- lead and agencies: the routing policy (routing.py), with the abuse victim's field.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

from tsunagiai.reference.routing import RoutingPolicy, is_multi_issue, routing_policy, suggest
from tsunagiai.triage.classifier import (
    TEXT_PATTERNS,
    Features,
    ModelMissingError,
    TriageModel,
    analyse,
    current_model,
    emergency_evidence,
)
from tsunagiai.triage.lexicon import Lexicon, lexicon
from tsunagiai.triage.result import URGENCY_ORDER, PatternSuggestion, Situation, Span, TriageResult
from tsunagiai.triage.text import Normalised, Token, japanese_share, normalise

logger = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 20_000
# Under this share of kana/kanji among the letters, the text is not Japanese enough to classify.
MIN_JAPANESE_SHARE = 0.3
# A text whose best category scores under this suggests nothing; under CONFIDENT it is low-confidence.
SCORE_FLOOR = 0.2
CONFIDENT = 0.5
SECONDARY_MARGIN = 0.1
RELATIVE_FLOOR = 0.3
MAX_CATEGORIES = 4
MULTI_ISSUE = "multi_issue"
# Chosen on the held-out split (pattern F1 0.72 → 0.75, lead accuracy +0.6 points, category F1 unchanged).
MULTI_ISSUE_THRESHOLD = 0.6
MULTI_ISSUE_FLOOR = 0.7
ABUSE = "abuse_violence"
ABUSE_EMERGENCY_SCORE = 0.5
# A note not suggested as an emergency whose calibrated probability of one is at least this (one in five
# such notes of the held-out split were emergencies), or whose suggestion is low-confidence, is shown as
# 「緊急の可能性 — 確認してください」 when it is about a person living alone or a child.
POSSIBLE_EMERGENCY = 0.2
_VULNERABLE = re.compile(
    r"一人暮らし|独り暮らし|ひとり暮らし|ひとりぐらし|一人住まい|独居|身寄り"
    r"|子ども|子供|こども|乳児|幼児|赤ちゃん|赤ん坊|園児|児童|小学|中学生|保育園|幼稚園|こども園"
    r"|(\d|1[0-7])歳の(子|娘|息子)|\d{1,2}(か|ヶ|カ)月"
)

_VICTIM_CUES: dict[str, re.Pattern[str]] = {
    "child": re.compile(
        r"子ども|子供|こども|児童|乳児|幼児|赤ちゃん|園児|女児|男児|生徒|小学|中学|高校生|保育園|こども園|幼稚園"
        r"|(息子|娘|長男|長女|次男|次女)\((\d|1[0-7])\)|(\d|1[0-7])歳の(息子|娘|子)|\d{1,2}か月"
    ),
    "older_person": re.compile(
        r"高齢|[7-9]\d\s*(歳|才|代)|\([7-9]\d\)|祖母|祖父|おばあ|おじい|要介護|要支援|介護|認知症|デイ|ヘルパー|年金"
    ),
    "disabled_person": re.compile(r"障がい|障害|手帳|作業所|グループホーム|支援学校|知的|自閉"),
}
_ABUSE_WORDS = re.compile(r"虐待|暴力|殴|蹴|叩|あざ|アザ|痣|ネグレクト|放置|閉じ込め|怒鳴|押さえつけ|取り上げ|性的")


def triage(
    text: str,
    *,
    household_patterns: Iterable[tuple[str, str]] | None = None,
    model: TriageModel | None = None,
    lex: Lexicon | None = None,
) -> TriageResult:
    """Suggest for ``text``. ``household_patterns``: (code, reason) derived from the recorded household.

    ``model`` and ``lex`` default to the deployment's (training passes the model it is scoring).
    Raises ``ValueError`` when ``text`` is longer than MAX_TEXT_LENGTH.
    """
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"text longer than {MAX_TEXT_LENGTH} characters")
    policy = routing_policy()
    model = model or current_model()
    lex = lex or lexicon()
    normalised = normalise(text)
    cue_matches = lex.find_cues(normalised.text)
    cues = [_span(normalised, c.start, c.end, c.level, negated=c.negated) for c in cue_matches]
    situation_matches = lex.find_situations(normalised.text)
    situations = [
        Situation(
            m.name, m.level, [_span(normalised, start, end, m.level) for start, end, _words in m.spans], m.negated
        )
        for m in situation_matches
    ]
    cue_level = _max_level(
        [*(c.level for c in cue_matches if not c.negated), *(m.level for m in situation_matches if not m.negated)]
    )
    household = list(household_patterns) if household_patterns is not None else None

    if not normalised.text.strip():
        return _cannot_suggest(
            _("The concern is empty: write what was said, and a suggestion appears."), model.version, cues, cue_level
        )
    if japanese_share(normalised.text) < MIN_JAPANESE_SHARE:
        return _cannot_suggest(
            _("The suggestion reads Japanese text; this text is mostly in another language or symbols."),
            model.version,
            cues,
            cue_level,
        )

    analysis = analyse(text)
    x = model.features([analysis], lex)
    scores = model.category_scores(x)
    categories = _choose(scores, model.category_thresholds)
    pattern_scores = model.pattern_scores(x)
    categories = _complete_multi_issue(categories, scores, model.category_thresholds, pattern_scores, policy)
    best = max(scores.values(), default=0.0)
    notes: list[str] = []

    urgency_scores = model.urgency_scores(x)
    urgency = cue_level
    if any(not m.negated for m in situation_matches):
        notes.append("urgency:situation")
    if urgency_scores.get("emergency", 0.0) >= model.emergency_threshold and urgency != "emergency":
        urgency = "emergency"
        notes.append("urgency:model_emergency")
    # Abuse (suspected included) is an emergency (taxonomy) — unless the text itself denied the cue it named.
    denied = any(c.negated for c in cue_matches) and not any(not c.negated for c in cue_matches)
    if ABUSE in categories and scores[ABUSE] >= ABUSE_EMERGENCY_SCORE and urgency != "emergency" and not denied:
        urgency = "emergency"
        notes.append("urgency:abuse_category")
    if urgency == "normal" and urgency_scores.get("high", 0.0) >= model.high_threshold:
        urgency = "high"
        notes.append("urgency:model_high")

    emergency_probability = model.calibrated_emergency(
        emergency_evidence(urgency_scores.get("emergency", 0.0), _rule_emergency(cue_level, notes))
    )
    low_confidence = not categories or best < CONFIDENT
    unsure = low_confidence or (emergency_probability is not None and emergency_probability >= POSSIBLE_EMERGENCY)
    possible_emergency = urgency == "normal" and unsure and bool(_VULNERABLE.search(normalised.text))
    if possible_emergency:
        notes.append("urgency:possible_emergency")

    victim = _victim(normalised.text) if ABUSE in categories else None
    routed = suggest(categories, urgency=urgency, victim=victim, policy=policy)
    patterns = _patterns(pattern_scores, model.pattern_thresholds, household, lex.find_patterns(normalised.text))
    if is_multi_issue(categories, policy=policy) and "multi_issue" not in {p.code for p in patterns}:
        patterns.append(PatternSuggestion("multi_issue", "categories", ",".join(sorted(routed.core))))

    evidence = _evidence(normalised, analysis.tokens, categories, model, x, lex)
    message = ""
    if not categories:
        message = _("Nothing in the text points clearly at a category: choose the categories yourself.")
    elif low_confidence:
        message = _("Low confidence: check the suggested categories against what was said.")
    return TriageResult(
        categories=categories,
        scores={c: round(s, 4) for c, s in scores.items()},
        urgency=urgency,
        cues=cues,
        patterns=patterns,
        lead=routed.lead,
        agencies=routed.agencies,
        routing_reasons=routed.reasons,
        evidence=evidence,
        can_suggest=True,
        low_confidence=low_confidence,
        message=message,
        model_version=model.version,
        victim=victim,
        notes=notes,
        situations=situations,
        emergency_probability=None if emergency_probability is None else round(emergency_probability, 3),
        possible_emergency=possible_emergency,
    )


def warm_up() -> bool:
    """Load what the first suggestion needs — the model, the lexicon, the routing policy, the dictionary — now.

    Nothing loads at import; gunicorn's master calls this once before it forks its workers (config/gunicorn.conf.py),
    so every worker starts with them loaded and shared. False, with a warning logged, when there is no model yet.
    """
    try:
        triage("母の介護のことで相談です。")
    except ModelMissingError as exc:
        logger.warning("triage not warmed up: %s", exc)
        return False
    return True


def _choose(scores: dict[str, float], thresholds: dict[str, float]) -> list[str]:
    """The categories to suggest, best first.

    The best category needs its own threshold; every further one needs SECONDARY_MARGIN more and at least
    RELATIVE_FLOOR of the best score — staff record the problems they act on, not every fact in a note, and
    on held-out data this rule cut false categories more than it cost missed ones. At most MAX_CATEGORIES.
    """
    ranked = sorted(scores, key=lambda c: -scores[c])
    if not ranked:
        return []
    top = scores[ranked[0]]
    chosen: list[str] = []
    for rank, code in enumerate(ranked):
        needed = thresholds.get(code, 0.5) + (SECONDARY_MARGIN if rank else 0.0)
        if scores[code] >= needed and scores[code] >= RELATIVE_FLOOR * top and len(chosen) < MAX_CATEGORIES:
            chosen.append(code)
    if not chosen and top >= SCORE_FLOOR:
        chosen = [ranked[0]]
    return chosen


def _complete_multi_issue(
    categories: list[str],
    scores: dict[str, float],
    thresholds: dict[str, float],
    pattern_scores: dict[str, float],
    policy: RoutingPolicy,
) -> list[str]:
    """When the words say the household's problems span fields but the categories name one, look again.

    The pattern model reads multi_issue from the whole note; if it is confident (MULTI_ISSUE_THRESHOLD) and
    the chosen categories belong to one core agency type, the best category of another core type joins
    them — provided it reached MULTI_ISSUE_FLOOR of its own threshold.
    """
    if not categories or MULTI_ISSUE not in pattern_scores or is_multi_issue(categories, policy=policy):
        return categories
    if pattern_scores[MULTI_ISSUE] < MULTI_ISSUE_THRESHOLD:
        return categories
    chosen_types = policy.core_types(categories)
    candidates = [
        code
        for code in sorted(scores, key=lambda c: -scores[c])
        if code not in categories
        and policy.core_types([code]) - chosen_types
        and scores[code] >= MULTI_ISSUE_FLOOR * thresholds.get(code, 0.5)
    ]
    return [*categories, candidates[0]] if candidates else categories


def _cannot_suggest(message: str, version: str, cues: list[Span], urgency: str) -> TriageResult:
    """No categories, but an urgency cue still counts (a Portuguese 「quero morrer」 is an emergency)."""
    routed = suggest([], urgency=urgency) if urgency == "emergency" else None
    return TriageResult(
        categories=[],
        scores={},
        urgency=urgency,
        cues=cues,
        patterns=[],
        lead=routed.lead if routed else "",
        agencies=routed.agencies if routed else [],
        routing_reasons=routed.reasons if routed else [],
        evidence=[],
        can_suggest=False,
        low_confidence=True,
        message=message,
        model_version=version,
    )


def _rule_emergency(cue_level: str, notes: list[str]) -> bool:
    """Emergency by a rule, not by the model: a cue, a situation, or abuse among the categories."""
    return cue_level == "emergency" or "urgency:abuse_category" in notes


def _max_level(levels: Iterable[str]) -> str:
    return max(levels, key=URGENCY_ORDER.index, default="normal")


def _span(normalised: Normalised, start: int, end: int, label: str, *, negated: bool = False) -> Span:
    original_start, original_end = normalised.original_span(start, end)
    return Span(original_start, original_end, normalised.original[original_start:original_end], label, negated)


def _victim(text: str) -> str | None:
    """The abuse victim's field: the candidate named closest to an abuse word; None for DV between adults."""
    abuse_positions = [m.start() for m in _ABUSE_WORDS.finditer(text)] or [0]
    best: tuple[int, str] | None = None
    for victim, pattern in _VICTIM_CUES.items():
        for match in pattern.finditer(text):
            distance = min(abs(match.start() - p) for p in abuse_positions)
            if best is None or distance < best[0]:
                best = (distance, victim)
    return best[1] if best else None


def _patterns(
    scores: dict[str, float],
    thresholds: dict[str, float],
    household: list[tuple[str, str]] | None,
    rules: dict[str, list[tuple[int, int]]],
) -> list[PatternSuggestion]:
    if household is not None:
        # routing.md §4: computed from the household's members when the household is recorded.
        return [PatternSuggestion(code, "household", reason) for code, reason in household if code in TEXT_PATTERNS]
    suggested: list[PatternSuggestion] = []
    for code in TEXT_PATTERNS:
        if code in rules:
            suggested.append(PatternSuggestion(code, "text", "lexicon"))
        elif scores.get(code, 0.0) >= thresholds.get(code, 0.5):
            suggested.append(PatternSuggestion(code, "text", f"model:{scores[code]:.2f}"))
    return suggested


def _evidence(
    normalised: Normalised,
    tokens: list[Token],
    categories: list[str],
    model: TriageModel,
    x: Features,
    lex: Lexicon,
) -> list[Span]:
    """The words behind each suggested category: its lexicon keywords, then the words the model weighed most."""
    spans: list[Span] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return not any(start < e and s < end for s, e in taken)

    for keyword in lex.find_keywords(normalised.text):
        if keyword.category in categories and not keyword.negated and free(keyword.start, keyword.end):
            taken.append((keyword.start, keyword.end))
            spans.append(_span(normalised, keyword.start, keyword.end, keyword.category))
    for code in categories:
        # One-character words (母, 話) push scores but say little to a reader: they are not marked.
        words = {w for term in model.word_contributions(x, code) for w in term.split(" ") if len(w) > 1}
        for token in tokens:
            if token.base in words and free(token.start, token.end):
                taken.append((token.start, token.end))
                spans.append(_span(normalised, token.start, token.end, code))
    return sorted(spans, key=lambda s: (s.start, s.end))


__all__ = ["MAX_TEXT_LENGTH", "triage", "warm_up"]
