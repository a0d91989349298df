"""Reading the sign-in records for the security page: failed logins (django-axes) and lockouts.

Who may read them: auditors (they review) and administrators (they also
unlock). Both see the full record — the user name as typed and the address —
which the general application log masks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils import timezone

from tsunagiai.accounts import access
from tsunagiai.accounts.models import LoginLockout, Role, User


def may_view_sign_in_records(user: User) -> bool:
    return access.has_role(user, Role.AUDITOR, Role.ADMIN)


def may_unlock_logins(user: User) -> bool:
    return access.has_role(user, Role.ADMIN)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _filter(queryset: QuerySet[Any], time_field: str, filters: dict[str, Any]) -> QuerySet[Any]:
    if filters.get("username"):
        queryset = queryset.filter(username__icontains=filters["username"])
    if filters.get("address"):
        queryset = queryset.filter(ip_address=filters["address"])
    if filters.get("date_from"):
        queryset = queryset.filter(**{f"{time_field}__gte": _day_start(filters["date_from"])})
    if filters.get("date_to"):
        queryset = queryset.filter(**{f"{time_field}__lt": _day_start(filters["date_to"] + dt.timedelta(days=1))})
    return queryset


def failed_logins(filters: dict[str, Any]) -> QuerySet[AccessFailureLog]:
    """Every failed login (and every attempt during a lockout), newest first."""
    queryset = _filter(AccessFailureLog.objects.all(), "attempt_time", filters)
    if filters.get("locked_out_only"):
        queryset = queryset.filter(locked_out=True)
    return queryset.order_by("-attempt_time", "-pk")


def lockouts(filters: dict[str, Any]) -> QuerySet[LoginLockout]:
    return _filter(LoginLockout.objects.select_related("unlocked_by"), "locked_at", filters).order_by(
        "-locked_at", "-pk"
    )


def locked_clients() -> set[tuple[str, str | None]]:
    """The (user name, address) pairs django-axes refuses right now, in one query."""
    threshold = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=threshold)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )
    return {(row["username"], row["ip_address"]) for row in rows}
