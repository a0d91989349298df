"""Writing inbox items: posting what an organisation must look at, and resolving it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from tsunagiai.audit.actions import diff_fields, record_audit_event
from tsunagiai.inbox.models import InboxItem
from tsunagiai.intake.models import Intake
from tsunagiai.reference.models import Organisation


def do_post_inbox_item(
    *, organisation: Organisation, kind: str, title: str, intake: Intake | None = None, is_urgent: bool = False
) -> InboxItem:
    """Put one item in an organisation's inbox (called inside the caller's transaction)."""
    return InboxItem.objects.create(
        organisation=organisation, kind=kind, title=title[:200], intake=intake, is_urgent=is_urgent
    )


@transaction.atomic
def do_resolve_inbox_item(item: InboxItem, *, acting_user: Any) -> InboxItem:
    """Mark an item as dealt with; resolving twice keeps the first resolution."""
    if item.resolved_at is not None:
        return item
    item.resolved_at = timezone.now()
    item.resolved_by = acting_user
    item.save(update_fields=["resolved_at", "resolved_by"])
    record_audit_event(
        "inbox.resolved",
        acting_user=acting_user,
        obj=item,
        changes=diff_fields({"resolved_at": None}, {"resolved_at": item.resolved_at}),
    )
    return item
