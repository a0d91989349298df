"""manage.py triage --input IN.jsonl --output OUT.jsonl: one suggestion per record, in routing.md's format."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagiai.triage.corpus import CorpusError, read_jsonl
from tsunagiai.triage.engine import MAX_TEXT_LENGTH, triage


class Command(BaseCommand):
    help = (
        "Suggest categories, urgency, patterns, lead and agencies for every record (id, text) of a JSON Lines file; "
        "write id, categories, urgency, patterns, lead, agencies, scores and cues, one line per record."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--input", required=True, type=Path, help="JSON Lines with id and text (other fields ignored)"
        )
        parser.add_argument("--output", required=True, help="where to write the predictions ('-' for standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        source: Path = options["input"]
        if not source.is_file():
            raise CommandError(f"--input: {source} がありません")
        records = []
        try:
            for number, record in read_jsonl(source):
                record_id, text = record.get("id"), record.get("text")
                if not isinstance(record_id, str | int) or isinstance(record_id, bool) or record_id == "":
                    raise CommandError(f"{source}:{number}: id: 文字列が必要です")
                if not isinstance(text, str):
                    raise CommandError(f"{source}:{number}: text: 文字列が必要です")
                records.append((str(record_id), text, number))
        except CorpusError as exc:
            raise CommandError(str(exc)) from exc
        out: TextIO
        if options["output"] == "-":
            self._write(records, sys.stdout)
        else:
            with Path(options["output"]).open("w", encoding="utf-8") as out:
                self._write(records, out)
            self.stderr.write(f"{len(records)} records → {options['output']}")

    def _write(self, records: list[tuple[str, str, int]], out: TextIO) -> None:
        for record_id, text, number in records:
            if len(text) > MAX_TEXT_LENGTH:
                self.stderr.write(f"line {number}: text longer than {MAX_TEXT_LENGTH} characters; the start is read")
                text = text[:MAX_TEXT_LENGTH]
            result = triage(text)
            out.write(json.dumps(result.to_evaluation_record(record_id), ensure_ascii=False) + "\n")
