"""The labelled corpus (data/triage/corpus/*.jsonl) and evaluation files: reading, checking, splitting.

A record: {"id", "text", "categories", "urgency", "patterns"} and optionally
"victim" (child / older_person / disabled_person / null, with abuse) and "style".
Evaluation files in routing.md's format also carry "lead" and "agencies"; where a
corpus record lacks them they are derived from its labels by the routing policy,
exactly as staff would route the labelled consultation.

The held-out split is fixed by each record's id (a hash), so adding records never
moves an old record between training and held-out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tsunagiai.reference.routing import RoutingPolicy, routing_policy, suggest
from tsunagiai.triage.classifier import TEXT_PATTERNS, URGENCY_CLASSES, Example

HELD_OUT_PERCENT = 20
VICTIMS = ("child", "older_person", "disabled_person")
PATTERNS = (*TEXT_PATTERNS, "multi_issue")


class CorpusError(ValueError):
    """A record is not usable; the message names the file, line and field."""


@dataclass(frozen=True)
class Gold:
    """One labelled record, with the lead and agencies it implies."""

    id: str
    text: str
    categories: frozenset[str]
    urgency: str
    patterns: frozenset[str]
    lead: str
    agencies: frozenset[str]
    victim: str | None
    style: str

    def example(self) -> Example:
        return Example(self.id, self.text, self.categories, self.urgency, self.patterns)


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{path}:{number}: 不正なJSONです ({exc.msg})") from exc
            if not isinstance(record, dict):
                raise CorpusError(f"{path}:{number}: 1行に1つのオブジェクトが必要です")
            yield number, record


def _codes(value: Any, where: str, field: str, known: Iterable[str]) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CorpusError(f"{where}: {field}: 文字列のリストが必要です")
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise CorpusError(f"{where}: {field}: 未知のコード {', '.join(unknown)}")
    return frozenset(value)


def parse_gold(record: dict[str, Any], where: str, *, policy: RoutingPolicy | None = None) -> Gold:
    policy = policy or routing_policy()
    record_id, text = record.get("id"), record.get("text")
    if not isinstance(record_id, str) or not record_id:
        raise CorpusError(f"{where}: id: 文字列が必要です")
    if not isinstance(text, str):
        raise CorpusError(f"{where}: text: 文字列が必要です")
    categories = _codes(record.get("categories"), where, "categories", policy.category_agency)
    urgency = record.get("urgency")
    if urgency not in URGENCY_CLASSES:
        raise CorpusError(f"{where}: urgency: normal / high / emergency のいずれかです")
    patterns = _codes(record.get("patterns", []), where, "patterns", PATTERNS)
    victim = record.get("victim")
    if victim is not None and victim not in VICTIMS:
        raise CorpusError(f"{where}: victim: {' / '.join(VICTIMS)} または null です")
    routed = suggest(categories, urgency=str(urgency), victim=victim, policy=policy)
    lead = record.get("lead", routed.lead)
    agencies = record.get("agencies", routed.agencies)
    if not isinstance(lead, str) or not isinstance(agencies, list):
        raise CorpusError(f"{where}: lead / agencies: 形式が正しくありません")
    return Gold(
        id=record_id,
        text=text,
        categories=categories,
        urgency=str(urgency),
        patterns=patterns,
        lead=lead,
        agencies=frozenset(str(a) for a in agencies),
        victim=victim,
        style=str(record.get("style", "")),
    )


def load_gold(paths: Iterable[Path], *, policy: RoutingPolicy | None = None) -> list[Gold]:
    """Every record of ``paths``, checked; ids must be unique across the files."""
    policy = policy or routing_policy()
    records: list[Gold] = []
    seen: dict[str, str] = {}
    for path in paths:
        for number, record in read_jsonl(path):
            where = f"{path.name}:{number}"
            gold = parse_gold(record, where, policy=policy)
            if gold.id in seen:
                raise CorpusError(f"{where}: id: {gold.id} は {seen[gold.id]} と重複しています")
            seen[gold.id] = where
            records.append(gold)
    return records


def corpus_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))


def is_held_out(record_id: str) -> bool:
    digest = hashlib.sha256(record_id.encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HELD_OUT_PERCENT


def split(records: Iterable[Gold]) -> tuple[list[Gold], list[Gold]]:
    """(training, held-out)."""
    training: list[Gold] = []
    held_out: list[Gold] = []
    for record in records:
        (held_out if is_held_out(record.id) else training).append(record)
    return training, held_out
