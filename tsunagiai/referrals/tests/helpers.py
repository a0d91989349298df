"""Builders for referral tests."""

from __future__ import annotations

from typing import Any

from tsunagiai.intake.models import Intake
from tsunagiai.intake.tests.helpers import make_intake
from tsunagiai.referrals.actions import do_send_referral, do_transition_referral
from tsunagiai.referrals.models import Referral, Status
from tsunagiai.testing import Town

# The path from "sent" to each state, and who moves it (recipient unless said).
PATH_TO: dict[str, list[str]] = {
    Status.SENT: [],
    Status.SEEN: [Status.SEEN],
    Status.ACCEPTED: [Status.SEEN, Status.ACCEPTED],
    Status.DECLINED: [Status.SEEN, Status.DECLINED],
    Status.FIRST_CONTACT: [Status.SEEN, Status.ACCEPTED, Status.FIRST_CONTACT],
    Status.IN_PROGRESS: [Status.SEEN, Status.ACCEPTED, Status.FIRST_CONTACT, Status.IN_PROGRESS],
    Status.ON_HOLD: [Status.SEEN, Status.ACCEPTED, Status.FIRST_CONTACT, Status.IN_PROGRESS, Status.ON_HOLD],
    Status.COMPLETED: [Status.SEEN, Status.ACCEPTED, Status.FIRST_CONTACT, Status.IN_PROGRESS, Status.COMPLETED],
    Status.FAILED: [Status.SEEN, Status.ACCEPTED, Status.FAILED],
    Status.CANCELLED: [Status.CANCELLED],
}

SENDER_USER = "caseworker_north"
RECIPIENT_USER = "csw_worker"


def transition_arguments(to: str) -> dict[str, Any]:
    """Valid extra input for a move to ``to``."""
    if to in (Status.DECLINED, Status.FAILED, Status.CANCELLED):
        return {"reason_code": "no_capacity", "note": "理由の説明"}
    if to == Status.COMPLETED:
        return {"outcome_code": "resolved", "outcome_text": "家計相談につながり、滞納は解消した。"}
    return {}


def actor_for(to: str) -> str:
    return SENDER_USER if to == Status.CANCELLED else RECIPIENT_USER


def send(town: Town, *, intake: Intake | None = None, to: str = "csw", **extra: Any) -> Referral:
    intake = intake or make_intake(town)
    values: dict[str, Any] = {
        "acting_user": town.users[SENDER_USER],
        "from_organisation": town.orgs["branch_north"],
        "to_organisation": town.orgs[to],
        "reason": "家賃の滞納が続き、生活の立て直しが必要。",
        "request": "家計相談と継続的な伴走をお願いします。",
        "shared_sections": ["concern", "categories"],
        "sharing_basis": "consent",
        "intake": intake,
        "person": intake.person,
        "household": intake.household,
    }
    values.update(extra)
    return do_send_referral(**values)


def move_to(town: Town, referral: Referral, state: str, *, recipient: str = RECIPIENT_USER) -> Referral:
    for step in PATH_TO[state]:
        user = SENDER_USER if step == Status.CANCELLED else recipient
        referral = do_transition_referral(referral, step, acting_user=town.users[user], **transition_arguments(step))
    return referral
