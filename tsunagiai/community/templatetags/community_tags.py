"""``{% community_case_panel case user %}`` (the case page) and
``{% household_participations household user %}`` (the household timeline)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template

from tsunagiai.accounts import access
from tsunagiai.cases.models import Case
from tsunagiai.community import selectors
from tsunagiai.community.models import Participation
from tsunagiai.people.models import Household

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

register = template.Library()


@register.inclusion_tag("community/_participations.html")
def community_case_panel(case: Case, user: User, focus_members: list[Any] | None = None) -> dict[str, Any]:
    """The case's participation records, with the next step for those who may edit (3 queries).

    ``focus_members``: the case's focus members in id order, where the page has loaded them (one query less).
    """
    if focus_members is not None:
        focus = focus_members[0] if focus_members else None
    else:
        focus = case.focus_members.order_by("pk").first()
    return {
        "case": case,
        "participations": selectors.participations_of_case(user, case),
        "may_edit": access.may_edit_case(user, case),
        "stop_reasons": Participation.StopReason.choices,
        "focus_person": focus,
    }


@register.inclusion_tag("community/_household_participations.html")
def household_participations(household: Household, user: User) -> dict[str, Any]:
    """The household's participation records on its timeline (1 query)."""
    return {"participations": selectors.participations_of_household(user, household.pk)}
