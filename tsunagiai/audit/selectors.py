"""Reading the audit log: only for the auditor role."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from tsunagiai.accounts import access
from tsunagiai.accounts.models import Role
from tsunagiai.audit.models import AuditEvent


def may_read_audit_log(user: Any) -> bool:
    return access.has_role(user, Role.AUDITOR)


def require_auditor(user: Any) -> None:
    """Not an auditor: the log does not exist (404)."""
    if not may_read_audit_log(user):
        raise Http404


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_events(
    user: Any,
    *,
    person_id: int | None = None,
    actor_id: int | None = None,
    organisation_id: int | None = None,
    action: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """The filtered log, newest first, with the actor and organisation joined (constant queries per page)."""
    require_auditor(user)
    events = AuditEvent.objects.select_related("actor", "organisation").order_by("-sequence")
    if person_id is not None:
        events = events.filter(person_id=person_id)
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if organisation_id is not None:
        events = events.filter(organisation_id=organisation_id)
    if action:
        events = events.filter(action__startswith=action)
    if date_from is not None:
        events = events.filter(occurred_at__gte=_start_of(date_from))
    if date_to is not None:
        events = events.filter(occurred_at__lt=_start_of(date_to + dt.timedelta(days=1)))
    return events
