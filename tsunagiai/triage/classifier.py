"""The trained part of triage as pages use it: features, scores and the versioned model file — numpy only.

Features (all explainable):
- words: SudachiPy dictionary forms of content words, unigrams and bigrams, TF-IDF;
- characters: 1–3-grams of the normalised text (digits folded to 0), TF-IDF — robust
  to typos, dialect and words the tokenizer splits oddly;
- the lexicon: per category, how many of its keywords occur (and how many negated);
  per urgency group, how many cues occur (and how many negated).

Models: one logistic regression per category and per household pattern, and one
multinomial logistic regression for urgency (training.py fits them with scikit-learn).

Scoring needs none of scikit-learn or SciPy: the TF-IDF transform is re-done here from the
stored vocabulary and idf weights exactly as scikit-learn's TfidfVectorizer does it, and the
scores are the logistic models' own formulas. A test compares both on the held-out split.
So no page, command or worker that only scores imports scikit-learn (4–5 s at start-up).

The model is saved as plain arrays (numpy's .npz, read with allow_pickle=False: loading
it runs no code) as data/triage/model/triage-<version>.npz, with MODEL.json beside it
naming the current file, its version, the corpus it was trained on and its scores. It is
loaded on first use (``current_model``), once per process and version, under a lock.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from tsunagiai.triage.lexicon import Lexicon
from tsunagiai.triage.text import Normalised, Token, content_terms, normalise, tokenise

TEXT_PATTERNS = ("p8050", "double_care", "young_carer")
# The model also learns multi_issue from the words: when it is confident that a note spans two fields
# but the chosen categories do not, the engine looks again at the best category of another field.
MODEL_PATTERNS = (*TEXT_PATTERNS, "multi_issue")
URGENCY_CLASSES = ("normal", "high", "emergency")
MANIFEST = "MODEL.json"
# The two TF-IDF vectorizers' options (training.py fits scikit-learn's TfidfVectorizer with these; scoring
# re-does its transform with them): sublinear tf, idf, l2 norm in both.
WORD_OPTIONS: dict[str, Any] = {
    "analyzer": "word",
    "token_pattern": r"\S+",
    "lowercase": False,
    "ngram_range": (1, 2),
}
CHAR_OPTIONS: dict[str, Any] = {"analyzer": "char", "lowercase": True, "ngram_range": (1, 3)}
# The lexicon block is scaled so that one keyword weighs about as much as a strong word feature.
_LEXICON_WEIGHT = 0.6
_DIGITS = re.compile(r"\d")
# Spaces carry no meaning in Japanese; left in, they taught the model that spaced-out text is a foreign resident's.
_SPACES = re.compile(r"\s+")
_AGE = re.compile(r"(\d{1,3})\s*(?:歳|才|代)")
_AGE_IN_BRACKETS = re.compile(r"\((\d{1,3})")
# scikit-learn's character analyzer folds runs of white space to one space.
_WHITE_SPACES = re.compile(r"\s\s+")
_WORD_TOKEN = re.compile(WORD_OPTIONS["token_pattern"])


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


@dataclass(frozen=True)
class Example:
    """One labelled text (the corpus, staff corrections): what training reads."""

    id: str
    text: str
    categories: frozenset[str]
    urgency: str
    patterns: frozenset[str]


@dataclass(frozen=True)
class TfidfVocabulary:
    """A fitted TF-IDF vectorizer's transform: its terms (column order), their idf weights and the analyzer.

    The same steps as scikit-learn's TfidfVectorizer.transform with a fixed vocabulary: the analyzer's
    n-grams, counts of those in the vocabulary, tf = 1 + log(count), times idf, then each row divided by
    its l2 norm (summed in column order, as scikit-learn does).
    """

    terms: np.ndarray
    idf: np.ndarray
    index: dict[str, int]
    analyzer: str
    ngram_range: tuple[int, int]
    lowercase: bool

    @classmethod
    def build(cls, terms: np.ndarray, idf: np.ndarray, options: dict[str, Any]) -> TfidfVocabulary:
        terms = np.asarray(terms).astype(str)
        return cls(
            terms=terms,
            idf=np.asarray(idf, dtype=np.float64),
            index={str(t): i for i, t in enumerate(terms.tolist())},
            analyzer=str(options["analyzer"]),
            ngram_range=(int(options["ngram_range"][0]), int(options["ngram_range"][1])),
            lowercase=bool(options["lowercase"]),
        )

    def __len__(self) -> int:
        return len(self.terms)

    def ngrams(self, doc: str) -> list[str]:
        if self.lowercase:
            doc = doc.lower()
        low, high = self.ngram_range
        if self.analyzer == "char":
            doc = _WHITE_SPACES.sub(" ", doc)
            return [doc[i : i + n] for n in range(low, min(high + 1, len(doc) + 1)) for i in range(len(doc) - n + 1)]
        tokens = _WORD_TOKEN.findall(doc)
        return [
            " ".join(tokens[i : i + n])
            for n in range(low, min(high + 1, len(tokens) + 1))
            for i in range(len(tokens) - n + 1)
        ]

    def transform(self, doc: str) -> tuple[np.ndarray, np.ndarray]:
        """The non-zero columns of ``doc``'s row (ascending) and their values."""
        counts: dict[int, int] = {}
        index = self.index
        for gram in self.ngrams(doc):
            column = index.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = np.array(sorted(counts), dtype=np.int64)
        values = np.array([counts[c] for c in columns.tolist()], dtype=np.float64)
        np.log(values, values)
        values += 1.0
        values *= self.idf[columns]
        norm = 0.0
        for v in values.tolist():  # the order scikit-learn sums in, so the values are the same to the bit
            norm += v * v
        if norm:
            values /= math.sqrt(norm)
        return columns, values


