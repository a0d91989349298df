"""The trained part of triage: features, training, and the versioned model file.

Features (all explainable):
- words: SudachiPy dictionary forms of content words, unigrams and bigrams, TF-IDF;
- characters: 1–3-grams of the normalised text (digits folded to 0), TF-IDF — robust
  to typos, dialect and words the tokenizer splits oddly;
- the lexicon: per category, how many of its keywords occur (and how many negated);
  per urgency group, how many cues occur (and how many negated).

Models: one logistic regression per category and per household pattern, and one
multinomial logistic regression for urgency. Each category and pattern has its own
decision threshold, chosen by cross-validation on the training split to maximise F1;
the urgency thresholds favour emergency recall (a missed emergency is the worst error).

The model is saved as plain arrays (numpy's .npz, read with allow_pickle=False: loading
it runs no code) as data/triage/model/triage-<version>.npz, with MODEL.json beside it
naming the current file, its version, the corpus it was trained on and its scores.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from tsunagiai.triage.lexicon import Lexicon, lexicon
from tsunagiai.triage.text import Normalised, Token, content_terms, normalise, tokenise

TEXT_PATTERNS = ("p8050", "double_care", "young_carer")
# The model also learns multi_issue from the words: when it is confident that a note spans two fields
# but the chosen categories do not, the engine looks again at the best category of another field.
MODEL_PATTERNS = (*TEXT_PATTERNS, "multi_issue")
URGENCY_CLASSES = ("normal", "high", "emergency")
MANIFEST = "MODEL.json"
# Emergency recall the urgency threshold is chosen for, on cross-validated training predictions.
EMERGENCY_RECALL = 0.97
# Text unlike the training data scores lower: the validated threshold is lowered by this factor (on the two
# challenge sets, never trained on, it kept emergency recall at 0.94–0.95 where the bare threshold gave 0.89).
EMERGENCY_SAFETY_FACTOR = 0.75
# The lexicon block is scaled so that one keyword weighs about as much as a strong word feature.
_LEXICON_WEIGHT = 0.6
_DIGITS = re.compile(r"\d")
# Spaces carry no meaning in Japanese; left in, they taught the model that spaced-out text is a foreign resident's.
_SPACES = re.compile(r"\s+")
_AGE = re.compile(r"(\d{1,3})\s*(?:歳|才|代)")
_AGE_IN_BRACKETS = re.compile(r"\((\d{1,3})")


class ModelMissingError(RuntimeError):
    """No trained model: run `manage.py triage_train`."""


@dataclass(frozen=True)
class Analysis:
    """One text as the classifier reads it."""

    normalised: Normalised
    tokens: list[Token]
    terms: str
    chars: str
    # The tokens' dictionary forms run together (かいものに いけません → 買い物行くます…): the keyword
    # lexicon is matched on it too, so a keyword written in kana or a variant spelling still counts.
    bases: str


def analyse(text: str) -> Analysis:
    normalised = normalise(text)
    tokens = tokenise(normalised.text)
    terms = " ".join(t.replace(" ", "_") for t in content_terms(tokens))
    chars = _SPACES.sub("", _DIGITS.sub("0", normalised.text))
    bases = "".join(t.base for t in tokens)
    return Analysis(normalised, tokens, terms, chars, bases)


def _ages(text: str) -> list[int]:
    ages = [int(m.group(1)) for m in _AGE.finditer(text)]
    ages += [int(m.group(1)) for m in _AGE_IN_BRACKETS.finditer(text)]
    return [a for a in ages if a <= 110]  # noqa: PLR2004


def cue_groups(lex: Lexicon) -> list[str]:
    """The lexicon's urgency groups as "level:group"; a model keeps the list it was trained with."""
    return sorted({f"{level}:{group}" for level, group, _ in lex.cues})


