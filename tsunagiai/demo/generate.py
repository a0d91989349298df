"""Generating the demo dataset: plan everything in memory from a seed, then write it in bulk.

Every random choice comes from ``random.Random`` streams seeded from the seed
number (one stream per concern, so adding a user does not reshuffle every
name), and every query reads in a fixed order: the same seed on the same
reference data gives the same people, households and intakes.

Rows are written with one prepared INSERT per table (``bulk.py``) and one audit event,
``demo.generated``, records the run — not one event per row.

The people, households and intakes are made in ``population``, what followed them in
``casework``; the community resources, regional issues and mutual help in ``resources``,
``regional`` and ``community``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from tsunagiai.audit.actions import record_audit_event
from tsunagiai.cases.models import Case, CaseStatusChange, LeadChange, LeadRequest, TeamMember
from tsunagiai.consent.models import Consent
from tsunagiai.demo.casework import Casework
from tsunagiai.demo.community import generate_community, remove_community_demo
from tsunagiai.demo.population import Generator
from tsunagiai.demo.reference import ReferenceIndex
from tsunagiai.demo.regional import generate_regional
from tsunagiai.demo.resources import generate_resources
from tsunagiai.inbox.models import InboxItem
from tsunagiai.intake.models import Intake
from tsunagiai.people.models import Household, HouseholdMembership, Person, RelatedPerson
from tsunagiai.referrals.models import Referral, ReferralEvent
from tsunagiai.support.models import (
    Assessment,
    Conference,
    ConferenceCase,
    ConferenceDecision,
    PlanAction,
    PlanRevision,
    SupportPlan,
    SupportRecord,
)

DEMO_EVENT = "demo.generated"


@dataclass(frozen=True)
class Scale:
    people: int
    intakes: int


SCALES = {"small": Scale(people=300, intakes=200), "toyota": Scale(people=60_000, intakes=40_000)}


def run_sweeps() -> int:
    """Run the referral, case and support sweeps once, as the scheduler would; return the inbox items they posted."""
    from tsunagiai.cases.actions import sweep_coordination_overstay
    from tsunagiai.referrals.actions import sweep_referral_timers
    from tsunagiai.support.sweeps import sweep_support

    before = InboxItem.objects.count()
    sweep_referral_timers()
    sweep_coordination_overstay()
    sweep_support()
    return InboxItem.objects.count() - before


def demo_summary() -> dict[str, Any] | None:
    """What the last demo run recorded, or None when this database holds no demo data."""
    from tsunagiai.audit.models import AuditEvent

    event = AuditEvent.objects.filter(action=DEMO_EVENT).order_by("-id").first()
    if event is None or not Person.objects.exists():
        return None
    return dict(event.changes)


@transaction.atomic
def generate(ref: ReferenceIndex, *, seed: int, people: int, intakes: int, scale: str) -> dict[str, Any]:
    """Create the demo users and dataset in one transaction; return what was made."""
    started = time.perf_counter()
    generator = Generator(ref, seed=seed, people=people, intakes=intakes)
    generator.ensure_users()
    households = generator.plan()
    generator.write(households)
    casework = Casework(generator).write()
    swept = run_sweeps()
    summary: dict[str, Any] = {
        "scale": scale,
        "seed": seed,
        **generator.counts,
        **casework,
        "sweep_items": swept,
        "stories": [h.story for h in households if h.story],
        "seconds": round(time.perf_counter() - started, 1),
    }
    summary.update(generate_resources(seed=seed, scale=scale))  # resources (C8): the community resource directory
    summary.update(generate_regional(seed=seed))  # regional (C9): unmet needs, regional issues, network events
    summary.update(generate_community(seed=seed, scale=scale))  # community (C8): participation, mutual help
    record_audit_event(
        DEMO_EVENT,
        acting_user=None,
        changes=summary,
        note=f"Invented demo data (scale {scale}, seed {seed}); no real person.",
    )
    return summary


@transaction.atomic
def remove_demo_data() -> None:
    """Delete the demo's rows, children before parents; the users are kept."""
    remove_community_demo()  # community (C8): its rows point at cases, people and resources
    InboxItem.objects.all().delete()  # every item of a demo database is about demo rows
    ConferenceDecision.objects.all().delete()
    ConferenceCase.objects.all().delete()
    Conference.participating_organisations.through.objects.all().delete()
    Conference.objects.all().delete()
    SupportRecord.objects.all().delete()
    PlanAction.objects.all().delete()
    PlanRevision.objects.all().delete()
    SupportPlan.objects.all().delete()
    Assessment.objects.all().delete()
    Consent.scope_organisations.through.objects.all().delete()
    Consent.scope_agency_types.through.objects.all().delete()
    Consent.objects.all().delete()
    ReferralEvent.objects.all().delete()
    Referral.objects.filter(previous__isnull=False).update(previous=None)
    Referral.objects.all().delete()
    for model in (LeadRequest, LeadChange, CaseStatusChange, TeamMember):
        model.objects.all().delete()
    Case.focus_members.through.objects.all().delete()
    Case.intakes.through.objects.all().delete()
    Case.objects.all().delete()
    Intake.categories.through.objects.all().delete()
    Intake.objects.all().delete()
    RelatedPerson.objects.all().delete()
    HouseholdMembership.objects.all().delete()
    Household.objects.all().delete()
    Person.objects.all().delete()
