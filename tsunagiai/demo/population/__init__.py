"""People, households, intakes and the demo's users: planned in memory from the seed, then written in bulk.

Split by what it generates: ``households`` (people, households, related people), ``intakes``
(with their inbox items) and ``staff`` (users); this module plans them in order and writes the rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tsunagiai.demo import concerns as c
from tsunagiai.demo.bulk import TableWriter, analyze, next_id, reset_sequences
from tsunagiai.demo.names import given_name_pool
from tsunagiai.demo.plans import HouseholdPlan, IntakePlan, RelatedPlan
from tsunagiai.demo.population.base import HISTORY_DAYS
from tsunagiai.demo.population.households import HOUSEHOLD_KINDS, RETURN_WEIGHT
from tsunagiai.demo.population.intakes import ANONYMOUS_SHARE, FAMILY_PLACES, IntakeWork
from tsunagiai.demo.population.staff import StaffWork
from tsunagiai.demo.stories import StoryContext, build_stories
from tsunagiai.inbox.models import InboxItem
from tsunagiai.intake.models import Intake
from tsunagiai.people.matching import search_keys
from tsunagiai.people.models import Household, HouseholdMembership, Person, RelatedPerson

__all__ = ["Generator"]


class Generator(IntakeWork, StaffWork):
    """Plans and writes one demo dataset."""

    def plan(self) -> list[HouseholdPlan]:
        rng = self.rng_people
        households: list[HouseholdPlan] = build_stories(StoryContext(self))
        people = sum(len(h.members) for h in households)
        kinds, weights = zip(*HOUSEHOLD_KINDS, strict=True)
        while people < self.target_people:
            household = self.household(rng, rng.choices(kinds, weights=weights)[0])
            households.append(household)
            people += len(household.members)

        rng = self.rng_intakes
        story_intakes = sum(len(h.intakes) for h in households)
        remaining = max(0, self.target_intakes - story_intakes)
        anonymous = round(remaining * ANONYMOUS_SHARE)
        linked = remaining - anonymous
        ordinary = [h for h in households if not h.story]
        by_kind: dict[str, list[c.Concern]] = {
            kind: [concern for concern in c.CONCERNS if kind in concern.fits] for kind, _w in HOUSEHOLD_KINDS
        }
        # Every household came to the system through at least one intake; some come back.
        chosen: list[HouseholdPlan] = ordinary[:linked]
        if linked > len(ordinary):
            return_weights = [RETURN_WEIGHT.get(h.kind, 1) for h in ordinary]
            chosen += rng.choices(ordinary, weights=return_weights, k=linked - len(ordinary))
        for household in chosen:
            options = by_kind[household.kind]
            concern = rng.choices(options, weights=[o.weight for o in options])[0]
            intake = self.plan_intake(rng, household, concern)
            household.intakes.append(intake)
            self.apply_intake_facts(household, intake, rng)
        standard_only = {kind: [o for o in options if o.kind == c.STANDARD] for kind, options in by_kind.items()}
        for _ in range(anonymous):
            household = rng.choice(ordinary)
            options = standard_only[household.kind] or by_kind[household.kind]
            concern = rng.choices(options, weights=[o.weight for o in options])[0]
            self.anonymous_intakes.append((household, self.plan_intake(rng, household, concern, anonymous=True)))
        for household in households:
            household.intakes.sort(key=lambda i: i.received_at)
            if household.kind == c.SINGLE_ELDERLY and not household.story and rng.random() < 0.35:
                child_name = rng.choice(given_name_pool(rng.choice(("female", "male")), 1970))[0]
                household.related.append(
                    RelatedPlan(
                        member=0,
                        name=f"{household.members[0].family_name} {child_name}",
                        role="separated_family",
                        relationship=f"{rng.choice(('長女', '長男', '次女', '次男'))}({rng.choice(FAMILY_PLACES[1:])})",
                        contact=self.mobile(rng),
                    )
                )
        return households

    def write(self, households: list[HouseholdPlan]) -> None:
        ref = self.ref
        key_cache: dict[tuple[str, str, str, str], tuple[str, str]] = {}
        default_org = (ref.by_type.get("branch_office") or ref.organisations)[0]
        person_id, household_id, intake_id = next_id(Person), next_id(Household), next_id(Intake)
        people: list[dict[str, Any]] = []
        homes: list[dict[str, Any]] = []
        memberships: list[dict[str, Any]] = []
        related: list[dict[str, Any]] = []
        intakes: list[dict[str, Any]] = []
        categories: list[dict[str, Any]] = []
        alerts: list[dict[str, Any]] = []

        def add_intake(plan: IntakePlan, person: dict[str, Any] | None, home_id: int | None) -> None:
            nonlocal intake_id
            row = self.intake_row(plan, person, home_id)
            row["id"] = intake_id
            intakes.append(row)
            self.intake_categories[intake_id] = plan.categories
            categories.extend({"intake_id": intake_id, "issuecategory_id": code} for code in plan.categories)
            alerts.extend(self.inbox_rows(row))
            intake_id += 1

        for household in households:
            block = ref.blocks[household.block_index]
            if household.intakes:
                first = household.intakes[0]
                org_id, user_id, since = first.organisation_id, first.received_by_id, first.received_at
            else:
                local = ref.local(household.block_index, "branch_office") or [default_org]
                start = dt.datetime.combine(self.today - dt.timedelta(days=HISTORY_DAYS), dt.time(9), tzinfo=self.tz)
                org_id, user_id, since = local[0].pk, None, start
            since = since - dt.timedelta(minutes=3)
            tracked = {
                "created_by_id": user_id,
                "updated_by_id": user_id,
                "created_at": since,
                "updated_at": since,
                "version": 1,
            }
            home_id = household_id
            household_id += 1
            homes.append(
                {
                    "id": home_id,
                    "name": household.name,
                    "town_block_id": block.id,
                    "address_line": household.address_line,
                    "notes": household.notes,
                    "registered_by_organisation_id": org_id,
                    **tracked,
                }
            )
            member_rows: list[dict[str, Any]] = []
            for m in household.members:
                names = (m.family_name, m.given_name, m.family_name_kana, m.given_name_kana)
                keys = key_cache.get(names)
                if keys is None:
                    keys = key_cache[names] = search_keys(*names)
                person = {
                    "id": person_id,
                    "family_name": m.family_name,
                    "given_name": m.given_name,
                    "family_name_kana": m.family_name_kana,
                    "given_name_kana": m.given_name_kana,
                    "birth_date": m.birth_date,
                    "sex": m.sex,
                    "phone": m.phone,
                    "email": m.email,
                    "postal_code": block.postal_code,
                    "town_block_id": block.id,
                    "address_line": household.address_line,
                    "care_level": m.care_level,
                    "certificate_physical": m.certificate_physical,
                    "certificate_intellectual": m.certificate_intellectual,
                    "certificate_mental": m.certificate_mental,
                    "public_assistance": m.public_assistance,
                    "primary_language": m.primary_language,
                    "needs_interpreter": m.needs_interpreter,
                    "lives_alone": m.lives_alone,
                    "employment_status": m.employment_status,
                    "notes": m.notes,
                    "registered_by_organisation_id": org_id,
                    "search_name": keys[0],
                    "search_kana": keys[1],
                    **tracked,
                }
                person_id += 1
                people.append(person)
                member_rows.append(person)
                memberships.append(
                    {
                        "household_id": home_id,
                        "person_id": person["id"],
                        "relationship": m.relationship,
                        "started_on": m.started_on or max(m.birth_date, since.date() - dt.timedelta(days=3650)),
                        "ended_on": None,
                        "created_at": since,
                        "created_by_id": user_id,
                    }
                )
            related.extend(
                {
                    "person_id": member_rows[r.member]["id"],
                    "name": r.name,
                    "role": r.role,
                    "relationship": r.relationship,
                    "contact": r.contact,
                    **tracked,
                }
                for r in household.related
            )
            first_intake = len(intakes)
            for plan in household.intakes:
                add_intake(plan, member_rows[plan.subject] if plan.subject is not None else None, home_id)
            self.written.append((household, home_id, [p["id"] for p in member_rows], intakes[first_intake:]))
        for _household, plan in self.anonymous_intakes:
            add_intake(plan, None, None)

        TableWriter(Person).insert(people)
        TableWriter(Household).insert(homes)
        TableWriter(HouseholdMembership, with_pk=False).insert(memberships)
        TableWriter(RelatedPerson, with_pk=False).insert(related)
        TableWriter(Intake).insert(intakes)
        TableWriter(Intake.categories.through, with_pk=False).insert(categories)
        TableWriter(InboxItem, with_pk=False).insert(alerts)
        reset_sequences(Person, Household, Intake)
        analyze(Person, Household, HouseholdMembership, RelatedPerson, Intake, Intake.categories.through, InboxItem)
        self.counts = {
            "people": len(people),
            "households": len(homes),
            "intakes": len(intakes),
            "anonymous_intakes": len(self.anonymous_intakes),
            "inbox_items": len(alerts),
            "related_people": len(related),
        }
