"""The inbox: what the user's organisations must look at now, urgent first."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from tsunagiai.audit.actions import record_list
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.inbox import selectors
from tsunagiai.inbox.actions import do_resolve_inbox_item
from tsunagiai.inbox.models import InboxItem

PAGE_SIZE = 30


def _page(request: AuthenticatedRequest, *, audit: bool = False) -> HttpResponse:
    show_resolved = request.GET.get("resolved") != "0"
    items = selectors.inbox_list(request.user, include_resolved=show_resolved)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    details = selectors.inbox_item_details(request.user, page.object_list)
    rows = [(item, details.get(item.pk)) for item in page.object_list]
    context = {
        "page": page,
        "rows": rows,
        "show_resolved": show_resolved,
        "now": timezone.now(),
        "today": timezone.localdate(),
    }
    partial = bool(request.htmx)
    if audit and not partial:
        # The list names people: a full page load is one read event. The 30-second htmx poll (and the
        # refresh after "mark as done") re-renders the same list and writes none (docs/audit.md).
        record_list(
            request,
            "inbox.listed",
            model=InboxItem,
            count=page.paginator.count,
            filters={"resolved": "" if show_resolved else "0", "page": page.number},
        )
    template = "inbox/list.html#items" if partial else "inbox/list.html"
    return render(request, template, context)


@require_GET
def inbox_list(request: AuthenticatedRequest) -> HttpResponse:
    return _page(request, audit=True)


@require_POST
def resolve_item(request: AuthenticatedRequest, item_id: int) -> HttpResponse:
    item = selectors.inbox_item_for(request.user, item_id)
    do_resolve_inbox_item(item, acting_user=request.user)
    if request.htmx:
        return _page(request)
    return redirect("inbox:list")