def lexicon_features(analysis: Analysis, lex: Lexicon, categories: Sequence[str], groups: Sequence[str]) -> list[float]:
    text = analysis.normalised.text
    keywords = lex.find_keywords(text)
    base_keywords = lex.find_keywords(analysis.bases)
    row: list[float] = []
    for code in categories:
        hits = [k for k in keywords if k.category == code]
        base_hits = sum(1 for k in base_keywords if k.category == code and not k.negated)
        row.append(math.log1p(max(base_hits, sum(1 for k in hits if not k.negated))))
        row.append(math.log1p(sum(1 for k in hits if k.negated)))
    cues = lex.find_cues(text)
    # A group added to the lexicon after training counts from the next training on.
    row.extend(math.log1p(sum(1 for c in cues if f"{c.level}:{c.group}" == name and not c.negated)) for name in groups)
    row.append(math.log1p(sum(1 for c in cues if c.negated)))
    ages = _ages(text)
    row.append(1.0 if any(a >= 70 for a in ages) else 0.0)  # noqa: PLR2004
    row.append(1.0 if any(40 <= a < 70 for a in ages) else 0.0)  # noqa: PLR2004
    row.append(1.0 if any(a < 18 for a in ages) else 0.0)  # noqa: PLR2004
    row.append(min(len(text), 2000) / 2000)
    return [v * _LEXICON_WEIGHT for v in row]


@dataclass
class TriageModel:
    """Everything the engine needs from training: the two vectorizers and linear models as plain arrays.

    Scores are the logistic models' own formulas — sigmoid(x·w + b) per category and pattern, softmax
    for urgency — so the file needs no pickled objects and loading it runs no code.
    """

    version: str
    categories: list[str]
    cue_groups: list[str]
    word_vectorizer: TfidfVectorizer
    char_vectorizer: TfidfVectorizer
    category_weights: np.ndarray
    category_bias: np.ndarray
    category_thresholds: dict[str, float]
    patterns: list[str]
    pattern_weights: np.ndarray
    pattern_bias: np.ndarray
    pattern_thresholds: dict[str, float]
    urgency_classes: list[str]
    urgency_weights: np.ndarray
    urgency_bias: np.ndarray
    emergency_threshold: float
    high_threshold: float

    def features(self, analyses: Sequence[Analysis], lex: Lexicon) -> sparse.csr_matrix:
        words = self.word_vectorizer.transform([a.terms for a in analyses])
        chars = self.char_vectorizer.transform([a.chars for a in analyses])
        extra = sparse.csr_matrix(
            np.array([lexicon_features(a, lex, self.categories, self.cue_groups) for a in analyses])
        )
        return sparse.hstack([words, chars, extra], format="csr")

    def category_probabilities(self, x: sparse.csr_matrix) -> np.ndarray:
        """One row per text, one column per category."""
        return _sigmoid(x @ self.category_weights.T + self.category_bias)

    def category_scores(self, x: sparse.csr_matrix) -> dict[str, float]:
        row = self.category_probabilities(x)[0]
        return {code: float(p) for code, p in zip(self.categories, row, strict=True)}

    def pattern_scores(self, x: sparse.csr_matrix) -> dict[str, float]:
        row = _sigmoid(x @ self.pattern_weights.T + self.pattern_bias)[0]
        return {code: float(p) for code, p in zip(self.patterns, row, strict=True)}

    def urgency_scores(self, x: sparse.csr_matrix) -> dict[str, float]:
        logits = np.asarray(x @ self.urgency_weights.T + self.urgency_bias)[0]
        logits = np.exp(logits - logits.max())
        return {label: float(p) for label, p in zip(self.urgency_classes, logits / logits.sum(), strict=True)}

    def word_contributions(self, x: sparse.csr_matrix, code: str, limit: int = 4) -> list[str]:
        """The words that pushed ``code``'s score up most in this text (for highlighting)."""
        n_words = len(self.word_vectorizer.vocabulary_)
        row = x[:, :n_words].tocoo()
        weights = self.category_weights[self.categories.index(code)][:n_words]
        scored = sorted(
            ((float(v * weights[j]), j) for j, v in zip(row.col, row.data, strict=True) if weights[j] > 0),
            reverse=True,
        )
        names = self.word_vectorizer.get_feature_names_out()
        return [str(names[j]) for _, j in scored[:limit]]


