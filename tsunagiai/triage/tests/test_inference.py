"""Scoring is numpy only, gives what scikit-learn gave, and loads on first use — not at import."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.test import override_settings

from tsunagiai.reference.routing import routing_policy
from tsunagiai.triage import classifier, engine, training
from tsunagiai.triage.corpus import corpus_files, load_gold, split
from tsunagiai.triage.lexicon import lexicon

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROOT = Path(settings.BASE_DIR)


class SklearnReference(classifier.TriageModel):
    """The shipped model scored as before the split: scikit-learn's TF-IDF transform and SciPy's sparse products."""

    def features(self, analyses, lex):  # type: ignore[override]
        if not hasattr(self, "vectorizers"):
            self.vectorizers = training.sklearn_vectorizers(self)
        words, chars = self.vectorizers
        return training.feature_matrix(words, chars, analyses, lex, self.categories, self.cue_groups)

    def category_probabilities(self, x):  # type: ignore[override]
        return classifier._sigmoid(x @ self.category_weights.T + self.category_bias)

    def category_scores(self, x):  # type: ignore[override]
        return dict(zip(self.categories, map(float, self.category_probabilities(x)[0]), strict=True))

    def pattern_scores(self, x):  # type: ignore[override]
        row = classifier._sigmoid(x @ self.pattern_weights.T + self.pattern_bias)[0]
        return dict(zip(self.patterns, map(float, row), strict=True))

    def urgency_probabilities(self, x):  # type: ignore[override]
        logits = np.asarray(x @ self.urgency_weights.T + self.urgency_bias)
        logits = np.exp(logits - logits.max(axis=1, keepdims=True))
        return logits / logits.sum(axis=1, keepdims=True)

    def urgency_scores(self, x):  # type: ignore[override]
        return dict(zip(self.urgency_classes, map(float, self.urgency_probabilities(x)[0]), strict=True))

    def word_contributions(self, x, code, limit=4):  # type: ignore[override]
        n_words = len(self.word_tfidf)
        row = x[:, :n_words].tocoo()
        weights = self.category_weights[self.categories.index(code)][:n_words]
        scored = sorted(
            ((float(v * weights[j]), j) for j, v in zip(row.col, row.data, strict=True) if weights[j] > 0),
            reverse=True,
        )
        return [str(self.word_tfidf.terms[j]) for _, j in scored[:limit]]


@pytest.fixture(scope="module")
def held_out() -> list[str]:
    _, records = split(load_gold(corpus_files(ROOT / "data" / "triage" / "corpus")))
    assert len(records) > 500
    return [g.text[: engine.MAX_TEXT_LENGTH] for g in records]


def test_numpy_scoring_equals_scikit_learn_on_the_held_out_split(held_out: list[str]) -> None:
    model = classifier.current_model()
    reference = SklearnReference(**{f.name: getattr(model, f.name) for f in dataclasses.fields(model)})
    lex = lexicon()
    analyses = [classifier.analyse(text) for text in held_out]
    ours = model.features(analyses, lex)
    theirs = reference.features(analyses, lex)
    # The feature rows themselves: the same columns, the same values.
    dense = theirs.toarray()
    for i, (columns, values) in enumerate(ours.rows):
        assert columns.tolist() == np.flatnonzero(dense[i]).tolist()
        assert np.abs(values - dense[i, columns]).max(initial=0.0) <= 1e-12
    # Every score within 1e-9.
    assert np.abs(model.category_probabilities(ours) - reference.category_probabilities(theirs)).max() <= 1e-9
    ours_patterns = classifier._sigmoid(ours.linear(model.pattern_weights, model.pattern_bias))
    theirs_patterns = classifier._sigmoid(theirs @ model.pattern_weights.T + model.pattern_bias)
    assert np.abs(ours_patterns - theirs_patterns).max() <= 1e-9
    assert np.abs(model.urgency_probabilities(ours) - reference.urgency_probabilities(theirs)).max() <= 1e-9
    # The same labels for every text: the categories chosen, the model's emergency and high calls, the patterns.
    policy = routing_policy()

    def labels(categories: np.ndarray, patterns: np.ndarray, urgency: np.ndarray, i: int) -> tuple[object, ...]:
        scores = dict(zip(model.categories, map(float, categories[i]), strict=True))
        pattern_scores = dict(zip(model.patterns, map(float, patterns[i]), strict=True))
        chosen = engine._choose(scores, model.category_thresholds)
        chosen = engine._complete_multi_issue(chosen, scores, model.category_thresholds, pattern_scores, policy)
        by_class = dict(zip(model.urgency_classes, map(float, urgency[i]), strict=True))
        return (
            chosen,
            by_class.get("emergency", 0.0) >= model.emergency_threshold,
            by_class.get("high", 0.0) >= model.high_threshold,
            [p for p in model.patterns if pattern_scores[p] >= model.pattern_thresholds.get(p, 0.5)],
        )

    ours_all = (model.category_probabilities(ours), ours_patterns, model.urgency_probabilities(ours))
    theirs_all = (reference.category_probabilities(theirs), theirs_patterns, reference.urgency_probabilities(theirs))
    assert [labels(*ours_all, i) for i in range(len(held_out))] == [
        labels(*theirs_all, i) for i in range(len(held_out))
    ]
    # And, for every fourth text, the whole suggestion through the engine: categories, urgency, patterns, lead,
    # agencies, highlighted words (the engine reads each text again, so not all 631: the suite stays quick).
    different = [
        text
        for text in held_out[::4]
        if engine.triage(text, model=model, lex=lex) != engine.triage(text, model=reference, lex=lex)
    ]
    assert different == []


def test_an_empty_or_unknown_text_has_an_empty_feature_row() -> None:
    model = classifier.current_model()
    for text in ("", "zzzz qqqq"):
        columns, values = model.word_tfidf.transform(text)
        assert columns.size == 0
        assert values.size == 0


@pytest.fixture(scope="module")
def after_start_up() -> dict[str, object]:
    """What a fresh process has loaded once Django is set up and the URLs (every view module) are imported."""
    code = (
        f"HEAVY = {sorted(HEAVY_LIBRARIES)!r}; HEAVY = set(HEAVY); "
        "import json, sys, django; django.setup(); import config.urls; import config.wsgi; "
        "from tsunagiai.triage import classifier, text; "
        "print(json.dumps({'heavy': sorted({m.split('.')[0] for m in sys.modules} & HEAVY), "
        "'model': classifier.model_loaded(), 'dictionary': text._dictionary is not None}))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# Libraries that cost start-up time (or memory) in every worker, command and test process: imported where
# they are used (triage training, the tokenizer's first use, PDF and spreadsheet reading), never by the URLs.
HEAVY_LIBRARIES = frozenset({"sklearn", "scipy", "sudachipy", "openpyxl", "weasyprint", "pypdf", "pandas"})


def test_loading_the_urls_imports_no_heavy_library(after_start_up: dict[str, object]) -> None:
    assert after_start_up["heavy"] == []


def test_the_triage_model_is_not_loaded_at_import(after_start_up: dict[str, object]) -> None:
    assert after_start_up["model"] is False
    assert after_start_up["dictionary"] is False


def test_warm_up_loads_the_model_and_a_missing_model_does_not_stop_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(classifier, "_models", {})
    assert not classifier.model_loaded()
    assert engine.warm_up() is True
    assert classifier.model_loaded()
    monkeypatch.setattr(classifier, "_models", {})
    with override_settings(TRIAGE_MODEL_DIR=tmp_path):
        assert engine.warm_up() is False
    assert not classifier.model_loaded()


def test_threads_asking_at_once_load_the_model_once(monkeypatch) -> None:
    monkeypatch.setattr(classifier, "_models", {})
    loads: list[Path] = []
    real_load = classifier.load

    def slow_load(directory: Path) -> classifier.TriageModel:
        loads.append(directory)
        time.sleep(0.05)  # widen the window in which a second thread would load too
        return real_load(directory)

    monkeypatch.setattr(classifier, "load", slow_load)
    start = threading.Barrier(4)
    models: list[classifier.TriageModel] = []

    def ask() -> None:
        start.wait()
        models.append(classifier.current_model())

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1
    assert len(models) == 4
    assert all(m is models[0] for m in models)
