"""Reading inboxes, scoped by the access policy."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q, QuerySet

from tsunagiai.accounts import access
from tsunagiai.inbox import kinds
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


_LISTED = (
    "kind",
    "title",
    "subject_type_id",
    "subject_id",
    "url",
    "is_urgent",
    "created_at",
    "resolved_at",
    "organisation__name",
    "resolved_by__full_name",
    "resolved_by__username",
)


def inbox_list(user: User, *, include_resolved: bool = True) -> QuerySet[InboxItem]:
    """The user's organisations' items: open ones first (urgent, then newest), then the most recently resolved."""
    queryset = visible_inbox_items(user)
    if not include_resolved:
        queryset = queryset.filter(resolved_at__isnull=True)
    # Only what a row shows (and what ``inbox_item_details`` reads): the organisation's name and the
    # resolver's name, not their whole rows.
    return (
        queryset.select_related("organisation", "resolved_by")
        .only(*_LISTED)
        .order_by(F("resolved_at").desc(nulls_first=True), "-is_urgent", "-created_at", "-id")
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


@dataclass(frozen=True)
class ItemDetails:
    """An item's subject as the list shows it: the summary, and the person's name where the user may see them."""

    summary: kinds.SubjectSummary
    person_name: str = ""


def inbox_item_details(user: User, items: Iterable[InboxItem]) -> dict[int, ItemDetails]:
    """The details of a page of items, by item id, in a constant number of queries.

    One query per model of subject on the page (the app's registered
    summariser, scoped by the access policy: a subject the user may not see
    gives nothing), then one for the names of the people the user may see.
    A person the user may not see is left out: no name, nothing else about them.
    """
    by_type: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for item in items:
        if item.subject_type_id is not None and item.subject_id is not None:
            by_type[item.subject_type_id][item.subject_id].append(item.pk)
    summaries: dict[int, kinds.SubjectSummary] = {}
    for type_id, item_ids_by_subject in by_type.items():
        content_type = ContentType.objects.get_for_id(type_id)  # cached after the first use
        summarise = kinds.subject_summariser(f"{content_type.app_label}.{content_type.model}")
        if summarise is None:
            continue
        for subject_id, summary in summarise(user, sorted(item_ids_by_subject)).items():
            for item_id in item_ids_by_subject.get(subject_id, []):
                summaries[item_id] = summary
    person_ids = {s.person_id for s in summaries.values() if s.person_id is not None}
    names: dict[int, str] = {}
    if person_ids:
        rows = access.visible_people(user, among=person_ids).values_list("pk", "family_name", "given_name")
        names = {pk: f"{family} {given}".strip() for pk, family, given in rows}
    return {
        item_id: ItemDetails(
            summary=summary, person_name=names.get(summary.person_id, "") if summary.person_id is not None else ""
        )
        for item_id, summary in summaries.items()
    }
