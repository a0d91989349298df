"""The hash chain: each event's hash covers its fields and the previous event's hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tsunagiai.audit.models import AuditEvent

GENESIS = "0" * 64
HASHED_FIELDS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "organisation_id",
    "basis",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "person_id",
    "changes",
    "ip_address",
    "note",
    "previous_hash",
)


def _canonical_value(name: str, value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return value


def compute_hash(event: AuditEvent) -> str:
    """SHA-256 over a canonical JSON of the event's fields (sorted keys, no spaces, UTF-8)."""
    data = {name: _canonical_value(name, getattr(event, name)) for name in HASHED_FIELDS}
    payload = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first entry where the chain does not hold."""

    event_id: int
    sequence: int
    reason: str


def verify_chain(events: Iterator[AuditEvent]) -> tuple[int, Break | None]:
    """Recompute the chain over events in sequence order: (entries checked, first break or None)."""
    previous_hash = GENESIS
    expected_sequence = 1
    count = 0
    for event in events:
        count += 1
        if event.sequence != expected_sequence:
            return count, Break(event.pk, event.sequence, f"sequence {expected_sequence} expected")
        if event.previous_hash != previous_hash:
            return count, Break(event.pk, event.sequence, "previous hash does not match the entry before")
        if compute_hash(event) != event.hash:
            return count, Break(event.pk, event.sequence, "hash does not match the entry's content")
        previous_hash = event.hash
        expected_sequence += 1
    return count, None
