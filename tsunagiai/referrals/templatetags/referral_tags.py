"""``{% case_referrals case user %}``: the case's referrals the user may see, for the case page."""

from __future__ import annotations

from typing import Any

from django import template

from tsunagiai.accounts import access
from tsunagiai.referrals.selectors import case_referrals as select_case_referrals

register = template.Library()


@register.inclusion_tag("referrals/_case_referrals.html")
def case_referrals(case: Any, user: Any) -> dict[str, Any]:
    return {
        "case": case,
        "referrals": list(select_case_referrals(case, user)),
        "may_send": access.may_send_referral(user),
    }
