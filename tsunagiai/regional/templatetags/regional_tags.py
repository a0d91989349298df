"""``{% regional_case_panel case user %}``: the case's unmet needs and the form to record one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template

from tsunagiai.accounts import access
from tsunagiai.cases.models import Case
from tsunagiai.regional import selectors

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

register = template.Library()


@register.inclusion_tag("regional/_case_panel.html")
def regional_case_panel(case: Case, user: User) -> dict[str, Any]:
    """Unmet needs recorded in the case (2 queries) and, for those who may edit it, the form."""
    may_record = access.may_edit_case(user, case)
    return {
        "case": case,
        "needs": list(selectors.case_unmet_needs(user, case)),
        "may_record": may_record,
        "form": None,  # on demand: regional:unmet_need_create answers GET with the form
    }
