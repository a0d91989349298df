"""manage.py triage_corrections: opted-in corrections, masked, in the corpus format; the export is audited."""

from __future__ import annotations

import json

import pytest
import time_machine
from django.core.management import CommandError, call_command

from tsunagiai.audit.models import AuditEvent
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.reference.models import IssueCategory, UrgencyLevel
from tsunagiai.testing import aware
from tsunagiai.triage.tests.fakes import CONCERN, fixed_engine  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_engine")


def _export(tmp_path, *args):
    output = tmp_path / "corrections.jsonl"
    call_command("triage_corrections", "--output", str(output), *args)
    return [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]


def test_only_opted_in_intakes_are_exported_in_the_corpus_format(town, tmp_path):
    person = make_person(town, family_name="髙橋", given_name="ハル")
    opted = make_intake(
        town,
        concern=f"髙橋ハルさん宅。{CONCERN}電話090-1234-5678",
        categories=list(IssueCategory.objects.filter(pk__in=["dementia", "financial_hardship"])),
        urgency=UrgencyLevel.objects.get(pk="high"),
        is_anonymous=False,
        person=person,
        training_opt_in=True,
    )
    make_intake(town, concern=CONCERN)  # not opted in
    records = _export(tmp_path)
    assert len(records) == 1
    record = records[0]
    assert set(record) == {"id", "text", "categories", "urgency", "patterns", "victim", "style"}
    assert record["id"] == f"correction-{opted.pk}"
    assert record["categories"] == ["dementia", "financial_hardship"]
    assert record["urgency"] == "high"
    assert record["patterns"] == ["multi_issue"]
    assert record["victim"] is None
    assert record["style"] == "staff_correction"
    assert "髙橋" not in record["text"] and "ハル" not in record["text"] and "5678" not in record["text"]
    assert "認知症" in record["text"]


def test_since_keeps_later_corrections_only(town, tmp_path):
    with time_machine.travel(aware(2025, 4, 1), tick=False):
        make_intake(town, concern=CONCERN, training_opt_in=True)
    with time_machine.travel(aware(2025, 6, 1), tick=False):
        later = make_intake(town, concern=CONCERN, training_opt_in=True)
    with time_machine.travel(aware(2025, 6, 2), tick=False):
        records = _export(tmp_path, "--since", "2025-05-01")
    assert [r["id"] for r in records] == [f"correction-{later.pk}"]


def test_the_export_is_audited(town, tmp_path):
    make_intake(town, concern=CONCERN, training_opt_in=True)
    _export(tmp_path)
    event = AuditEvent.objects.get(action="triage.corrections_exported")
    assert event.changes["count"] == [None, 1]
    assert event.note == "corrections.jsonl"


def test_a_bad_date_or_folder_is_refused(town, tmp_path):
    with pytest.raises(CommandError):
        call_command("triage_corrections", "--output", str(tmp_path / "x.jsonl"), "--since", "2025-13-01")
    with pytest.raises(CommandError):
        call_command("triage_corrections", "--output", str(tmp_path / "missing" / "x.jsonl"))


def test_nothing_opted_in_writes_an_empty_file(town, tmp_path):
    make_intake(town, concern=CONCERN)
    assert _export(tmp_path) == []
