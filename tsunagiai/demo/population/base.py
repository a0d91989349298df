"""What the generator of people, households and intakes shares: its state, its random streams, ``pick``."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from faker import Faker

from tsunagiai.accounts.models import Role, User
from tsunagiai.demo.names import FAMILY_NAMES
from tsunagiai.demo.plans import HouseholdPlan, IntakePlan
from tsunagiai.demo.reference import ReferenceIndex
from tsunagiai.demo.stories import STORY_FAMILY_NAMES

BATCH_SIZE = 2000

HISTORY_DAYS = 730

STAFF_ROLES = (Role.INTAKE, Role.CASEWORKER, Role.COORDINATOR, Role.SUPERVISOR)


def pick[T](rng: random.Random, weighted: Sequence[tuple[T, int]]) -> T:
    choices, weights = zip(*weighted, strict=True)
    chosen: T = rng.choices(choices, weights=weights)[0]
    return chosen


class GeneratorBase:
    """The generator's state: the seed's random streams, today, and what was written for the casework."""

    def __init__(self, ref: ReferenceIndex, *, seed: int, people: int, intakes: int) -> None:
        self.ref = ref
        self.seed = seed
        self.target_people = people
        self.target_intakes = intakes
        self.today = timezone.localdate()
        self.faker = Faker("ja_JP")
        self.faker.seed_instance(seed)
        self.rng_people = random.Random(f"{seed}:people")
        self.rng_intakes = random.Random(f"{seed}:intakes")
        self.rng_staff = random.Random(f"{seed}:staff")
        self.tz = timezone.get_current_timezone()
        surnames = [(n, k, w) for n, k, w in FAMILY_NAMES if n not in STORY_FAMILY_NAMES]
        self.surnames = [(n, k) for n, k, _w in surnames]
        self.surname_weights = [w for _n, _k, w in surnames]
        # Denser and sparser blocks, as in a real city.
        self.block_weights = [self.rng_people.lognormvariate(0, 0.6) for _ in ref.blocks]
        self.staff_of: dict[int, list[int]] = {}
        self.volunteers_of: dict[int, list[int]] = {}
        self.demo_users: dict[str, User] = {}
        self.counts: dict[str, int] = {}
        self.org_names = {org.pk: org.name for org in ref.organisations}
        self.anonymous_intakes: list[tuple[HouseholdPlan, IntakePlan]] = []
        # What write() made, for the casework that follows: (plan, household id, member ids, intake rows).
        self.written: list[tuple[HouseholdPlan, int, list[int], list[dict[str, Any]]]] = []
        self.intake_categories: dict[int, tuple[str, ...]] = {}