def _sigmoid(z: Any) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64))))


def _stack(models: Sequence[LogisticRegression]) -> tuple[np.ndarray, np.ndarray]:
    weights = np.vstack([m.coef_[0] for m in models]).astype(np.float32)
    return weights, np.array([m.intercept_[0] for m in models], dtype=np.float64)


# --- training -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    categories: frozenset[str]
    urgency: str
    patterns: frozenset[str]


def _vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    words = TfidfVectorizer(
        token_pattern=r"\S+",  # noqa: S106 - a regular expression, not a password
        lowercase=False,
        ngram_range=(1, 2),
        min_df=2,
        sublinear_tf=True,
        max_features=40000,
    )
    chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True, max_features=40000)
    return words, chars


def _logistic(c: float = 4.0) -> LogisticRegression:
    return LogisticRegression(C=c, class_weight="balanced", max_iter=3000, solver="liblinear")


def _multinomial(c: float = 4.0) -> LogisticRegression:
    return LogisticRegression(C=c, class_weight="balanced", max_iter=3000, solver="lbfgs")


def _best_threshold(y: np.ndarray, p: np.ndarray, *, low: float = 0.2, high: float = 0.7) -> float:
    best, best_f1 = 0.5, -1.0
    for t in np.arange(low, high + 1e-9, 0.025):
        predicted = p >= t
        tp = float(np.sum(predicted & (y == 1)))
        fp = float(np.sum(predicted & (y == 0)))
        fn = float(np.sum(~predicted & (y == 1)))
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best_f1 + 1e-9:
            best, best_f1 = float(t), f1
    return round(best, 3)


def train(
    examples: Sequence[Example], *, categories: Sequence[str], lex: Lexicon | None = None, folds: int = 5
) -> TriageModel:
    """Fit every model on ``examples`` and choose the thresholds by ``folds``-fold cross-validation."""
    lex = lex or lexicon()
    analyses = [analyse(e.text) for e in examples]
    word_vectorizer, char_vectorizer = _vectorizers()
    word_vectorizer.fit([a.terms for a in analyses])
    char_vectorizer.fit([a.chars for a in analyses])
    empty = np.zeros((0, 0), dtype=np.float32)
    model = TriageModel(
        version="",
        categories=list(categories),
        cue_groups=cue_groups(lex),
        word_vectorizer=word_vectorizer,
        char_vectorizer=char_vectorizer,
        category_weights=empty,
        category_bias=np.zeros(0),
        category_thresholds={},
        patterns=list(MODEL_PATTERNS),
        pattern_weights=empty,
        pattern_bias=np.zeros(0),
        pattern_thresholds={},
        urgency_classes=[],
        urgency_weights=empty,
        urgency_bias=np.zeros(0),
        emergency_threshold=0.5,
        high_threshold=0.5,
    )
    x = model.features(analyses, lex)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=20261126)

    def fit_binary(y: np.ndarray) -> tuple[LogisticRegression, float]:
        if y.sum() < folds:  # too few examples to cross-validate: a fixed, cautious threshold
            return _logistic().fit(x, y) if 0 < y.sum() < len(y) else _constant(y), 0.5
        p = cross_val_predict(_logistic(), x, y, cv=splitter, method="predict_proba")[:, 1]
        return _logistic().fit(x, y), _best_threshold(y, p)

    fitted: list[LogisticRegression] = []
    for code in categories:
        y = np.array([1 if code in e.categories else 0 for e in examples])
        estimator, model.category_thresholds[code] = fit_binary(y)
        fitted.append(estimator)
    model.category_weights, model.category_bias = _stack(fitted)
    fitted = []
    for code in MODEL_PATTERNS:
        y = np.array([1 if code in e.patterns else 0 for e in examples])
        estimator, model.pattern_thresholds[code] = fit_binary(y)
        fitted.append(estimator)
    model.pattern_weights, model.pattern_bias = _stack(fitted)
    urgency = np.array([e.urgency for e in examples])
    probabilities = cross_val_predict(_multinomial(), x, urgency, cv=splitter, method="predict_proba")
    classes = sorted(set(urgency))
    urgency_model = _multinomial().fit(x, urgency)
    model.urgency_classes = [str(c) for c in urgency_model.classes_]
    model.urgency_weights = urgency_model.coef_.astype(np.float32)
    model.urgency_bias = urgency_model.intercept_.astype(np.float64)
    if "emergency" in classes:
        column = classes.index("emergency")
        cued = np.array(
            [any(c.level == "emergency" and not c.negated for c in lex.find_cues(a.normalised.text)) for a in analyses]
        )
        model.emergency_threshold = _emergency_threshold(
            (urgency == "emergency").astype(int), probabilities[:, column], cued
        )
    if "high" in classes:
        column = classes.index("high")
        model.high_threshold = _best_threshold((urgency == "high").astype(int), probabilities[:, column])
    return model