@dataclass(frozen=True)
class Features:
    """Texts as feature rows, sparse: per row, its non-zero columns (ascending) and their values.

    Columns: the word vocabulary, then the character vocabulary, then the lexicon block.
    """

    rows: tuple[tuple[np.ndarray, np.ndarray], ...]
    n_words: int

    def linear(self, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """x·wᵀ + b: one row per text, one column per row of ``weights``."""
        out = np.empty((len(self.rows), weights.shape[0]), dtype=np.float64)
        for i, (columns, values) in enumerate(self.rows):
            out[i] = weights[:, columns].astype(np.float64) @ values + bias
        return out


@dataclass
class TriageModel:
    """Everything the engine needs from training: the two TF-IDF vocabularies and linear models as plain arrays.

    Scores are the logistic models' own formulas — sigmoid(x·w + b) per category and pattern, softmax
    for urgency — so the file needs no pickled objects and loading it runs no code.
    """

    version: str
    categories: list[str]
    cue_groups: list[str]
    word_tfidf: TfidfVocabulary
    char_tfidf: TfidfVocabulary
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
    # Isotonic calibration of the emergency evidence (emergency_evidence), fitted on the held-out split:
    # breakpoints x (increasing) and calibrated probabilities y. None in a model trained before it existed.
    emergency_calibration: tuple[np.ndarray, np.ndarray] | None = None

    def calibrated_emergency(self, evidence: float) -> float | None:
        """The calibrated probability that a note with this evidence is an emergency (numpy only)."""
        if self.emergency_calibration is None:
            return None
        xs, ys = self.emergency_calibration
        return float(np.interp(evidence, xs, ys))

    def features(self, analyses: Sequence[Analysis], lex: Lexicon) -> Features:
        n_words, n_chars = len(self.word_tfidf), len(self.char_tfidf)
        rows = []
        for analysis in analyses:
            word_columns, word_values = self.word_tfidf.transform(analysis.terms)
            char_columns, char_values = self.char_tfidf.transform(analysis.chars)
            extra = np.array(lexicon_features(analysis, lex, self.categories, self.cue_groups), dtype=np.float64)
            nonzero = np.flatnonzero(extra)
            rows.append(
                (
                    np.concatenate([word_columns, char_columns + n_words, nonzero + n_words + n_chars]),
                    np.concatenate([word_values, char_values, extra[nonzero]]),
                )
            )
        return Features(tuple(rows), n_words)

    def category_probabilities(self, x: Features) -> np.ndarray:
        """One row per text, one column per category."""
        return _sigmoid(x.linear(self.category_weights, self.category_bias))

    def category_scores(self, x: Features) -> dict[str, float]:
        row = self.category_probabilities(x)[0]
        return {code: float(p) for code, p in zip(self.categories, row, strict=True)}

    def pattern_scores(self, x: Features) -> dict[str, float]:
        row = _sigmoid(x.linear(self.pattern_weights, self.pattern_bias))[0]
        return {code: float(p) for code, p in zip(self.patterns, row, strict=True)}

    def urgency_probabilities(self, x: Features) -> np.ndarray:
        """One row per text, one column per urgency class (softmax of the multinomial model)."""
        logits = x.linear(self.urgency_weights, self.urgency_bias)
        logits = np.exp(logits - logits.max(axis=1, keepdims=True))
        return np.asarray(logits / logits.sum(axis=1, keepdims=True))

    def urgency_scores(self, x: Features) -> dict[str, float]:
        row = self.urgency_probabilities(x)[0]
        return {label: float(p) for label, p in zip(self.urgency_classes, row, strict=True)}

    def word_contributions(self, x: Features, code: str, limit: int = 4) -> list[str]:
        """The words that pushed ``code``'s score up most in the first text (for highlighting)."""
        columns, values = x.rows[0]
        in_words = columns < x.n_words
        weights = self.category_weights[self.categories.index(code)]
        scored = sorted(
            (
                (float(v * weights[j]), int(j))
                for j, v in zip(columns[in_words], values[in_words], strict=True)
                if weights[j] > 0
            ),
            reverse=True,
        )
        return [str(self.word_tfidf.terms[j]) for _, j in scored[:limit]]


def emergency_evidence(model_probability: float, cued: bool) -> float:
    """One number that orders notes by how strongly they read as an emergency, for calibration.

    The urgency model's emergency probability in [0, 1], moved to [1, 2] when an un-negated emergency cue or
    situation rule fired: a cued note outranks every uncued one, and within each the model orders them.
    """
    return float(model_probability) + (1.0 if cued else 0.0)


def _sigmoid(z: Any) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64))))


