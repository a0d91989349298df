"""The emergency accesses (break-the-glass) in force: the ids they open, for the visibility querysets.

The lower half of ``emergency``: ``people`` and ``cases`` add these ids to what
a user sees, and ``emergency`` asks which records are seen through them alone.
"""

from __future__ import annotations

from django.utils import timezone

from tsunagiai.accounts.access.roles import Ids, Visitor


def _emergency_grants(user: Visitor, field: str) -> Ids:
    """``field`` (``person_id``, ``household_id``, ``case_id``) of the user's grants in force now."""
    from tsunagiai.emergency.models import EmergencyAccess

    now = timezone.now()
    grants: Ids = EmergencyAccess.objects.filter(
        user_id=getattr(user, "pk", None) or 0,
        ended_at__isnull=True,
        started_at__lte=now,
        expires_at__gt=now,
        **{f"{field}__isnull": False},
    ).values(field)
    return grants


def _emergency_household_ids(user: Visitor) -> Ids:
    from tsunagiai.cases.models import Case

    of_cases = Case.objects.filter(pk__in=_emergency_grants(user, "case_id")).values("household_id")
    return _emergency_grants(user, "household_id").union(of_cases)


def _emergency_person_ids(user: Visitor) -> Ids:
    from tsunagiai.people.models import HouseholdMembership

    members = HouseholdMembership.objects.filter(
        ended_on__isnull=True, household_id__in=_emergency_household_ids(user)
    ).values("person_id")
    return _emergency_grants(user, "person_id").union(members)


def _holds_emergency_access(user: Visitor) -> bool:
    from tsunagiai.emergency.models import EmergencyAccess

    now = timezone.now()
    return EmergencyAccess.objects.filter(
        user_id=getattr(user, "pk", None) or 0, ended_at__isnull=True, started_at__lte=now, expires_at__gt=now
    ).exists()
