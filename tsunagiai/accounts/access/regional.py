"""Regional work (C8/C9): issues, meetings, the network and the maps — counts and organisations, never a person."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404

from tsunagiai.accounts.access.cases import on_case_team, visible_cases
from tsunagiai.accounts.access.roles import (
    COORDINATION_AGENCY_TYPE,
    EDIT_ROLES,
    STAFF_ROLES,
    Visitor,
    _get_or_404,
    has_role,
    is_coordination,
    member_of_agency_types,
)
from tsunagiai.accounts.models import Role, User

if TYPE_CHECKING:
    from tsunagiai.cases.models import Case
    from tsunagiai.regional.models import RegionalIssue, UnmetNeed

#
# Regional issues, community meetings, network events and the maps hold counts
# and organisations only, never a person: they are for the coordination
# section, the branch offices and the CSWs (staff roles; changes by the roles
# that edit records) and, read-only, for analysts. Unmet needs are recorded
# in a case by those who may edit it, and read with the case.

REGIONAL_AGENCY_TYPES = frozenset({COORDINATION_AGENCY_TYPE, "branch_office", "csw"})


def may_view_regional(user: Visitor) -> bool:
    """Regional issues, meetings, the network and the maps (counts only): regional staff and analysts."""
    return (
        is_coordination(user)
        or member_of_agency_types(user, STAFF_ROLES, REGIONAL_AGENCY_TYPES)
        or has_role(user, Role.ANALYST)
    )


def may_edit_regional(user: Visitor) -> bool:
    """Change regional issues, record meetings and events: regional staff with a role that edits records."""
    return is_coordination(user) or member_of_agency_types(user, EDIT_ROLES, REGIONAL_AGENCY_TYPES)


def visible_regional_issues(user: User) -> QuerySet[RegionalIssue]:
    from tsunagiai.regional.models import RegionalIssue

    return RegionalIssue.objects.all() if may_view_regional(user) else RegionalIssue.objects.none()


def access_regional_issue(user: User, issue_id: Any, *, for_edit: bool = False) -> RegionalIssue:
    """One regional issue, or 404 (also for an edit by someone who may only read)."""
    if for_edit and not may_edit_regional(user):
        raise Http404
    return _get_or_404(visible_regional_issues(user), issue_id)


def visible_unmet_needs(user: User) -> QuerySet[UnmetNeed]:
    """Unmet needs of the cases the user sees (they name a case: a person's record)."""
    from tsunagiai.regional.models import UnmetNeed

    if is_coordination(user):
        return UnmetNeed.objects.all()
    return UnmetNeed.objects.filter(case_id__in=visible_cases(user).values("pk"))


def visible_unmet_needs_of_case(user: User, case: Case) -> QuerySet[UnmetNeed]:
    """The case's unmet needs the user may see (``visible_unmet_needs``); no access-policy subquery when the
    user's organisation is on the case's team (``on_case_team``): the case is then visible."""
    from tsunagiai.regional.models import UnmetNeed

    if is_coordination(user) or on_case_team(user, case):
        return UnmetNeed.objects.filter(case_id=case.pk)
    return visible_unmet_needs(user).filter(case_id=case.pk)
