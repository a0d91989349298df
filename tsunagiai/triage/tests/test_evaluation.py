"""The evaluation numbers, checked against counts worked out by hand."""

from __future__ import annotations

import pytest

from tsunagiai.triage.evaluation import evaluate, format_report, prf

CATEGORIES = ["a", "b", "c"]
PATTERNS = ["p", "q"]


def record(
    rid: str,
    cats: list[str],
    urgency: str = "normal",
    patterns: list[str] | None = None,
    lead: str = "x",
    agencies: list[str] | None = None,
) -> dict[str, object]:
    return {
        "id": rid,
        "categories": cats,
        "urgency": urgency,
        "patterns": patterns or [],
        "lead": lead,
        "agencies": agencies or [],
    }


GOLD = [
    record("1", ["a"], "emergency", ["p"], "x", ["x"]),
    record("2", ["a", "b"], "normal", [], "y", ["x", "y"]),
    record("3", ["c"], "high", ["q"], "z", ["z"]),
    record("4", ["b"], "emergency", [], "x", ["x", "w"]),
]
PREDICTED = {
    "1": record("1", ["a", "b"], "emergency", ["p"], "x", ["x"]),  # b is a false positive
    "2": record("2", ["a"], "emergency", [], "y", ["x"]),  # b missed; a false emergency
    "3": record("3", ["c"], "normal", [], "y", ["z", "y"]),  # q missed; lead wrong
    "4": record("4", ["b"], "high", [], "x", ["x", "w"]),  # an emergency missed
}


def test_per_category_and_micro_macro() -> None:
    report = evaluate(GOLD, PREDICTED, categories=CATEGORIES, patterns=PATTERNS)
    # a: tp 2; b: tp 1 (rec 4), fp 1 (rec 1), fn 1 (rec 2); c: tp 1.
    assert report.per_category["a"].f1 == 1.0
    assert report.per_category["b"].precision == pytest.approx(0.5)
    assert report.per_category["b"].recall == pytest.approx(0.5)
    # micro: tp 4, fp 1, fn 1 → P = R = 0.8.
    assert report.micro_f1 == pytest.approx(0.8)
    assert report.macro_f1 == pytest.approx((1 + 0.5 + 1) / 3)


def test_urgency_confusion_and_emergency_recall() -> None:
    report = evaluate(GOLD, PREDICTED, categories=CATEGORIES, patterns=PATTERNS)
    assert report.urgency_confusion["emergency"] == {"normal": 0, "high": 1, "emergency": 1}
    assert report.urgency_confusion["normal"]["emergency"] == 1
    assert report.urgency_confusion["high"]["normal"] == 1
    assert report.emergency.recall == pytest.approx(0.5)
    assert report.emergency.precision == pytest.approx(0.5)
    assert report.urgency_accuracy == pytest.approx(0.25)


def test_lead_patterns_and_agencies() -> None:
    report = evaluate(GOLD, PREDICTED, categories=CATEGORIES, patterns=PATTERNS)
    assert report.lead_accuracy == pytest.approx(0.75)
    # patterns: p tp 1; q fn 1 → P 1, R 0.5 → F1 2/3.
    assert report.pattern_f1 == pytest.approx(2 / 3)
    # Jaccard: 1, 1/2, 1/2, 1.
    assert report.agency_jaccard == pytest.approx(0.75)


def test_a_missing_prediction_counts_as_wrong() -> None:
    report = evaluate(GOLD, {"1": PREDICTED["1"]}, categories=CATEGORIES, patterns=PATTERNS)
    assert report.missing == ["2", "3", "4"]
    assert report.lead_accuracy == pytest.approx(0.25)


def test_a_perfect_prediction_scores_one() -> None:
    report = evaluate(GOLD, {str(g["id"]): g for g in GOLD}, categories=CATEGORIES, patterns=PATTERNS)
    assert (report.micro_f1, report.macro_f1, report.lead_accuracy, report.pattern_f1) == (1.0, 1.0, 1.0, 1.0)
    assert report.emergency.recall == 1.0


def test_prf_without_positives_is_zero() -> None:
    assert prf(0, 0, 0).f1 == 0.0


def test_the_printed_report_names_every_number() -> None:
    text = format_report(evaluate(GOLD, PREDICTED, categories=CATEGORIES, patterns=PATTERNS))
    for label in ("micro-F1", "macro-F1", "emergency recall", "lead accuracy", "agency Jaccard", "pattern F1"):
        assert label in text
