"""Who the user is: their active memberships, roles and organisations (one query per request).

The lowest layer of the access policy: every other module of the package
asks these questions; this one asks no other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404

from tsunagiai.accounts.models import Membership, Role, User

if TYPE_CHECKING:
    from tsunagiai.reference.models import Organisation

# Anyone a request may carry: a signed-in user or an anonymous visitor (the first gate, the
# public pages and the HSDS API, the role questions they ask). Everything past the gate takes a ``User``.
type Visitor = User | AnonymousUser
# A subquery of ids (``.values("<field>")``, possibly a UNION of several models' values) for ``pk__in``.
type Ids = QuerySet[Any, Any]

# Roles that work with people's records.
STAFF_ROLES = frozenset({Role.INTAKE, Role.CASEWORKER, Role.COORDINATOR, Role.SUPERVISOR})
# Staff roles that may change existing people, households and intakes
# (``intake`` is reception only: it records, it does not edit).
EDIT_ROLES = frozenset({Role.CASEWORKER, Role.COORDINATOR, Role.SUPERVISOR})
COORDINATION_AGENCY_TYPE = "coordination_section"

_CACHE_ATTR = "_tsunagiai_memberships"


def _memberships(user: Visitor) -> list[Membership]:
    """The user's active memberships, loaded once per user object (i.e. per request)."""
    if not isinstance(user, User) or not user.is_active:  # anonymous (or no user at all): no membership
        return []
    cached: list[Membership] | None = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, active=True, organisation__active=True).select_related("organisation")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def memberships(user: Visitor) -> list[Membership]:
    """The user's active memberships (with their organisations); none for an anonymous visitor."""
    return _memberships(user)


def forget_memberships(user: Visitor) -> None:
    """Drop the per-object cache after memberships change (tests, admin actions)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def roles(user: User) -> set[str]:
    return {m.role for m in _memberships(user)}


def has_role(user: Visitor, *wanted: str) -> bool:
    return any(m.role in wanted for m in _memberships(user))


def organisation_ids(user: Visitor, allowed_roles: frozenset[str] = STAFF_ROLES) -> set[int]:
    return {m.organisation_id for m in _memberships(user) if m.role in allowed_roles}


def staff_organisations(user: User) -> list[Organisation]:
    """Organisations in which the user works with people's records, for choosing the receiving window."""
    seen: dict[int, Organisation] = {}
    for m in _memberships(user):
        if m.role in STAFF_ROLES:
            seen.setdefault(m.organisation_id, m.organisation)
    return sorted(seen.values(), key=lambda o: o.name)


def is_coordination(user: Visitor) -> bool:
    """Whether the user acts for the coordination section, which sees every record."""
    return any(
        m.role == Role.COORDINATOR
        or (m.role in STAFF_ROLES and m.organisation.agency_type_id == COORDINATION_AGENCY_TYPE)
        for m in _memberships(user)
    )


def is_staff_member(user: Visitor) -> bool:
    return bool(organisation_ids(user))


def may_edit_records(user: Visitor) -> bool:
    """Staff roles that change existing records (not reception-only ``intake``), and the coordination section."""
    return is_coordination(user) or bool(organisation_ids(user, EDIT_ROLES))


def is_volunteer(user: Visitor) -> bool:
    return has_role(user, Role.VOLUNTEER)


def member_of_agency_types(user: Visitor, allowed_roles: frozenset[str], agency_types: frozenset[str]) -> bool:
    """Whether the user holds one of ``allowed_roles`` in an organisation of one of ``agency_types``."""
    return any(m.role in allowed_roles and m.organisation.agency_type_id in agency_types for m in _memberships(user))


def may_view_aggregates(user: Visitor) -> bool:
    return has_role(user, Role.ANALYST, Role.SUPERVISOR, Role.COORDINATOR, Role.ADMIN)


def may_manage_reference(user: Visitor) -> bool:
    return has_role(user, Role.ADMIN)


def may_record_intake(user: Visitor) -> bool:
    return is_staff_member(user)


def may_report_concern(user: Visitor) -> bool:
    """Community volunteers report concerns through their own short form."""
    return is_volunteer(user)


MAX_PK = 2**63 - 1  # the largest key either database stores; a larger number is no record, not an overflow


def _pk_or_404(pk: Any) -> int:
    """A primary key from the outside world as an int, or 404 (malformed, negative or too large)."""
    try:
        value = int(pk)
    except (ValueError, TypeError, OverflowError):
        raise Http404 from None
    if not 0 < value <= MAX_PK:
        raise Http404
    return value


def _get_or_404[M: Model](queryset: QuerySet[M], pk: Any) -> M:
    """One object of ``queryset`` by a primary key from the outside world, or 404 (also for a malformed key)."""
    try:
        return queryset.get(pk=_pk_or_404(pk))
    except ObjectDoesNotExist:
        raise Http404 from None
