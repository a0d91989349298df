"""manage.py triage_train: build the versioned triage model from the corpus in data/triage/."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import sklearn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagiai.reference.routing import routing_policy
from tsunagiai.triage import classifier, training
from tsunagiai.triage.corpus import PATTERNS, CorpusError, Gold, corpus_files, load_gold, split
from tsunagiai.triage.engine import MAX_TEXT_LENGTH, triage
from tsunagiai.triage.evaluation import evaluate
from tsunagiai.triage.lexicon import lexicon

DATA = Path(settings.BASE_DIR) / "data" / "triage"


def score(model: classifier.TriageModel, records: list[Gold], categories: list[str]) -> dict[str, Any]:
    lex = lexicon()
    predictions = {
        g.id: triage(g.text[:MAX_TEXT_LENGTH], model=model, lex=lex).to_evaluation_record(g.id) for g in records
    }
    gold = [
        {
            "id": g.id,
            "categories": sorted(g.categories),
            "urgency": g.urgency,
            "patterns": sorted(g.patterns),
            "lead": g.lead,
            "agencies": sorted(g.agencies),
        }
        for g in records
    ]
    report = evaluate(gold, predictions, categories=categories, patterns=PATTERNS).as_dict()
    report.pop("missing_predictions")
    return report


class Command(BaseCommand):
    help = (
        "Train the triage model on data/triage/corpus/*.jsonl (the training split; --all adds the held-out split) "
        "plus any --include files (e.g. staff corrections), score it on the held-out split and the challenge set, "
        "and write data/triage/model/triage-<version>.npz with MODEL.json."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--corpus", type=Path, default=DATA / "corpus", help="folder of labelled *.jsonl files")
        parser.add_argument("--include", type=Path, action="append", default=[], help="more labelled JSON Lines")
        parser.add_argument(
            "--challenge",
            type=Path,
            action="append",
            help="labelled JSON Lines scored but never trained on (default: data/triage/challenge*.jsonl)",
        )
        parser.add_argument("--output", type=Path, default=Path(settings.TRIAGE_MODEL_DIR), help="model folder")
        parser.add_argument("--all", action="store_true", help="train on the held-out split too (after scoring it)")

    def handle(self, *args: Any, **options: Any) -> None:
        policy = routing_policy()
        categories = list(policy.category_agency)
        files = corpus_files(options["corpus"])
        if not files:
            raise CommandError(f"--corpus: {options['corpus']} に *.jsonl がありません")
        try:
            records = load_gold([*files, *options["include"]], policy=policy)
            challenge_files = options["challenge"] or sorted(DATA.glob("challenge*.jsonl"))
            challenges = {path.stem: load_gold([path], policy=policy) for path in challenge_files if path.is_file()}
        except CorpusError as exc:
            raise CommandError(str(exc)) from exc
        training_split, held_out = split(records)
        started = time.monotonic()
        model = training.train([g.example() for g in training_split], categories=categories)
        if held_out:
            # The held-out split is the validation set for the emergency threshold (training.py says why);
            # the challenge set stays untouched.
            model.emergency_threshold = training.choose_emergency_threshold(model, [g.example() for g in held_out])
            # …and for the calibrated probability of an emergency the panel shows (isotonic, numpy at inference).
            model.emergency_calibration = training.fit_emergency_calibration(model, [g.example() for g in held_out])
        scores: dict[str, Any] = {}
        if held_out:
            scores["held_out"] = score(model, held_out, categories)
        for name, records_of_set in challenges.items():
            scores[name] = score(model, records_of_set, categories)
        trained_on = training_split
        if options["all"] and held_out:
            trained_on = records
            threshold = model.emergency_threshold
            calibration = model.emergency_calibration
            model = training.train([g.example() for g in records], categories=categories)
            model.emergency_threshold = max(threshold, model.emergency_threshold)
            model.emergency_calibration = calibration  # nothing is left to validate on: the last calibration stands
            for name, records_of_set in challenges.items():
                scores[f"{name}_after_all"] = score(model, records_of_set, categories)
        digest = training.corpus_digest(
            [g.example() for g in trained_on], extra=[Path(settings.TRIAGE_LEXICON_FILE).read_bytes()]
        )
        model.version = training.new_version(digest)
        manifest = {
            "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "scikit_learn": sklearn.__version__,
            "lexicon_version": lexicon().version,
            "corpus": {
                "files": [f.name for f in files] + [str(p) for p in options["include"]],
                "records": len(records),
                "trained_on": len(trained_on),
                "held_out": len(held_out),
                "held_out_included": bool(options["all"]),
                "challenge": {name: len(records_of_set) for name, records_of_set in challenges.items()},
                "digest": digest,
            },
            "thresholds": {
                "categories": model.category_thresholds,
                "patterns": model.pattern_thresholds,
                "emergency": model.emergency_threshold,
                "high": model.high_threshold,
            },
            "scores": scores,
        }
        path = training.save(model, options["output"], manifest=manifest)
        self.stdout.write(f"model {model.version}: {path} ({time.monotonic() - started:.1f} s)")
        for name, report in scores.items():
            self.stdout.write(
                f"{name}: n={report['count']} micro-F1 {report['category_micro_f1']:.3f} "
                f"macro-F1 {report['category_macro_f1']:.3f} emergency recall {report['emergency']['recall']:.3f} "
                f"precision {report['emergency']['precision']:.3f} lead {report['lead_accuracy']:.3f} "
                f"patterns {report['pattern_f1']:.3f} agencies {report['agency_jaccard']:.3f}"
            )
