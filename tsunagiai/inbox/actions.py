"""Writing inbox items: posting what an organisation must look at, and resolving it."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from tsunagiai.audit.actions import diff_fields, record_audit_event
from tsunagiai.inbox import kinds
from tsunagiai.inbox.models import InboxItem
from tsunagiai.inbox.selectors import items_about
from tsunagiai.reference.models import Organisation

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User


def do_post_inbox_item(
    *,
    organisation: Organisation,
    kind: str,
    title: str,
    subject: models.Model | None = None,
    is_urgent: bool | None = None,
    user: User | None = None,
    url: str = "",
    dedupe_key: str | None = None,
) -> InboxItem:
    """Put one item in an organisation's (or one member's) inbox, inside the caller's transaction.

    With a ``dedupe_key`` the item is posted once while it stays open: a second
    post with the same key returns the open item, even when two sweeps race
    (the database's partial unique constraint decides, inside a savepoint).

    ``kind`` must be registered (``tsunagiai.inbox.kinds``); ``is_urgent`` left
    out takes the kind's default. ``subject`` is what the item is about (any
    model), for ``items_about``; the link to show is ``url``.
    """
    registered = kinds.get_kind(kind)
    if registered is None:
        raise ValueError(f"Unknown inbox kind {kind!r}: register it with tsunagiai.inbox.kinds.register_kind.")
    fields: dict[str, Any] = {
        "organisation": organisation,
        "kind": kind,
        "title": title[:200],
        "is_urgent": registered.urgent_by_default if is_urgent is None else is_urgent,
        "user": user,
        "url": url,
    }
    if subject is not None:
        fields["subject_type"] = ContentType.objects.get_for_model(subject)
        fields["subject_id"] = subject.pk
    if dedupe_key is not None:
        existing = InboxItem.objects.filter(dedupe_key=dedupe_key, resolved_at__isnull=True).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                return InboxItem.objects.create(**fields, dedupe_key=dedupe_key)
        except IntegrityError:
            return InboxItem.objects.get(dedupe_key=dedupe_key, resolved_at__isnull=True)
    return InboxItem.objects.create(**fields)


@transaction.atomic
def do_resolve_inbox_item(item: InboxItem, *, acting_user: User) -> InboxItem:
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


@transaction.atomic
def do_resolve_items_about(
    subject: models.Model,
    *,
    acting_user: User,
    kind: str | Collection[str] | None = None,
    organisation: Organisation | None = None,
) -> int:
    """Mark every open item about ``subject`` as dealt with; return how many.

    ``kind`` (one code or several) and ``organisation`` narrow it to those
    items. Each resolution is audited (``inbox.resolved``), like one by hand;
    the caller's transaction holds it, so the work and its items go together.
    """
    items = items_about(subject).filter(resolved_at__isnull=True)
    if isinstance(kind, str):
        items = items.filter(kind=kind)
    elif kind is not None:
        items = items.filter(kind__in=list(kind))
    if organisation is not None:
        items = items.filter(organisation=organisation)
    resolved = 0
    for item in items.select_for_update():
        do_resolve_inbox_item(item, acting_user=acting_user)
        resolved += 1
    return resolved
