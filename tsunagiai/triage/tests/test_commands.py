"""The triage commands end to end: triage, triage_eval and triage_train on real files."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from tsunagiai.triage import classifier
from tsunagiai.triage.corpus import corpus_files, is_held_out, load_gold
from tsunagiai.triage.engine import triage

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

DATA = Path(__file__).resolve().parents[3] / "data" / "triage"


def write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_triage_writes_one_prediction_per_record(tmp_path: Path, evaluation_record_fields: set[str]) -> None:
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": "a", "text": "民生委員より。一人暮らしの男性が「死にたい」と漏らした。", "note": "ignored"},
            {"id": 7, "text": ""},
            {"id": "c", "text": "Minha mãe está doente."},
        ],
    )
    out = tmp_path / "out.jsonl"
    call_command("triage", "--input", str(source), "--output", str(out), stderr=StringIO())
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["a", "7", "c"]
    assert all(set(line) == evaluation_record_fields for line in lines)
    assert lines[0]["urgency"] == "emergency"
    assert lines[0]["lead"] == "coordination_section"
    assert any("死にたい" in cue["text"] for cue in lines[0]["cues"])
    assert lines[1]["categories"] == []


def test_triage_to_standard_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "x", "text": "網戸の張り替えを手伝ってほしい"}])
    call_command("triage", "--input", str(source), "--output", "-")
    assert json.loads(capsys.readouterr().out)["id"] == "x"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "a", "text": "ok"}\n{broken\n', "in.jsonl:2"),
        ('{"id": "a"}\n', "text"),
        ('{"text": "no id"}\n', "id"),
        ("[1, 2]\n", "オブジェクト"),
    ],
)
def test_triage_names_the_line_at_fault(tmp_path: Path, content: str, message: str) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("triage", "--input", str(source), "--output", str(tmp_path / "out.jsonl"))


def test_triage_reads_the_start_of_an_over_long_text(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "long", "text": "介護に疲れた。" * 4000}])
    errors = StringIO()
    call_command("triage", "--input", str(source), "--output", str(tmp_path / "o.jsonl"), stderr=errors)
    assert "20000" in errors.getvalue()
    assert json.loads((tmp_path / "o.jsonl").read_text(encoding="utf-8"))["id"] == "long"


def test_triage_eval_prints_every_measure(tmp_path: Path) -> None:
    out = StringIO()
    call_command("triage_eval", str(DATA / "challenge.jsonl"), stdout=out)
    text = out.getvalue()
    for label in ("micro-F1", "macro-F1", "emergency recall", "lead accuracy", "pattern F1", "agency Jaccard"):
        assert label in text
    assert "elderly_care" in text


def test_triage_eval_scores_given_predictions_and_derives_the_gold_lead(tmp_path: Path) -> None:
    gold = write_jsonl(
        tmp_path / "gold.jsonl",
        [{"id": "1", "text": "t", "categories": ["daily_living"], "urgency": "normal", "patterns": []}],
    )
    right = write_jsonl(
        tmp_path / "p.jsonl",
        [
            {
                "id": "1",
                "categories": ["daily_living"],
                "urgency": "normal",
                "patterns": [],
                "lead": "volunteer_center",
                "agencies": ["volunteer_center"],
            }
        ],
    )
    out = StringIO()
    call_command(
        "triage_eval", str(gold), "--predictions", str(right), "--json", "--min-lead-accuracy", "1", stdout=out
    )
    report = json.loads(out.getvalue())
    assert report["lead_accuracy"] == 1.0
    assert report["agency_jaccard"] == 1.0


def test_triage_eval_fails_below_a_threshold(tmp_path: Path) -> None:
    gold = write_jsonl(
        tmp_path / "gold.jsonl",
        [{"id": "1", "text": "t", "categories": ["daily_living"], "urgency": "emergency", "patterns": []}],
    )
    wrong = write_jsonl(
        tmp_path / "p.jsonl",
        [{"id": "1", "categories": ["housing"], "urgency": "normal", "patterns": [], "lead": "csw", "agencies": []}],
    )
    with pytest.raises(CommandError, match="emergency recall 0.000 < 0.950"):
        call_command(
            "triage_eval", str(gold), "--predictions", str(wrong), "--min-emergency-recall", "0.95", stdout=StringIO()
        )
    with pytest.raises(CommandError, match="0から1"):
        call_command("triage_eval", str(gold), "--min-micro-f1", "1.5", stdout=StringIO())


def test_triage_eval_refuses_a_bad_gold_file(tmp_path: Path) -> None:
    gold = write_jsonl(
        tmp_path / "g.jsonl", [{"id": "1", "text": "t", "categories": ["nonsense"], "urgency": "normal"}]
    )
    with pytest.raises(CommandError, match="nonsense"):
        call_command("triage_eval", str(gold), stdout=StringIO())


def test_the_shipped_model_holds_its_floor_on_the_held_out_split(tmp_path: Path) -> None:
    """A regression guard: the held-out split scores at least a little under what docs/triage.md reports."""
    held_out = [g for g in load_gold(corpus_files(DATA / "corpus")) if is_held_out(g.id)]
    path = write_jsonl(
        tmp_path / "held.jsonl",
        [
            {
                "id": g.id,
                "text": g.text,
                "categories": sorted(g.categories),
                "urgency": g.urgency,
                "patterns": sorted(g.patterns),
                "victim": g.victim,
            }
            for g in held_out
        ],
    )
    call_command(
        "triage_eval",
        str(path),
        "--min-micro-f1",
        "0.70",
        "--min-emergency-recall",
        "0.90",
        "--min-lead-accuracy",
        "0.65",
        stdout=StringIO(),
    )


def test_triage_train_builds_a_versioned_model_that_the_engine_loads(tmp_path: Path) -> None:
    records = load_gold(corpus_files(DATA / "corpus"))[:0]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # A small but complete corpus: every category, pattern and urgency level several times.
    source = [
        json.loads(line) for f in corpus_files(DATA / "corpus") for line in f.read_text(encoding="utf-8").splitlines()
    ]
    picked = source[::6]
    write_jsonl(corpus / "small.jsonl", picked)
    output = tmp_path / "model"
    out = StringIO()
    call_command(
        "triage_train",
        "--corpus",
        str(corpus),
        "--challenge",
        str(tmp_path / "none.jsonl"),
        "--output",
        str(output),
        stdout=out,
    )
    manifest = json.loads((output / "MODEL.json").read_text(encoding="utf-8"))
    assert (output / manifest["file"]).is_file()
    assert manifest["corpus"]["records"] == len(picked) + len(records)
    assert "held_out" in manifest["scores"]
    model = classifier.load(output)
    assert model.version == manifest["version"]
    result = triage("夫に殴られた。今夜泊まる所がない。", model=model)
    assert result.urgency == "emergency"
    # Training again replaces the file; MODEL.json always names one that exists.
    write_jsonl(corpus / "more.jsonl", source[1::6])
    call_command(
        "triage_train",
        "--corpus",
        str(corpus),
        "--challenge",
        str(tmp_path / "none.jsonl"),
        "--output",
        str(output),
        stdout=StringIO(),
    )
    files = list(output.glob("triage-*.npz"))
    assert len(files) == 1
    assert json.loads((output / "MODEL.json").read_text(encoding="utf-8"))["file"] == files[0].name


def test_a_missing_model_says_how_to_build_it(tmp_path: Path) -> None:
    with (
        override_settings(TRIAGE_MODEL_DIR=tmp_path),
        pytest.raises(classifier.ModelMissingError, match="triage_train"),
    ):
        classifier.current_model()


def test_triage_train_refuses_an_invalid_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_jsonl(corpus / "bad.jsonl", [{"id": "1", "text": "t", "categories": ["x"], "urgency": "normal"}])
    with pytest.raises(CommandError, match="bad.jsonl:1"):
        call_command("triage_train", "--corpus", str(corpus), "--output", str(tmp_path / "m"), stdout=StringIO())
