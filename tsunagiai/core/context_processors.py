from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix
from django.urls import reverse as _reverse
from django.utils.translation import gettext as _

from tsunagiai.accounts import access


@cache
def _reverse_once(name: str, prefix: str) -> str:
    return _reverse(name)


def reverse(name: str) -> str:
    """The menu's addresses, reversed once per process (they take no arguments; every page shows them)."""
    return _reverse_once(name, get_script_prefix())


def _nav_items(request: HttpRequest) -> list[dict[str, Any]]:
    user = request.user
    items: list[tuple[str, str]] = []
    if access.is_staff_member(user):
        items += [
            (reverse("intake:create"), _("New intake")),
            (reverse("intake:list"), _("Intakes")),
            (reverse("people:search"), _("People")),
            (reverse("people:household_list"), _("Households")),
            (reverse("referrals:list"), _("Referrals")),
            (reverse("cases:list"), _("Cases")),
            (reverse("support:conference_list"), _("Conferences")),
            (reverse("inbox:list"), _("Inbox")),
        ]
    if access.is_volunteer(user):
        items += [
            (reverse("intake:volunteer_create"), _("Report a concern")),
            (reverse("intake:my_reports"), _("My reports")),
        ]
    if access.may_view_regional(user):
        items.append((reverse("regional:issue_list"), _("Regional issues")))
    if access.may_view_dashboard(user):
        items.append((reverse("analytics:dashboard"), _("Analytics dashboard")))
    if access.is_staff_member(user) or access.may_view_aggregates(user):  # reports: exports and PDFs
        items.append((reverse("reports:index"), _("Reports and exports")))
    if access.may_see_help_queue(user):  # community: help requests, a group's or a volunteer's queue
        items.append((reverse("community:help_list"), _("Mutual help")))
    items.append((reverse("resources:list"), _("Community resources")))  # resources: everyone signed in reads it
    if access.has_role(user, "auditor"):
        items.append((reverse("audit:list"), _("Audit log")))
    if access.is_staff_member(user) or access.may_manage_reference(user):
        items.append((reverse("reference:index"), _("Directory")))
    path = request.path
    result = []
    for url, label in items:
        result.append({"url": url, "label": label, "current": path == url or (url != "/" and path.startswith(url))})
    # Only the longest matching entry is current.
    current = [item for item in result if item["current"]]
    if len(current) > 1:
        best = max(current, key=lambda item: len(str(item["url"])))
        for item in current:
            item["current"] = item is best
    return result


def tsunagiai(request: HttpRequest) -> dict[str, Any]:
    """The navigation, the user's organisations and date style, for every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"date_style": "era", "debug": settings.DEBUG}
    from tsunagiai.inbox.selectors import open_inbox_count

    nav = _nav_items(request)
    inbox_url = reverse("inbox:list")
    for item in nav:
        if item["url"] == inbox_url:
            item["badge"] = open_inbox_count(user)
    return {
        "date_style": getattr(user, "date_style", "era"),
        "debug": settings.DEBUG,
        "nav_items": nav,
        "user_organisations": sorted({m.organisation.name for m in access.memberships(user)}),
    }
