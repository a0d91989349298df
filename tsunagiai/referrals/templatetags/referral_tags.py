"""``{% case_referrals case user %}``: the case's referrals the user may see, for the case page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template

from tsunagiai.accounts import access
from tsunagiai.referrals.selectors import case_referrals as select_case_referrals

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

register = template.Library()


@register.inclusion_tag("referrals/_case_referrals.html")
def case_referrals(case: Any, user: User) -> dict[str, Any]:
    referrals = list(select_case_referrals(case, user))
    return {
        "case": case,
        "referrals": referrals,
        # the reason only where the user may still read what was shared
        "shown": access.referrals_showing_shared_sections(user, referrals),
        # not from a case open to the user only through an emergency access (read-only); a user whose
        # organisation is on the team (known to the case page) does not see it only through one
        "may_send": access.may_send_referral(user)
        and (access.on_case_team(user, case) or not access.emergency_only(user, case)),
    }


@register.inclusion_tag("referrals/_intake_referrals.html")
def intake_referrals(intake: Any, user: User) -> dict[str, Any]:
    """The intake's referrals the user may see, and the link to refer (つなぐ) from it."""
    from tsunagiai.referrals.selectors import intake_referrals as select_intake_referrals

    return {
        "intake": intake,
        "referrals": list(select_intake_referrals(intake, user)),
        "may_send": access.may_send_referral(user),
    }