def _emergency_threshold(y: np.ndarray, p: np.ndarray, cued: np.ndarray, *, recall: float = EMERGENCY_RECALL) -> float:
    """The highest model threshold that, with the cue lexicon, still finds ``recall`` of the emergencies.

    Cross-validated probabilities: recall first (a missed emergency is the worst error), then as few
    false alarms as that allows.
    """
    positives = int(np.sum(y == 1))
    if not positives:
        return 0.5
    best = 0.1
    for t in np.arange(0.1, 0.9 + 1e-9, 0.01):
        found = int(np.sum((cued | (p >= t)) & (y == 1)))
        if found / positives >= recall:
            best = float(t)
    return round(best, 3)


def choose_emergency_threshold(
    model: TriageModel, examples: Sequence[Example], *, lex: Lexicon | None = None, recall: float = EMERGENCY_RECALL
) -> float:
    """Choose the urgency model's emergency threshold on held-out ``examples`` (a validation split).

    Cross-validated probabilities come from models trained on less data and are too pessimistic: the
    threshold they give lets through many false alarms. On a validation split: the highest threshold that,
    with the cue lexicon, finds ``recall`` of the emergencies, times EMERGENCY_SAFETY_FACTOR.
    """
    lex = lex or lexicon()
    analyses = [analyse(e.text) for e in examples]
    x = model.features(analyses, lex)
    column = model.urgency_classes.index("emergency")
    logits = np.asarray(x @ model.urgency_weights.T + model.urgency_bias)
    logits = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = (logits / logits.sum(axis=1, keepdims=True))[:, column]
    cued = np.array(
        [any(c.level == "emergency" and not c.negated for c in lex.find_cues(a.normalised.text)) for a in analyses]
    )
    y = np.array([1 if e.urgency == "emergency" else 0 for e in examples])
    return round(_emergency_threshold(y, p, cued, recall=recall) * EMERGENCY_SAFETY_FACTOR, 3)


def _constant(y: np.ndarray) -> LogisticRegression:
    raise ValueError(f"a label has {int(y.sum())} examples out of {len(y)}: the corpus cannot train it")


# --- the file -------------------------------------------------------------------------------


# Bump when the features or the models change shape: it is part of every model's version.
FEATURES_VERSION = "2"


def corpus_digest(examples: Sequence[Example], *, extra: Sequence[bytes] = ()) -> str:
    """What a model was built from: the examples, the feature version and ``extra`` (the lexicon file)."""
    digest = hashlib.sha256(FEATURES_VERSION.encode())
    for blob in extra:
        digest.update(hashlib.sha256(blob).digest())
    for e in sorted(examples, key=lambda e: e.id):
        digest.update(
            json.dumps([e.id, e.text, sorted(e.categories), e.urgency, sorted(e.patterns)], ensure_ascii=False).encode()
        )
    return digest.hexdigest()


