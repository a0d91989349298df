"""``manage.py verify_audit``: recompute the audit chain and name the first broken entry."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tsunagiai.audit.chain import verify_chain
from tsunagiai.audit.models import AuditChainHead, AuditEvent


class Command(BaseCommand):
    help = "Recompute the audit log's hash chain; print 'OK: N entries' or the first broken entry (exit status 1)."

    def handle(self, *args: Any, **options: Any) -> None:
        events: Generator[AuditEvent] = AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000)  # type: ignore[assignment]
        try:
            count, broken = verify_chain(events)
        finally:
            events.close()  # release the server-side cursor now, not when garbage-collected
        if broken is not None:
            raise CommandError(
                f"BROKEN at entry {broken.sequence} (id {broken.event_id}): {broken.reason}.", returncode=1
            )
        head = AuditChainHead.objects.filter(pk=1).first()
        last = AuditEvent.objects.order_by("-sequence").first()
        if head is not None and last is not None and (head.sequence, head.hash) != (last.sequence, last.hash):
            raise CommandError(
                f"BROKEN after entry {last.sequence} (id {last.pk}): the chain head records entry "
                f"{head.sequence}; entries were removed.",
                returncode=1,
            )
        head_hash = last.hash if last is not None else ""
        self.stdout.write(f"OK: {count} entries" + (f", head {head_hash}" if head_hash else ""))
