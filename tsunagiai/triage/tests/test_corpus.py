"""The corpus in data/triage/ is well-formed, varied, and kept apart from what it is scored on."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tsunagiai.reference.routing import is_multi_issue, routing_policy
from tsunagiai.triage.corpus import CorpusError, corpus_files, is_held_out, load_gold, parse_gold, split

DATA = Path(__file__).resolve().parents[3] / "data" / "triage"
SPEC_EXAMPLES = Path(__file__).resolve().parent / "data" / "triage_examples.jsonl"


@pytest.fixture(scope="module")
def corpus() -> list:  # type: ignore[type-arg]
    return load_gold(corpus_files(DATA / "corpus"))


def test_every_record_is_valid_and_ids_are_unique(corpus: list) -> None:  # type: ignore[type-arg]
    assert len(corpus) >= 3000
    assert len({g.id for g in corpus}) == len(corpus)


def test_no_text_is_repeated_and_none_is_a_spec_example_or_in_the_challenge_set(corpus: list) -> None:  # type: ignore[type-arg]
    texts = [g.text for g in corpus]
    assert len(set(texts)) == len(texts)
    spec = {json.loads(line)["text"] for line in SPEC_EXAMPLES.read_text(encoding="utf-8").splitlines() if line}
    challenge = {g.text for g in load_gold(sorted(DATA.glob("challenge*.jsonl")))}
    assert not spec & set(texts)
    assert not challenge & set(texts)


def test_every_category_and_pattern_is_well_represented(corpus: list) -> None:  # type: ignore[type-arg]
    categories = Counter(c for g in corpus for c in g.categories)
    for code in routing_policy().category_agency:
        assert categories[code] >= 100, code
    patterns = Counter(p for g in corpus for p in g.patterns)
    for code in ("p8050", "double_care", "young_carer"):
        assert patterns[code] >= 60, code
    urgency = Counter(g.urgency for g in corpus)
    assert urgency["emergency"] >= 200
    assert urgency["high"] >= 200


def test_multi_issue_labels_follow_the_policy(corpus: list) -> None:  # type: ignore[type-arg]
    wrong = [g.id for g in corpus if ("multi_issue" in g.patterns) != is_multi_issue(g.categories)]
    assert wrong == []


def test_the_styles_are_varied(corpus: list) -> None:  # type: ignore[type-arg]
    assert len({g.style for g in corpus}) >= 30


def test_the_held_out_split_is_fixed_by_id_and_about_a_fifth(corpus: list) -> None:  # type: ignore[type-arg]
    training, held_out = split(corpus)
    assert 0.15 < len(held_out) / len(corpus) < 0.25
    assert all(is_held_out(g.id) for g in held_out)
    assert is_held_out("a-0001") == is_held_out("a-0001")


def test_gold_lead_and_agencies_are_derived_by_the_policy() -> None:
    gold = parse_gold(
        {
            "id": "1",
            "text": "t",
            "categories": ["abuse_violence", "child_rearing"],
            "urgency": "emergency",
            "patterns": ["multi_issue"],
            "victim": "child",
        },
        "x:1",
    )
    assert gold.lead == "coordination_section"
    assert gold.agencies == {"coordination_section", "child_support_center"}


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"id": "", "text": "t", "categories": [], "urgency": "normal"}, "id"),
        ({"id": "1", "text": 3, "categories": [], "urgency": "normal"}, "text"),
        ({"id": "1", "text": "t", "categories": "elderly_care", "urgency": "normal"}, "categories"),
        ({"id": "1", "text": "t", "categories": [], "urgency": "urgent"}, "urgency"),
        ({"id": "1", "text": "t", "categories": [], "urgency": "normal", "patterns": ["p9060"]}, "patterns"),
        ({"id": "1", "text": "t", "categories": [], "urgency": "normal", "victim": "adult"}, "victim"),
    ],
)
def test_a_bad_record_names_its_field(record: dict[str, object], field: str) -> None:
    with pytest.raises(CorpusError, match=f"x:1: {field}"):
        parse_gold(record, "x:1")


def test_challenge_sets_are_never_trained_on(corpus: list) -> None:  # type: ignore[type-arg]
    """triage_train reads the corpus folder only; every challenge file lies outside it, its ids and texts unseen."""
    from tsunagiai.triage.management.commands.triage_train import DATA as TRAIN_DATA
    from tsunagiai.triage.management.commands.triage_train import Command

    parser = Command().create_parser("manage.py", "triage_train")
    default_corpus = parser.parse_args([]).corpus
    assert default_corpus.resolve() == (TRAIN_DATA / "corpus").resolve()
    challenge_files = sorted(DATA.glob("challenge*.jsonl"))
    assert {p.name for p in challenge_files} >= {"challenge.jsonl", "challenge-2.jsonl", "challenge-3.jsonl"}
    trained_files = {p.resolve() for p in corpus_files(default_corpus)}
    assert not trained_files & {p.resolve() for p in challenge_files}
    challenge = load_gold(challenge_files)
    training, held_out = split(corpus)
    assert not {g.id for g in challenge} & {g.id for g in corpus}
    assert not {g.text for g in challenge} & {g.text for g in training}


def test_challenge_set_3_has_the_implicit_emergencies_and_near_misses_it_promises() -> None:
    from tsunagiai.triage.lexicon import lexicon
    from tsunagiai.triage.text import normalise

    records = load_gold([DATA / "challenge-3.jsonl"])
    assert len(records) >= 300
    emergencies = [g for g in records if g.urgency == "emergency"]
    implicit = [
        g
        for g in emergencies
        if not any(c.level == "emergency" and not c.negated for c in lexicon().find_cues(normalise(g.text).text))
    ]
    assert len(implicit) >= 60
    assert len([g for g in records if g.urgency != "emergency"]) >= 60
    assert len({g.style for g in records}) >= 60
