"""Anchors: the newest (sequence, hash) of the audit log, written down outside the database.

``manage.py audit_anchor`` prints one line ``<sequence> <hash> <timestamp>``; the operator keeps the
lines where the database's administrators cannot write (docs/audit.md). ``verify_audit --anchor FILE``
checks that the log still holds every anchored entry with the anchored hash — a log whose newest
entries were removed, or that was rewritten and re-hashed from some entry on, no longer does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from tsunagiai.audit.chain import GENESIS
from tsunagiai.audit.models import AuditEvent

HASH = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 500


class AnchorError(ValueError):
    """An anchor file or expectation that cannot be read."""


@dataclass(frozen=True)
class Anchor:
    sequence: int
    hash: str
    where: str  # "line 12 of anchors.txt (2025-04-01T03:00:00+09:00)", for the message


def current_line() -> str:
    """The anchor line for the log as it is now: the newest entry (0 and the genesis hash when empty)."""
    last = AuditEvent.objects.order_by("-sequence").only("sequence", "hash").first()
    sequence, hash_ = (last.sequence, last.hash) if last else (0, GENESIS)
    return f"{sequence} {hash_} {timezone.localtime().isoformat(timespec='seconds')}"


def parse(sequence: str, hash_: str, where: str) -> Anchor:
    if not sequence.isdigit():
        raise AnchorError(f"{where}: the sequence must be a whole number, not {sequence[:20]!r}")
    if not HASH.match(hash_):
        raise AnchorError(f"{where}: the hash must be 64 hexadecimal digits, not {hash_[:70]!r}")
    return Anchor(int(sequence), hash_, where)


def read_file(path: str) -> list[Anchor]:
    """Every anchor line of ``path``: '<sequence> <hash> [timestamp]'; blank lines and '#' comments skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AnchorError(f"cannot read the anchor file {path}: {error}") from error
    anchors = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        where = f"line {number} of {path}"
        if len(fields) < 2:
            raise AnchorError(f"{where}: expected '<sequence> <hash> <timestamp>'")
        stamp = " ".join(fields[2:])
        anchors.append(parse(fields[0], fields[1], f"{where}{f' ({stamp})' if stamp else ''}"))
    return anchors


def first_mismatch(anchors: list[Anchor]) -> str | None:
    """Why the log does not hold an anchor (the first one, oldest sequence first), or None when all hold."""
    ordered = sorted(anchors, key=lambda a: a.sequence)
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start : start + CHUNK]
        stored = dict(
            AuditEvent.objects.filter(sequence__in=[a.sequence for a in chunk]).values_list("sequence", "hash")
        )
        for anchor in chunk:
            if anchor.sequence == 0:
                found: str | None = GENESIS
            else:
                found = stored.get(anchor.sequence)
            if found is None:
                return (
                    f"the log no longer holds entry {anchor.sequence} recorded by the anchor at {anchor.where}; "
                    "entries were removed"
                )
            if found != anchor.hash:
                return (
                    f"entry {anchor.sequence} has another hash than the anchor at {anchor.where}; the log was rewritten"
                )
    return None
