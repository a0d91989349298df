"""Intakes: what the receiving organisation, the case team and the reporting volunteer see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from tsunagiai.accounts.access.cases import _team_case_ids
from tsunagiai.accounts.access.roles import (
    EDIT_ROLES,
    Visitor,
    _get_or_404,
    is_coordination,
    is_volunteer,
    may_record_intake,
    may_report_concern,
    organisation_ids,
)
from tsunagiai.accounts.models import User

if TYPE_CHECKING:
    from tsunagiai.intake.models import Intake


def visible_intakes(user: User) -> QuerySet[Intake]:
    from tsunagiai.intake.models import Intake

    if is_coordination(user):
        return Intake.objects.all()
    org_ids = organisation_ids(user)
    if not org_ids:
        return Intake.objects.none()
    # A case team reads the intakes its case was opened from.
    from tsunagiai.cases.models import Case

    of_team_cases = Case.intakes.through.objects.filter(case_id__in=_team_case_ids(org_ids)).values("intake_id")
    return Intake.objects.filter(Q(receiving_organisation_id__in=org_ids) | Q(pk__in=of_team_cases))


def editable_intakes(user: User) -> QuerySet[Intake]:
    if is_coordination(user):
        return visible_intakes(user)
    from tsunagiai.intake.models import Intake

    org_ids = organisation_ids(user, EDIT_ROLES)
    staff_ids = organisation_ids(user)
    # An intake-role member may correct what they themselves received.
    return Intake.objects.filter(
        Q(receiving_organisation_id__in=org_ids) | Q(receiving_organisation_id__in=staff_ids, received_by=user)
    )


def access_intake(user: User, intake_id: int, *, for_edit: bool = False) -> Intake:
    queryset = editable_intakes(user) if for_edit else visible_intakes(user)
    return _get_or_404(queryset, intake_id)


def may_use_intake_forms(user: Visitor) -> bool:
    """Staff (who record intakes) and community volunteers (who report concerns) fill in intake forms."""
    return may_record_intake(user) or may_report_concern(user)


def reported_intakes(user: User) -> QuerySet[Intake]:
    """What a community volunteer reported: for its status only, never the record."""
    from tsunagiai.intake.models import Intake

    if not is_volunteer(user):
        return Intake.objects.none()
    return Intake.objects.filter(reported_by=user).only(
        "id", "kind", "received_at", "status", "first_response", "subject_description", "receiving_organisation_id"
    )
