"""Small builders for intake tests."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from tsunagiai.intake.actions import do_record_intake
from tsunagiai.intake.models import Intake
from tsunagiai.people.actions import do_create_person
from tsunagiai.people.models import Person
from tsunagiai.reference.models import ConsulterType, IntakeChannel, IssueCategory, UrgencyLevel
from tsunagiai.testing import Town


def make_person(town: Town, org: str = "branch_north", family_name: str = "山田", **fields: Any) -> Person:
    user = {"branch_north": "caseworker_north", "branch_south": "caseworker_south"}.get(org, "coordinator")
    return do_create_person(
        acting_user=town.users[user], organisation=town.orgs[org], family_name=family_name, **fields
    )


def make_intake(town: Town, org: str = "branch_north", user: str = "caseworker_north", **fields: Any) -> Intake:
    values: dict[str, Any] = {
        "receiving_organisation": town.orgs[org],
        "received_at": timezone.now(),
        "channel": IntakeChannel.objects.get(pk="phone"),
        "consulter_type": ConsulterType.objects.get(pk="self"),
        "concern": "家賃を滞納していて不安です。",
        "urgency": UrgencyLevel.objects.get(pk="normal"),
        "consent_status": Intake.ConsentStatus.ORAL,
        "categories": [IssueCategory.objects.order_by("sort_order").first()],
        "is_anonymous": True,
        "subject_description": "70代男性",
    }
    values.update(fields)
    return do_record_intake(acting_user=town.users[user], **values)


def form_data(town: Town, **overrides: Any) -> dict[str, Any]:
    """A valid standard intake form post (anonymous), as the browser sends it."""
    data: dict[str, Any] = {
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "receiving_organisation": town.orgs["branch_north"].pk,
        "channel": "phone",
        "consulter_type": "family",
        "consulter_name": "長女",
        "person_mode": "anonymous",
        "subject_description": "80代女性・一人暮らし",
        "concern": "母の物忘れがひどく、火の始末が心配です。",
        "categories": [],
        "urgency": "normal",
        "consent_status": "oral",
        "first_response": "undecided",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
