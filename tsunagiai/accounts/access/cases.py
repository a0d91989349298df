"""Cases (C4): the team and the coordination section."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from tsunagiai.accounts.access.grants import _emergency_grants
from tsunagiai.accounts.access.roles import EDIT_ROLES, Ids, _get_or_404, is_coordination, organisation_ids
from tsunagiai.accounts.models import User

if TYPE_CHECKING:
    from tsunagiai.cases.models import Case, TeamMember


def _team_case_ids(org_ids: set[int]) -> Ids:
    """Ids of the cases whose team the organisations are on now."""
    from tsunagiai.cases.models import TeamMember

    return TeamMember.objects.filter(organisation_id__in=org_ids, left_at__isnull=True).values("case_id")


def visible_cases(user: User, *, include_emergency: bool = True) -> QuerySet[Case]:
    """Cases whose team the user's organisation is on now; the coordination section sees all.

    ``include_emergency=False`` leaves out the cases opened by an emergency access.
    """
    from tsunagiai.cases.models import Case

    if is_coordination(user):
        return Case.objects.all()
    org_ids = organisation_ids(user)
    if not org_ids:
        return Case.objects.none()
    ids = _team_case_ids(org_ids)
    return Case.objects.filter(pk__in=ids.union(_emergency_grants(user, "case_id")) if include_emergency else ids)


def editable_cases(user: User) -> QuerySet[Case]:
    from tsunagiai.cases.models import Case

    if is_coordination(user):
        return Case.objects.all()
    org_ids = organisation_ids(user, EDIT_ROLES)
    if not org_ids:
        return Case.objects.none()
    return Case.objects.filter(pk__in=_team_case_ids(org_ids))


_MAY_EDIT_ATTR = "_tsunagiai_may_edit"


def may_edit_case(user: User, case: Case, *, team: Iterable[TeamMember] | None = None) -> bool:
    """Whether ``user`` may change ``case`` (``editable_cases``), asked once per loaded case object.

    The case page, its team panel and the community and regional panels all ask; the answer is kept on the
    case object the request loaded (one query, or none when the caller passes the case's ``team`` as loaded).
    """
    memo: dict[int, bool] = case.__dict__.setdefault(_MAY_EDIT_ATTR, {})
    if user.pk not in memo:
        if is_coordination(user):
            memo[user.pk] = True
        elif team is not None:
            editing = organisation_ids(user, EDIT_ROLES)
            memo[user.pk] = any(m.left_at is None and m.organisation_id in editing for m in team)
        else:
            memo[user.pk] = editable_cases(user).filter(pk=case.pk).exists()
    return memo[user.pk]


_TEAM_ATTR = "_tsunagiai_team_organisation_ids"


def remember_team(case: Case, team: Iterable[TeamMember]) -> None:
    """Keep on the case object the organisations on its team now, from the team rows the request loaded.

    The case page loads its team once; ``on_case_team`` then answers its panels without asking again.
    """
    case.__dict__[_TEAM_ATTR] = frozenset(m.organisation_id for m in team if m.left_at is None)


def on_case_team(user: User, case: Case) -> bool:
    """Whether one of the user's organisations is on the case's team now (``_team_case_ids``).

    Asked once per loaded case object (one query, or none after ``remember_team``).
    """
    from tsunagiai.cases.models import TeamMember

    team: frozenset[int] | None = case.__dict__.get(_TEAM_ATTR)
    if team is None:
        team = frozenset(
            TeamMember.objects.filter(case_id=case.pk, left_at__isnull=True).values_list("organisation_id", flat=True)
        )
        case.__dict__[_TEAM_ATTR] = team
    return not team.isdisjoint(organisation_ids(user))


def access_case(user: User, case_id: Any, *, for_edit: bool = False) -> Case:
    queryset = editable_cases(user) if for_edit else visible_cases(user)
    return _get_or_404(queryset, case_id)


def may_decide_lead_requests(user: User, case: Case) -> bool:
    """The current lead organisation (members who may edit) and the coordination section decide lead requests."""
    return is_coordination(user) or case.lead_organisation_id in organisation_ids(user, EDIT_ROLES)
