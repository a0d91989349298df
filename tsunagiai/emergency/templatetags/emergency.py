"""The "open in an emergency" offer on the 404 page of a person, household or case."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from tsunagiai.accounts import access

register = template.Library()

_RECORD_PAGES = {
    "people:person_detail": ("person", "person_id"),
    "people:household_detail": ("household", "household_id"),
    "cases:detail": ("case", "case_id"),
}


@register.inclusion_tag("emergency/offer.html", takes_context=True)
def emergency_offer(context: Any) -> dict[str, Any]:
    """Offered to staff on a record page they may not see, whether or not the record exists (nothing is revealed)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    page = _RECORD_PAGES.get(match.view_name) if match is not None else None
    user = getattr(request, "user", None)
    if page is None or match is None or user is None:
        return {"url": ""}
    if not access.may_break_the_glass(user) or access.is_coordination(user):
        return {"url": ""}
    kind, parameter = page
    return {"url": reverse("emergency:start", args=[kind, match.kwargs[parameter]])}
