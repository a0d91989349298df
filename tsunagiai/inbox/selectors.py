"""Reading inboxes, scoped by the access policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q, QuerySet

from tsunagiai.accounts import access
from tsunagiai.inbox.models import InboxItem

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User


def visible_inbox_items(user: User) -> QuerySet[InboxItem]:
    """Items of the user's organisations meant for the whole organisation, and those meant for the user."""
    return InboxItem.objects.filter(organisation_id__in=access.visible_inbox_organisation_ids(user)).filter(
        Q(user__isnull=True) | Q(user_id=user.pk)
    )


def open_inbox_count(user: User) -> int:
    if not access.is_staff_member(user):
        return 0
    return visible_inbox_items(user).filter(resolved_at__isnull=True).count()


def inbox_list(user: User, *, include_resolved: bool = True) -> QuerySet[InboxItem]:
    """The user's organisations' items: open ones first (urgent, then newest), then the most recently resolved."""
    queryset = visible_inbox_items(user)
    if not include_resolved:
        queryset = queryset.filter(resolved_at__isnull=True)
    return queryset.select_related("organisation", "resolved_by").order_by(
        F("resolved_at").desc(nulls_first=True), "-is_urgent", "-created_at", "-id"
    )


def inbox_item_for(user: User, item_id: Any) -> InboxItem:
    """One item of the user's organisations, or 404."""
    from django.http import Http404

    try:
        return visible_inbox_items(user).get(pk=int(item_id))
    except (InboxItem.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def items_about(subject: models.Model) -> QuerySet[InboxItem]:
    """Every item (any organisation's, open or resolved) about ``subject``, for the app that posted them.

    Not scoped by the user: the caller is the subject's own app, which checked
    access to the subject already.
    """
    return InboxItem.objects.filter(subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk)
