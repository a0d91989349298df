"""``{% support_case_panel case user %}``: the plan and the latest records on the case page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template
from django.utils import timezone

from tsunagiai.cases.models import Case
from tsunagiai.support import selectors

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

register = template.Library()


@register.inclusion_tag("support/_case_panel.html")
def support_case_panel(case: Case, user: User) -> dict[str, Any]:
    """Current plan (goals, open actions with owners and due dates, review date, agreement) and the
    latest timeline entries, in a constant number of queries (3, plus the user's memberships once)."""
    revision = selectors.current_revision(case, with_plan=False)
    actions = [a for a in revision.actions.all() if a.is_open] if revision else []
    return {
        "case": case,
        "revision": revision,
        "open_actions": actions,
        "records": selectors.latest_records(user, case),
        "today": timezone.localdate(),
    }
