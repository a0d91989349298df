"""The inbox kinds the referrals app posts (imported from ReferralsConfig.ready(); see tsunagiai.inbox.kinds)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tsunagiai.inbox.kinds import SubjectSummary, register_kind, register_subject

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

REFERRAL_RECEIVED = register_kind("referral_received", _("referral received"))
REFERRAL_UPDATED = register_kind("referral_updated", _("referral updated"))
REFERRAL_OVERDUE = register_kind("referral_overdue", _("referral overdue"))
REFERRAL_ESCALATED = register_kind(
    "referral_escalated", _("referral nobody accepted (gap case)"), urgent_by_default=True
)


def _summarise(user: User, ids: Sequence[int]) -> dict[int, SubjectSummary]:
    """The page's referrals the user may see (one query): the person, and the receiving side's next deadline."""
    from tsunagiai.accounts import access
    from tsunagiai.referrals.models import Status

    rows = (
        access.visible_referrals(user)
        .filter(pk__in=ids)
        .values_list("pk", "person_id", "intake__person_id", "status", "accept_due_at", "first_contact_due_at")
    )
    summaries: dict[int, SubjectSummary] = {}
    for pk, person_id, intake_person_id, status, accept_due_at, first_contact_due_at in rows:
        due_at: dt.datetime | None = None
        due_label: str | Promise = ""
        if status in (Status.SENT, Status.SEEN):
            due_at, due_label = accept_due_at, _("response due")
        elif status == Status.ACCEPTED:
            due_at, due_label = first_contact_due_at, _("first contact due")
        summaries[pk] = SubjectSummary(
            person_id=person_id or intake_person_id, due_at=due_at, due_label=due_label if due_at else ""
        )
    return summaries


register_subject("referrals.referral", _summarise)
