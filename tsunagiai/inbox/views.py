"""The inbox: what the user's organisations must look at now, urgent first."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.inbox import selectors
from tsunagiai.inbox.actions import do_resolve_inbox_item

PAGE_SIZE = 30


def _page(request: AuthenticatedRequest) -> HttpResponse:
    show_resolved = request.GET.get("resolved") != "0"
    items = selectors.inbox_list(request.user, include_resolved=show_resolved)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "show_resolved": show_resolved}
    template = "inbox/list.html#items" if request.htmx else "inbox/list.html"
    return render(request, template, context)


@require_GET
def inbox_list(request: AuthenticatedRequest) -> HttpResponse:
    return _page(request)


@require_POST
def resolve_item(request: AuthenticatedRequest, item_id: int) -> HttpResponse:
    item = selectors.inbox_item_for(request.user, item_id)
    do_resolve_inbox_item(item, acting_user=request.user)
    if request.htmx:
        return _page(request)
    return redirect("inbox:list")
