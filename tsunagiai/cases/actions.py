"""Writes to cases. Every function is one transaction with its audit event."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from tsunagiai.audit.actions import record_audit_event
from tsunagiai.cases.models import Case, TeamMember
from tsunagiai.reference.models import Organisation


@transaction.atomic
def do_add_team_member(
    case: Case, organisation: Organisation, *, acting_user: Any, user: Any = None, role: str = ""
) -> TeamMember:
    """Put ``organisation`` (and ``user``) on the case's team; a current member is not added twice."""
    existing = TeamMember.objects.filter(case=case, organisation=organisation, user=user, left_at__isnull=True).first()
    if existing is not None:
        return existing
    member = TeamMember.objects.create(
        case=case, organisation=organisation, user=user, role=role, joined_at=timezone.now(), added_by=acting_user
    )
    record_audit_event(
        "cases.team_member_added",
        acting_user=acting_user,
        obj=case,
        changes={"organisation": organisation.pk, "user": getattr(user, "pk", None), "role": role},
    )
    return member
