"""Reading inboxes, scoped by the access policy."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tsunagiai.accounts import access
from tsunagiai.inbox.models import InboxItem


def visible_inbox_items(user: Any) -> QuerySet[InboxItem]:
    return InboxItem.objects.filter(organisation_id__in=access.visible_inbox_organisation_ids(user))


def open_inbox_count(user: Any) -> int:
    if not access.is_staff_member(user):
        return 0
    return visible_inbox_items(user).filter(resolved_at__isnull=True).count()
