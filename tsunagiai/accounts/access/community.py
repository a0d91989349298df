"""Community work (C8/C9): participations, help requests (お助け隊), groups and volunteers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from tsunagiai.accounts.access.cases import editable_cases, on_case_team, visible_cases
from tsunagiai.accounts.access.roles import (
    EDIT_ROLES,
    STAFF_ROLES,
    Visitor,
    _get_or_404,
    is_coordination,
    is_staff_member,
    member_of_agency_types,
    organisation_ids,
)
from tsunagiai.accounts.models import User

if TYPE_CHECKING:
    from tsunagiai.cases.models import Case
    from tsunagiai.community.models import HelpRequest, Participation, Volunteer

#
# Participation records belong to a case: whoever sees the case sees them,
# whoever may edit it records them. Help requests (お助け隊) are seen by the
# organisation that sent them, by the social welfare council (volunteer centre
# and CSW) and the coordination section — and by the members of the group they
# were sent to and the volunteers assigned, who see only what the request
# carries (an anonymous description, the town block, and the name and contact
# only when the person's consent covered the group), never a case, a person or
# an intake: those users hold no staff role, so every STAFF route refuses them.

HELP_COORDINATING_AGENCY_TYPES = frozenset({"volunteer_center", "csw"})
_GROUP_CACHE_ATTR = "_tsunagiai_help_groups"
_VOLUNTEER_CACHE_ATTR = "_tsunagiai_registered_volunteer"


def help_group_ids(user: Visitor) -> set[int]:
    """The mutual-help groups (resources.Provider ids) the user is a current member of (one query per request)."""
    if not isinstance(user, User) or not user.is_active:
        return set()
    cached: set[int] | None = getattr(user, _GROUP_CACHE_ATTR, None)
    if cached is None:
        from tsunagiai.community.models import GroupMember

        cached = set(
            GroupMember.objects.filter(user=user, left_on__isnull=True, provider__active=True).values_list(
                "provider_id", flat=True
            )
        )
        setattr(user, _GROUP_CACHE_ATTR, cached)
    return set(cached)


def is_help_group_member(user: Visitor) -> bool:
    return bool(help_group_ids(user))


def is_registered_volunteer(user: Visitor) -> bool:
    """Whether the user is an active volunteer of the volunteer centre (sees the requests assigned to them)."""
    if not isinstance(user, User):
        return False
    cached: bool | None = getattr(user, _VOLUNTEER_CACHE_ATTR, None)
    if cached is None:
        from tsunagiai.community.models import Volunteer

        cached = Volunteer.objects.filter(user=user, active=True).exists()
        setattr(user, _VOLUNTEER_CACHE_ATTR, cached)
    return bool(cached)


def may_see_help_queue(user: Visitor) -> bool:
    """Staff, group members and registered volunteers reach the help-request queue."""
    return is_staff_member(user) or is_help_group_member(user) or is_registered_volunteer(user)


def may_coordinate_help(user: Visitor) -> bool:
    """The volunteer centre and CSW staff (社協) and the coordination section see and steer every help request."""
    return is_coordination(user) or member_of_agency_types(user, STAFF_ROLES, HELP_COORDINATING_AGENCY_TYPES)


def may_manage_volunteers(user: Visitor) -> bool:
    """Register and change volunteers: the volunteer centre and CSW with a role that edits, and coordination."""
    return is_coordination(user) or member_of_agency_types(user, EDIT_ROLES, HELP_COORDINATING_AGENCY_TYPES)


def visible_help_requests(user: User) -> QuerySet[HelpRequest]:
    from tsunagiai.community.models import HelpRequest

    if may_coordinate_help(user):
        return HelpRequest.objects.all()
    condition = Q(pk__in=[])
    org_ids = organisation_ids(user)
    if org_ids:
        condition |= Q(requested_by_organisation_id__in=org_ids)
    groups = help_group_ids(user)
    if groups:
        condition |= Q(group_id__in=groups)
    if user.is_authenticated:
        assigned = HelpRequest.volunteers.through.objects.filter(
            volunteer__user_id=user.pk, volunteer__active=True
        ).values("helprequest_id")
        condition |= Q(pk__in=assigned)
    return HelpRequest.objects.filter(condition)


def access_help_request(user: User, help_request_id: Any) -> HelpRequest:
    return _get_or_404(visible_help_requests(user), help_request_id)


def actionable_help_request(user: User, help_request_id: Any) -> HelpRequest:
    """A help request the user may act on (assign, close): 404 if they do not see it,
    ``PermissionDenied`` (403) if they see it but it is neither their group's nor theirs to steer."""
    help_request = access_help_request(user, help_request_id)
    if not may_act_on_help_request(user, help_request):
        raise PermissionDenied
    return help_request


def sees_help_request_as_staff(user: User, help_request: HelpRequest) -> bool:
    """Whether the user sees the staff side of a request (for whom, the case); otherwise only what was shared."""
    return may_coordinate_help(user) or help_request.requested_by_organisation_id in organisation_ids(user)


def may_act_on_help_request(user: User, help_request: HelpRequest) -> bool:
    """Assign volunteers and close a request: the group's members and the coordinating staff."""
    return may_coordinate_help(user) or help_request.group_id in help_group_ids(user)


def visible_volunteers(user: User) -> QuerySet[Volunteer]:
    from tsunagiai.community.models import Volunteer

    return Volunteer.objects.all() if is_staff_member(user) else Volunteer.objects.none()


def visible_participations(user: User) -> QuerySet[Participation]:
    from tsunagiai.community.models import Participation

    if is_coordination(user):
        return Participation.objects.all()
    return Participation.objects.filter(case_id__in=visible_cases(user).values("pk"))


def visible_participations_of_case(user: User, case: Case) -> QuerySet[Participation]:
    """The case's participations the user may see (``visible_participations``).

    No access-policy subquery when the user's organisation is on the case's team (``on_case_team``): the
    case is then visible, and so are its participations.
    """
    from tsunagiai.community.models import Participation

    if is_coordination(user) or on_case_team(user, case):
        return Participation.objects.filter(case_id=case.pk)
    return visible_participations(user).filter(case_id=case.pk)


def access_participation(user: User, participation_id: Any, *, for_edit: bool = False) -> Participation:
    from tsunagiai.community.models import Participation

    if for_edit:
        queryset = (
            Participation.objects.all()
            if is_coordination(user)
            else Participation.objects.filter(case_id__in=editable_cases(user).values("pk"))
        )
        return _get_or_404(queryset, participation_id)
    return _get_or_404(visible_participations(user), participation_id)
