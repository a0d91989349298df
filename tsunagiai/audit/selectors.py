"""Reading the audit log: only for the auditor role."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tsunagiai.accounts import access
from tsunagiai.accounts.models import Role, User
from tsunagiai.audit.models import AuditEvent


def may_read_audit_log(user: User) -> bool:
    return access.has_role(user, Role.AUDITOR)


def require_auditor(user: User) -> None:
    """Not an auditor: the log does not exist (404)."""
    if not may_read_audit_log(user):
        raise Http404


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _about_person(person_id: int) -> Q:
    """Events about the person, and about the households they belong (or belonged) to and those
    households' cases: a household or case entry names no single person, but it is about each member."""
    from tsunagiai.cases.models import Case
    from tsunagiai.people.models import HouseholdMembership

    household_ids = [
        str(pk) for pk in HouseholdMembership.objects.filter(person_id=person_id).values_list("household_id", flat=True)
    ]
    case_ids = [str(pk) for pk in Case.objects.filter(household_id__in=household_ids).values_list("pk", flat=True)]
    return (
        Q(person_id=person_id)
        | Q(object_type="people.household", object_id__in=household_ids)
        | Q(object_type="cases.case", object_id__in=case_ids)
    )


def audit_events(
    user: User,
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
        events = events.filter(_about_person(person_id))
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
