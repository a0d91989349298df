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

from django.apps import apps
from django.db import DatabaseError, connection, models, transaction

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
from tsunagiai.people import fts
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
    with fts.suspended(connection):  # SQLite: one rebuild of the person search index, not a trigger per person
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
    """Delete the demo's rows, children before parents; the users are kept.

    On PostgreSQL one ``TRUNCATE`` empties the demo's tables and every table that points at them, when those
    hold nothing but demo rows (seconds instead of minutes at the toyota scale); otherwise, and on SQLite,
    the rows are deleted model by model, so that a protected reference still stops the removal.
    """
    if connection.vendor == "postgresql" and _truncate_demo_tables():
        return
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
    with fts.suspended(connection):  # SQLite: the search index emptied once, not a trigger per person
        Person.objects.all().delete()


# The tables whose every row the demo made, in a demo database (the community's, the casework's, the people's).
DEMO_TABLE_MODELS: tuple[str, ...] = (
    "community.HelpRequest", "community.Participation", "community.GroupMember", "community.Volunteer",
    "inbox.InboxItem", "support.ConferenceDecision", "support.ConferenceCase", "support.Conference",
    "support.SupportRecord", "support.PlanAction", "support.PlanRevision", "support.SupportPlan",
    "support.Assessment", "consent.Consent", "referrals.ReferralEvent", "referrals.Referral",
    "cases.LeadRequest", "cases.LeadChange", "cases.CaseStatusChange", "cases.TeamMember", "cases.Case",
    "regional.UnmetNeed", "intake.Intake", "people.RelatedPerson", "people.HouseholdMembership",
    "people.Household", "people.Person",
)  # fmt: skip


def _truncate_demo_tables() -> bool:
    """TRUNCATE the demo's tables with every table that points at them, when that is what deleting model by
    model would do: many-to-many rows and rows of a required CASCADE key go with them; any other table that
    points at them (PROTECT, SET_NULL, a nullable key) must be empty. False (nothing done) otherwise."""
    demo = [apps.get_model(label) for label in DEMO_TABLE_MODELS]
    tables: dict[str, type[models.Model]] = {}
    must_be_empty: list[type[models.Model]] = []
    pending = list(demo)
    while pending:
        model = pending.pop()
        if model._meta.db_table in tables:
            continue
        tables[model._meta.db_table] = model
        pending.extend(field.remote_field.through for field in model._meta.local_many_to_many)  # type: ignore[misc]
        for relation in model._meta.related_objects:  # keys and many-to-many tables pointing here
            if relation.many_to_many:
                pending.append(relation.through)  # type: ignore[union-attr]
                continue
            referring = relation.related_model
            cascades = relation.on_delete is models.CASCADE and not relation.remote_field.null
            if cascades or referring in demo:
                pending.append(referring)  # type: ignore[arg-type]
            else:
                must_be_empty.append(referring)  # type: ignore[arg-type]
    if any(model._default_manager.exists() for model in must_be_empty if model not in demo):
        return False
    for model in must_be_empty:
        tables.setdefault(model._meta.db_table, model)
    quote = connection.ops.quote_name
    try:
        with transaction.atomic(), connection.cursor() as cursor:  # a savepoint: on refusal, nothing happened
            cursor.execute(f"TRUNCATE {', '.join(quote(table) for table in sorted(tables))}")
    except DatabaseError:  # a table not listed still refers to one of them: delete model by model instead
        return False
    return True