def save(model: TriageModel, directory: Path, *, manifest: dict[str, Any]) -> Path:
    """Write triage-<version>.npz and point MODEL.json at it; older model files are removed."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"triage-{model.version}.npz"
    meta = {
        "format": FORMAT,
        "version": model.version,
        "categories": model.categories,
        "cue_groups": model.cue_groups,
        "category_thresholds": model.category_thresholds,
        "patterns": model.patterns,
        "pattern_thresholds": model.pattern_thresholds,
        "urgency_classes": model.urgency_classes,
        "emergency_threshold": model.emergency_threshold,
        "high_threshold": model.high_threshold,
    }
    with path.open("wb") as handle:
        np.savez_compressed(
            handle,
            meta=np.array(json.dumps(meta, ensure_ascii=False)),
            word_vocabulary=model.word_vectorizer.get_feature_names_out().astype(str),
            word_idf=model.word_vectorizer.idf_,
            char_vocabulary=model.char_vectorizer.get_feature_names_out().astype(str),
            char_idf=model.char_vectorizer.idf_,
            category_weights=model.category_weights,
            category_bias=model.category_bias,
            pattern_weights=model.pattern_weights,
            pattern_bias=model.pattern_bias,
            urgency_weights=model.urgency_weights,
            urgency_bias=model.urgency_bias,
        )
    for old in [*directory.glob("triage-*.npz"), *directory.glob("triage-*.skops")]:
        if old != path:
            old.unlink()
    manifest = {"version": model.version, "file": path.name, **manifest}
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def new_version(digest: str, when: dt.datetime | None = None) -> str:
    when = when or dt.datetime.now(dt.UTC)
    return f"{when:%Y%m%d}-{digest[:8]}"


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    if not path.exists():
        raise ModelMissingError(f"{path} is missing: run `manage.py triage_train`")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "file" not in data:
        raise ModelMissingError(f"{path} does not name a model file")
    return data


def _vectorizer(template: TfidfVectorizer, vocabulary: np.ndarray, idf: np.ndarray) -> TfidfVectorizer:
    vectorizer = TfidfVectorizer(
        **{**template.get_params(), "vocabulary": {str(t): i for i, t in enumerate(vocabulary)}}
    )
    vectorizer.idf_ = idf
    return vectorizer


def load(directory: Path) -> TriageModel:
    """Read the model MODEL.json names (plain arrays: nothing in the file is executed)."""
    manifest = read_manifest(directory)
    path = directory / str(manifest["file"])
    if not path.is_file() or path.resolve().parent != directory.resolve():
        raise ModelMissingError(f"{path} is missing: run `manage.py triage_train`")
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        if meta.get("format") != FORMAT:
            raise ModelMissingError(
                f"{path} has format {meta.get('format')!r}, not {FORMAT!r}: run `manage.py triage_train`"
            )
        words, chars = _vectorizers()
        return TriageModel(
            version=str(meta["version"]),
            categories=list(meta["categories"]),
            cue_groups=list(meta["cue_groups"]),
            word_vectorizer=_vectorizer(words, data["word_vocabulary"], data["word_idf"]),
            char_vectorizer=_vectorizer(chars, data["char_vocabulary"], data["char_idf"]),
            category_weights=data["category_weights"],
            category_bias=data["category_bias"],
            category_thresholds={str(k): float(v) for k, v in meta["category_thresholds"].items()},
            patterns=list(meta["patterns"]),
            pattern_weights=data["pattern_weights"],
            pattern_bias=data["pattern_bias"],
            pattern_thresholds={str(k): float(v) for k, v in meta["pattern_thresholds"].items()},
            urgency_classes=list(meta["urgency_classes"]),
            urgency_weights=data["urgency_weights"],
            urgency_bias=data["urgency_bias"],
            emergency_threshold=float(meta["emergency_threshold"]),
            high_threshold=float(meta["high_threshold"]),
        )


# The layout of the model file; bump it with FEATURES_VERSION when either changes.
FORMAT = "tsunagiai-triage/1"


@functools.cache
def _cached(directory: Path, mtime: float) -> TriageModel:
    return load(directory)


def current_model() -> TriageModel:
    """The deployment's model, loaded once per version of MODEL.json."""
    directory = Path(settings.TRIAGE_MODEL_DIR)
    manifest = directory / MANIFEST
    if not manifest.exists():
        raise ModelMissingError(f"{manifest} is missing: run `manage.py triage_train`")
    return _cached(directory, manifest.stat().st_mtime)
