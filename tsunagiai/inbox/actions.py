"""Writing inbox items: posting what an organisation must look at, and resolving it."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tsunagiai.audit.actions import diff_fields, record_audit_event
from tsunagiai.inbox.models import InboxItem
from tsunagiai.intake.models import Intake
from tsunagiai.reference.models import Organisation


def do_post_inbox_item(
    *,
    organisation: Organisation,
    kind: str,
    title: str,
    intake: Intake | None = None,
    is_urgent: bool = False,
    user: Any = None,
    url: str = "",
    dedupe_key: str | None = None,
) -> InboxItem:
    """Put one item in an organisation's (or one member's) inbox, inside the caller's transaction.

    With a ``dedupe_key`` the item is posted once while it stays open: a second
    post with the same key returns the open item, even when two sweeps race
    (the database's partial unique constraint decides, inside a savepoint).
    """
    if dedupe_key is not None:
        existing = InboxItem.objects.filter(dedupe_key=dedupe_key, resolved_at__isnull=True).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return InboxItem.objects.create(
                    organisation=organisation,
                    kind=kind,
                    title=title[:200],
                    intake=intake,
                    is_urgent=is_urgent,
                    user=user,
                    url=url,
                    dedupe_key=dedupe_key,
                )
        except IntegrityError:
            return InboxItem.objects.get(dedupe_key=dedupe_key, resolved_at__isnull=True)
    return InboxItem.objects.create(
        organisation=organisation, kind=kind, title=title[:200], intake=intake, is_urgent=is_urgent, user=user, url=url
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
