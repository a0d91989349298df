"""Template helpers of the privacy app: the person page's privacy panel and readable disclosure values."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.translation import gettext as _

from tsunagiai.accounts import access

register = template.Library()


@register.filter
def disclosure_value(value: Any) -> str:
    """A disclosure value as text: yes/no, a list joined with 、, a mapping as JSON, nothing as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


@register.inclusion_tag("privacy/person_panel.html", takes_context=True)
def privacy_panel(context: template.Context, person: Any) -> dict[str, Any]:
    """On a person's page: the suspension banner and, for the coordination section, the link to the requests."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"person": person, "may_handle": user is not None and access.is_coordination(user)}
