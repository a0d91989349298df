"""Community resources (C8/C9): the city's resource guide, and who keeps it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404

from tsunagiai.accounts.access.roles import (
    COORDINATION_AGENCY_TYPE,
    EDIT_ROLES,
    Visitor,
    _get_or_404,
    is_coordination,
    is_staff_member,
    member_of_agency_types,
)

if TYPE_CHECKING:
    from tsunagiai.resources.models import Service

#
# The directory of community resources is a city's resource guide: every
# signed-in user (staff, volunteers, analysts, ...) reads the public part, and
# the HSDS API publishes it without login. A service marked staff-only
# (``is_internal``) is visible to staff roles only. The directory is kept by
# the social welfare council (``csw`` and ``volunteer_center`` organisations),
# the branch offices and the coordination section, with a role that edits records.

RESOURCE_EDITOR_AGENCY_TYPES = frozenset({COORDINATION_AGENCY_TYPE, "branch_office", "csw", "volunteer_center"})


def may_see_internal_resources(user: Visitor) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and is_staff_member(user)


def may_edit_resources(user: Visitor) -> bool:
    """Keep the directory: the council, the branch offices and coordination, with a role that edits records."""
    return is_coordination(user) or member_of_agency_types(user, EDIT_ROLES, RESOURCE_EDITOR_AGENCY_TYPES)


def visible_services(user: Visitor) -> QuerySet[Service]:
    """Services the user may see: all for staff, the public (not staff-only) ones for everyone else."""
    from tsunagiai.resources.models import Service

    services = Service.objects.all()
    return services if may_see_internal_resources(user) else services.filter(is_internal=False)


def access_service(user: Visitor, service_id: Any, *, for_edit: bool = False) -> Service:
    if for_edit and not may_edit_resources(user):
        raise Http404
    return _get_or_404(visible_services(user), service_id)
