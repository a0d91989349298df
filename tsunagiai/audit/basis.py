"""On what basis a user was allowed at a record: asked of the access policy, for the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from tsunagiai.accounts import access
from tsunagiai.audit.models import Basis

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User


def _own_organisation_ids(obj: models.Model) -> set[int]:
    """The organisations that hold the record as their own (registered, received, lead, sent, convened, asked)."""
    names = (
        "registered_by_organisation_id",
        "receiving_organisation_id",
        "lead_organisation_id",
        "from_organisation_id",
        "convened_by_id",
        "requested_by_organisation_id",
    )
    return {value for name in names if isinstance(value := getattr(obj, name, None), int)}


def access_basis(user: User, obj: models.Model) -> str:
    """Why ``user`` may see ``obj``: coordination section, own organisation, case team, referral recipient, other."""
    if access.is_coordination(user):
        return Basis.COORDINATION
    org_ids = access.organisation_ids(user)
    if obj._meta.label_lower == "support.supportrecord":
        # Written by one of the user's organisations; else seen on the grounds its household is.
        if getattr(obj, "organisation_id", None) in org_ids:
            return Basis.OWN_ORGANISATION
        return access_basis(user, obj.household)  # type: ignore[attr-defined]
    if _own_organisation_ids(obj) & org_ids:
        return Basis.OWN_ORGANISATION
    if getattr(obj, "to_organisation_id", None) in org_ids:
        return Basis.REFERRAL_RECIPIENT
    if access.sees_only_in_emergency(user, obj):
        return Basis.BREAK_THE_GLASS
    if obj._meta.label_lower == "support.conference" and _takes_part(obj, org_ids):
        return Basis.CASE_TEAM
    # Outside the coordination section a case is visible only to its team.
    if obj._meta.label_lower == "cases.case" or _on_team_of(user, obj):
        return Basis.CASE_TEAM
    if access.has_role(user, "auditor"):
        return Basis.AUDITOR
    return Basis.OTHER


def scope_basis(user: User) -> str:
    """The basis of a list or search: the scope the access policy gives the user as a whole."""
    if access.is_coordination(user):
        return Basis.COORDINATION
    if access.organisation_ids(user):
        return Basis.OWN_ORGANISATION
    if access.has_role(user, "auditor"):
        return Basis.AUDITOR
    return Basis.OTHER


def _takes_part(conference: Any, org_ids: set[int]) -> bool:
    """Whether one of the user's organisations takes part in the conference (that is how they see it)."""
    return bool(org_ids) and conference.participating_organisations.filter(pk__in=org_ids).exists()


def _on_team_of(user: User, obj: models.Model) -> bool:
    """Whether a case the user's organisation is on the team of concerns the record's household or intake."""
    cases = access.visible_cases(user)
    label = obj._meta.label_lower
    if label == "people.household":
        return cases.filter(household_id=obj.pk).exists()
    if label == "intake.intake":
        return cases.filter(intakes=obj.pk).exists()
    if label == "people.person":
        return cases.filter(household__memberships__person_id=obj.pk, household__memberships__ended_on=None).exists()
    return False


def acting_organisation_id(user: User, obj: models.Model | None = None) -> int | None:
    """The organisation the user acts for: the one that holds the record if they belong to it, else their first."""
    members = access.memberships(user)
    if not members:
        return None
    if obj is not None:
        mine = {m.organisation_id for m in members}
        held = _own_organisation_ids(obj)
        if isinstance(recipient := getattr(obj, "to_organisation_id", None), int):
            held.add(recipient)
        if shared := mine & held:
            return min(shared)
    staff = [m for m in members if m.role in access.STAFF_ROLES] or members
    return min(m.organisation_id for m in staff)
