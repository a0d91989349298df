"""manage.py triage_eval IN.jsonl: score the triage against labelled records (routing.md's format)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagiai.reference.routing import routing_policy
from tsunagiai.triage.corpus import PATTERNS, CorpusError, load_gold, read_jsonl
from tsunagiai.triage.engine import MAX_TEXT_LENGTH, triage
from tsunagiai.triage.evaluation import Report, evaluate, format_report

# --min-… option → (report attribute, label)
THRESHOLDS = {
    "min_micro_f1": ("micro_f1", "category micro-F1"),
    "min_macro_f1": ("macro_f1", "category macro-F1"),
    "min_emergency_recall": ("emergency_recall", "emergency recall"),
    "min_emergency_precision": ("emergency_precision", "emergency precision"),
    "min_lead_accuracy": ("lead_accuracy", "lead accuracy"),
    "min_pattern_f1": ("pattern_f1", "pattern F1"),
    "min_agency_jaccard": ("agency_jaccard", "agency Jaccard"),
    "min_urgency_accuracy": ("urgency_accuracy", "urgency accuracy"),
}


def _value(report: Report, attribute: str) -> float:
    if attribute == "emergency_recall":
        return report.emergency.recall
    if attribute == "emergency_precision":
        return report.emergency.precision
    return float(getattr(report, attribute))


class Command(BaseCommand):
    help = (
        "Score the triage on labelled JSON Lines (id, text, categories, urgency, patterns, lead, agencies; lead and "
        "agencies are derived from the labels by the routing policy when absent): per-category P/R/F1, micro and "
        "macro F1, the urgency confusion matrix, emergency recall, lead accuracy, pattern F1 and agency Jaccard. "
        "--min-… options exit non-zero below a threshold."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("gold", type=Path, help="labelled JSON Lines")
        parser.add_argument(
            "--predictions", type=Path, help="score these predictions (from `manage.py triage`) instead of running it"
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        for option, (_attribute, label) in THRESHOLDS.items():
            parser.add_argument(
                f"--{option.replace('_', '-')}", type=float, metavar="X", help=f"fail below this {label}"
            )

    def handle(self, *args: Any, **options: Any) -> None:
        gold_path: Path = options["gold"]
        if not gold_path.is_file():
            raise CommandError(f"{gold_path} がありません")
        for option in THRESHOLDS:
            value = options.get(option)
            if value is not None and not 0 <= value <= 1:
                raise CommandError(f"--{option.replace('_', '-')}: 0から1の数を指定してください")
        policy = routing_policy()
        try:
            gold = load_gold([gold_path], policy=policy)
            predictions = self._predictions(options.get("predictions"), gold)
        except CorpusError as exc:
            raise CommandError(str(exc)) from exc
        gold_records = [
            {
                "id": g.id,
                "categories": sorted(g.categories),
                "urgency": g.urgency,
                "patterns": sorted(g.patterns),
                "lead": g.lead,
                "agencies": sorted(g.agencies),
            }
            for g in gold
        ]
        report = evaluate(gold_records, predictions, categories=list(policy.category_agency), patterns=PATTERNS)
        self.stdout.write(
            json.dumps(report.as_dict(), ensure_ascii=False, indent=2) if options["json"] else format_report(report)
        )
        failures = [
            f"{label} {_value(report, attribute):.3f} < {options[option]:.3f}"
            for option, (attribute, label) in THRESHOLDS.items()
            if options.get(option) is not None and _value(report, attribute) < options[option]
        ]
        if failures:
            raise CommandError("below threshold: " + "; ".join(failures))

    def _predictions(self, path: Path | None, gold: list[Any]) -> dict[str, dict[str, Any]]:
        if path is None:
            return {g.id: triage(g.text[:MAX_TEXT_LENGTH]).to_evaluation_record(g.id) for g in gold}
        if not path.is_file():
            raise CommandError(f"--predictions: {path} がありません")
        return {str(record.get("id")): record for _number, record in read_jsonl(path)}
