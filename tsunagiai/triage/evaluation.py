"""Scoring predictions against labelled records (routing.md's evaluation format).

Plain functions over sets, so the numbers are easy to check by hand (the tests do).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tsunagiai.triage.result import URGENCY_ORDER


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    support: int


def prf(tp: int, fp: int, fn: int) -> Scores:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, tp + fn)


@dataclass
class Report:
    """Every number `manage.py triage_eval` prints."""

    count: int
    per_category: dict[str, Scores]
    micro_f1: float
    macro_f1: float
    urgency_confusion: dict[str, dict[str, int]]
    emergency: Scores
    urgency_accuracy: float
    lead_accuracy: float
    per_pattern: dict[str, Scores]
    pattern_f1: float
    agency_jaccard: float
    missing: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def scores(s: Scores) -> dict[str, float | int]:
            return {
                "precision": round(s.precision, 4),
                "recall": round(s.recall, 4),
                "f1": round(s.f1, 4),
                "support": s.support,
            }

        return {
            "count": self.count,
            "category_micro_f1": round(self.micro_f1, 4),
            "category_macro_f1": round(self.macro_f1, 4),
            "per_category": {c: scores(s) for c, s in self.per_category.items()},
            "urgency_accuracy": round(self.urgency_accuracy, 4),
            "urgency_confusion": self.urgency_confusion,
            "emergency": scores(self.emergency),
            "lead_accuracy": round(self.lead_accuracy, 4),
            "pattern_f1": round(self.pattern_f1, 4),
            "per_pattern": {c: scores(s) for c, s in self.per_pattern.items()},
            "agency_jaccard": round(self.agency_jaccard, 4),
            "missing_predictions": self.missing,
        }


def _set(record: Mapping[str, Any], key: str) -> set[str]:
    value = record.get(key) or []
    return {str(v) for v in value} if isinstance(value, list) else set()


def _multilabel(
    gold: Sequence[Mapping[str, Any]], predicted: Sequence[Mapping[str, Any]], key: str, labels: Iterable[str]
) -> tuple[dict[str, Scores], Scores]:
    per: dict[str, Scores] = {}
    total_tp = total_fp = total_fn = 0
    for label in labels:
        tp = fp = fn = 0
        for g, p in zip(gold, predicted, strict=True):
            in_gold, in_predicted = label in _set(g, key), label in _set(p, key)
            tp += in_gold and in_predicted
            fp += in_predicted and not in_gold
            fn += in_gold and not in_predicted
        per[label] = prf(tp, fp, fn)
        total_tp, total_fp, total_fn = total_tp + tp, total_fp + fp, total_fn + fn
    return per, prf(total_tp, total_fp, total_fn)


def evaluate(
    gold: Sequence[Mapping[str, Any]],
    predictions: Mapping[str, Mapping[str, Any]],
    *,
    categories: Sequence[str],
    patterns: Sequence[str],
) -> Report:
    """Score ``predictions`` (by id) against ``gold``; a gold record without a prediction counts as all wrong."""
    missing = [str(g["id"]) for g in gold if str(g["id"]) not in predictions]
    empty: dict[str, Any] = {"categories": [], "urgency": "", "patterns": [], "lead": "", "agencies": []}
    paired = [predictions.get(str(g["id"]), empty) for g in gold]
    per_category, micro = _multilabel(gold, paired, "categories", categories)
    supported = [s for s in per_category.values() if s.support]
    macro = sum(s.f1 for s in supported) / len(supported) if supported else 0.0
    per_pattern, pattern_micro = _multilabel(gold, paired, "patterns", patterns)

    confusion = {g: dict.fromkeys(URGENCY_ORDER, 0) for g in URGENCY_ORDER}
    for g, p in zip(gold, paired, strict=True):
        if g.get("urgency") in confusion:
            predicted = p.get("urgency") if p.get("urgency") in URGENCY_ORDER else "normal"
            confusion[str(g["urgency"])][str(predicted)] += 1
    tp = confusion["emergency"]["emergency"]
    fn = confusion["emergency"]["normal"] + confusion["emergency"]["high"]
    fp = confusion["normal"]["emergency"] + confusion["high"]["emergency"]
    count = len(gold)
    correct_urgency = sum(confusion[u][u] for u in URGENCY_ORDER)

    lead_hits = sum(1 for g, p in zip(gold, paired, strict=True) if g.get("lead") and g.get("lead") == p.get("lead"))
    jaccards = []
    for g, p in zip(gold, paired, strict=True):
        a, b = _set(g, "agencies"), _set(p, "agencies")
        jaccards.append(len(a & b) / len(a | b) if a | b else 1.0)
    return Report(
        count=count,
        per_category=per_category,
        micro_f1=micro.f1,
        macro_f1=macro,
        urgency_confusion=confusion,
        emergency=prf(tp, fp, fn),
        urgency_accuracy=correct_urgency / count if count else 0.0,
        lead_accuracy=lead_hits / count if count else 0.0,
        per_pattern=per_pattern,
        pattern_f1=pattern_micro.f1,
        agency_jaccard=sum(jaccards) / count if count else 0.0,
        missing=missing,
    )


def format_report(report: Report) -> str:
    """The report as a plain-text table for a terminal."""
    lines = [f"records: {report.count}", "", f"{'category':<20} {'P':>6} {'R':>6} {'F1':>6} {'n':>5}"]
    for code, s in report.per_category.items():
        lines.append(f"{code:<20} {s.precision:>6.3f} {s.recall:>6.3f} {s.f1:>6.3f} {s.support:>5}")
    lines += [
        "",
        f"category micro-F1  {report.micro_f1:.3f}",
        f"category macro-F1  {report.macro_f1:.3f}",
        "",
        "urgency (rows: gold, columns: predicted)",
        f"{'':<10}" + "".join(f"{u:>10}" for u in URGENCY_ORDER),
    ]
    for g in URGENCY_ORDER:
        lines.append(f"{g:<10}" + "".join(f"{report.urgency_confusion[g][p]:>10}" for p in URGENCY_ORDER))
    e = report.emergency
    lines += [
        f"urgency accuracy   {report.urgency_accuracy:.3f}",
        f"emergency recall   {e.recall:.3f}   precision {e.precision:.3f}   (n={e.support})",
        "",
        f"lead accuracy      {report.lead_accuracy:.3f}",
        f"agency Jaccard     {report.agency_jaccard:.3f}",
        "",
        f"{'pattern':<20} {'P':>6} {'R':>6} {'F1':>6} {'n':>5}",
    ]
    for code, s in report.per_pattern.items():
        lines.append(f"{code:<20} {s.precision:>6.3f} {s.recall:>6.3f} {s.f1:>6.3f} {s.support:>5}")
    lines.append(f"pattern F1 (micro) {report.pattern_f1:.3f}")
    if report.missing:
        lines.append(f"records without a prediction: {len(report.missing)}")
    return "\n".join(lines)
