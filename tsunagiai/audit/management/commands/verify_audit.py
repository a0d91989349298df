"""``manage.py verify_audit``: recompute the audit chain and name the first broken entry.

With ``--anchor FILE`` (lines written by ``audit_anchor``) or ``--expect-sequence N --expect-hash H``
it also checks that the log still holds each anchored entry with the anchored hash: the database alone
cannot show that its newest entries were removed and the head row rewritten to match.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagiai.audit import anchors
from tsunagiai.audit.chain import verify_chain
from tsunagiai.audit.models import AuditChainHead, AuditEvent


def _broken(message: str) -> CommandError:
    return CommandError(message, returncode=1)


class Command(BaseCommand):
    help = (
        "Recompute the audit log's hash chain; print 'OK: N entries' or the first broken entry (exit status 1). "
        "--anchor FILE / --expect-sequence N --expect-hash H: also check anchors kept outside the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--anchor", metavar="FILE", action="append", default=[], help="anchor file(s)")
        parser.add_argument("--expect-sequence", metavar="N", help="an anchored sequence (with --expect-hash)")
        parser.add_argument("--expect-hash", metavar="H", help="the hash of entry N (with --expect-sequence)")

    def _anchors(self, options: dict[str, Any]) -> list[anchors.Anchor]:
        found: list[anchors.Anchor] = []
        try:
            for path in options["anchor"]:
                found += anchors.read_file(path)
            sequence, hash_ = options["expect_sequence"], options["expect_hash"]
            if (sequence is None) != (hash_ is None):
                raise anchors.AnchorError("give --expect-sequence and --expect-hash together")
            if sequence is not None:
                found.append(anchors.parse(sequence, hash_, "--expect-sequence/--expect-hash"))
        except anchors.AnchorError as error:
            raise CommandError(str(error), returncode=2) from error
        return found

    def handle(self, *args: Any, **options: Any) -> None:
        expected = self._anchors(options)  # a bad anchor file is an error before any work
        events: Generator[AuditEvent] = AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000)  # type: ignore[assignment]
        try:
            count, broken = verify_chain(events)
        finally:
            events.close()  # release the server-side cursor now, not when garbage-collected
        if broken is not None:
            raise _broken(f"BROKEN at entry {broken.sequence} (id {broken.event_id}): {broken.reason}.")
        head = AuditChainHead.objects.filter(pk=1).first()
        last = AuditEvent.objects.order_by("-sequence").first()
        last_sequence = last.sequence if last is not None else 0
        if head is None and last is not None:
            raise _broken(
                f"BROKEN after entry {last.sequence} (id {last.pk}): the chain head row is missing; "
                "entries after it may have been removed."
            )
        if head is not None and (head.sequence != last_sequence or (last is not None and head.hash != last.hash)):
            raise _broken(
                f"BROKEN after entry {last_sequence}: the chain head records entry {head.sequence}; "
                "entries were removed."
            )
        mismatch = anchors.first_mismatch(expected)
        if mismatch is not None:
            raise _broken(f"BROKEN: {mismatch}.")
        head_hash = last.hash if last is not None else ""
        summary = f"OK: {count} entries" + (f", head {head_hash}" if head_hash else "")
        if expected:
            summary += f"; {len(expected)} anchor(s) hold, up to entry {max(a.sequence for a in expected)}"
        self.stdout.write(summary)