# --- the file -------------------------------------------------------------------------------


# Bump when the features or the models change shape: it is part of every model's version.
FEATURES_VERSION = "2"
# The layout of the model file; bump it with FEATURES_VERSION when either changes.
FORMAT = "tsunagiai-triage/1"


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    if not path.exists():
        raise ModelMissingError(f"{path} is missing: run `manage.py triage_train`")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "file" not in data:
        raise ModelMissingError(f"{path} does not name a model file")
    return data


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
        return TriageModel(
            version=str(meta["version"]),
            categories=list(meta["categories"]),
            cue_groups=list(meta["cue_groups"]),
            word_tfidf=TfidfVocabulary.build(data["word_vocabulary"], data["word_idf"], WORD_OPTIONS),
            char_tfidf=TfidfVocabulary.build(data["char_vocabulary"], data["char_idf"], CHAR_OPTIONS),
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
            emergency_calibration=(
                (
                    np.asarray(data["calibration_x"], dtype=np.float64),
                    np.asarray(data["calibration_y"], dtype=np.float64),
                )
                if "calibration_x" in data.files and "calibration_y" in data.files
                else None
            ),
        )


# Loaded models by (folder, MODEL.json's modification time): a new training is picked up without a restart.
_models: dict[tuple[Path, float], TriageModel] = {}
_models_lock = threading.Lock()


def current_model() -> TriageModel:
    """The deployment's model: loaded on first use, once per process and version of MODEL.json.

    Thread-safe: the first requests of a threaded worker wait for one load instead of each loading.
    """
    directory = Path(settings.TRIAGE_MODEL_DIR)
    manifest = directory / MANIFEST
    if not manifest.exists():
        raise ModelMissingError(f"{manifest} is missing: run `manage.py triage_train`")
    key = (directory, manifest.stat().st_mtime)
    model = _models.get(key)
    if model is None:
        with _models_lock:
            model = _models.get(key)
            if model is None:
                model = load(directory)
                _models.clear()  # one version at a time: a retrained model replaces the old one
                _models[key] = model
    return model


def model_loaded() -> bool:
    """Whether this process has loaded a model yet (start-up must not: a test checks it)."""
    return bool(_models)
