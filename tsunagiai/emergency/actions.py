"""Starting an emergency access: checked, recorded, announced, audited."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_audit_event
from tsunagiai.audit.models import Basis
from tsunagiai.core import eras
from tsunagiai.emergency import inbox_kinds
from tsunagiai.emergency.models import REASON_MAX_LENGTH, REASON_MIN_LENGTH, EmergencyAccess
from tsunagiai.emergency.selectors import emergency_hours, record_url
from tsunagiai.inbox.actions import do_post_inbox_item
from tsunagiai.reference.models import Organisation

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User


def _open_cases_of(target: models.Model) -> Any:
    from tsunagiai.cases.models import Case

    label = target._meta.label_lower
    cases = Case.objects.exclude(status=Case.Status.CLOSED)
    if label == "people.person":
        return cases.filter(household__memberships__person_id=target.pk, household__memberships__ended_on=None)
    if label == "people.household":
        return cases.filter(household_id=target.pk)
    return cases.filter(pk=target.pk)


def _told_organisations(target: models.Model) -> list[Organisation]:
    """The coordination section and the lead organisations of the open cases concerned."""
    lead_ids = _open_cases_of(target).values("lead_organisation_id")
    return list(
        Organisation.objects.filter(active=True)
        .filter(models.Q(agency_type_id=access.COORDINATION_AGENCY_TYPE) | models.Q(pk__in=lead_ids))
        .order_by("pk")
    )


@transaction.atomic
def do_start_emergency_access(target: models.Model, *, reason: str, acting_user: User) -> EmergencyAccess:
    """Open ``target`` (a person, household or case) to ``acting_user`` for a few hours, for the reason given."""
    if not access.may_break_the_glass(acting_user):
        raise PermissionDenied
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise ValidationError({"reason": _("Reason: enter at least %(min)s characters.") % {"min": REASON_MIN_LENGTH}})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": _("Reason: enter at most %(max)s characters.") % {"max": REASON_MAX_LENGTH}})
    label = target._meta.label_lower
    kind = {"people.person": "person", "people.household": "household", "cases.case": "case"}[label]
    now = timezone.now()
    grant = EmergencyAccess.objects.create(
        user=acting_user,
        reason=reason,
        started_at=now,
        expires_at=now + dt.timedelta(hours=emergency_hours()),
        **{kind: target},
    )
    url = record_url(target)
    title = _("Emergency access by %(user)s to %(record)s until %(until)s") % {
        "user": acting_user.get_full_name() or acting_user.get_username(),
        "record": str(target),
        "until": eras.format_datetime(grant.expires_at),
    }
    for organisation in _told_organisations(target):
        do_post_inbox_item(organisation=organisation, kind=inbox_kinds.EMERGENCY_ACCESS, title=title, url=url)
    record_audit_event(
        "emergency.access_started",
        acting_user=acting_user,
        obj=target,
        basis=Basis.BREAK_THE_GLASS,
        note=reason,
        changes={"expires_at": grant.expires_at},
    )
    return grant
