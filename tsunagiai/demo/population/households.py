"""Households and their members: names, birth dates, addresses, care levels, relationships."""

from __future__ import annotations

import datetime as dt
import random

from tsunagiai.demo import concerns as c
from tsunagiai.demo.names import FOREIGN_NAMES, given_name_pool
from tsunagiai.demo.plans import HouseholdPlan, MemberPlan
from tsunagiai.demo.population.base import GeneratorBase, pick

# Household kinds and how many households of each (relative weights).
HOUSEHOLD_KINDS: tuple[tuple[str, int], ...] = (
    (c.SINGLE_ELDERLY, 24),
    (c.ELDERLY_COUPLE, 13),
    (c.P8050, 6),
    (c.FAMILY, 12),
    (c.SINGLE_PARENT, 8),
    (c.THREE_GENERATION, 4),
    (c.SINGLE_ADULT, 17),
    (c.ADULT_WITH_PARENTS, 4),
    (c.FOREIGN_FAMILY, 6),
    (c.FOREIGN_SINGLE, 6),
)

# Households that come back with a new concern more often.
RETURN_WEIGHT = {c.P8050: 3, c.SINGLE_ELDERLY: 2, c.THREE_GENERATION: 2, c.SINGLE_PARENT: 2, c.ADULT_WITH_PARENTS: 2}

CARE_LEVELS = (
    ("support_1", 14),
    ("support_2", 14),
    ("care_1", 20),
    ("care_2", 17),
    ("care_3", 13),
    ("care_4", 12),
    ("care_5", 10),
)

APARTMENTS = ("コーポ", "ハイツ", "メゾン", "サンハイツ", "グリーンハイツ", "市営住宅", "県営住宅")


class HouseholdWork(GeneratorBase):
    """Plans households (one random stream, ``{seed}:people``)."""

    def birth_date(self, rng: random.Random, age: int) -> dt.date:
        return self.today - dt.timedelta(days=age * 365 + age // 4 + rng.randrange(365))

    def member(
        self,
        rng: random.Random,
        family: tuple[str, str],
        age: int,
        sex: str,
        relationship: str,
        language: str = "ja",
    ) -> MemberPlan:
        birth = self.birth_date(rng, age)
        if language == "ja":
            given, given_kana = rng.choice(given_name_pool(sex, birth.year))
        else:
            given, given_kana = rng.choice(FOREIGN_NAMES[language][sex])
        person = MemberPlan(
            family_name=family[0],
            given_name=given,
            family_name_kana=family[1],
            given_name_kana=given_kana,
            birth_date=birth,
            sex=sex,
            relationship=relationship,
            primary_language=language,
        )
        if age < 6:
            person.employment_status = "preschool"
        elif age < 19:
            person.employment_status = "student"
        elif age >= 65:
            person.employment_status = "retired" if rng.random() < 0.8 else "employed"
        else:
            person.employment_status = pick(
                rng, (("employed", 72), ("homemaker", 10), ("not_working", 13), ("student", 5 if age < 24 else 0))
            )
        if age >= 65:
            share = 0.06 if age < 75 else 0.28 if age < 85 else 0.58
            if rng.random() < share:
                person.care_level = pick(rng, CARE_LEVELS)
            else:
                person.care_level = "none"
            person.phone = self.landline(rng) if rng.random() < 0.8 else self.mobile(rng)
        elif age >= 18:
            person.phone = self.mobile(rng)
            if rng.random() < 0.12:
                person.email = f"user{rng.randrange(10_000, 99_999)}@{self.faker.free_email_domain()}"
        if language != "ja":
            person.needs_interpreter = rng.random() < (0.65 if age >= 18 else 0.15)
        if age >= 18 and rng.random() < 0.03:
            person.certificate_physical = True
        if rng.random() < 0.012:
            person.public_assistance = True
        return person

    def landline(self, rng: random.Random) -> str:
        return f"0565-{rng.randrange(20, 99)}-{rng.randrange(10_000):04d}"

    def mobile(self, rng: random.Random) -> str:
        return f"0{rng.choice((70, 80, 90))}-{rng.randrange(10_000):04d}-{rng.randrange(10_000):04d}"

    def surname(self, rng: random.Random) -> tuple[str, str]:
        return rng.choices(self.surnames, weights=self.surname_weights)[0]

    def address_line(self, rng: random.Random) -> str:
        if rng.random() < 0.25:
            building = (
                f"{rng.choice(APARTMENTS)}{self.faker.last_name()}"
                if rng.random() < 0.5
                else self.faker.building_name()
            )
            room = f"{rng.randrange(1, 5)}0{rng.randrange(1, 9)}号室"
            return f"{rng.randrange(1, 40)}-{rng.randrange(1, 20)} {building} {room}"
        if rng.random() < 0.5:
            return f"{rng.randrange(1, 60)}番地{rng.randrange(1, 30)}"
        return f"{rng.randrange(1, 40)}-{rng.randrange(1, 25)}"

    def household(self, rng: random.Random, kind: str) -> HouseholdPlan:
        age = rng.randint
        members: list[MemberPlan] = []
        language = "ja"
        if kind in (c.FOREIGN_FAMILY, c.FOREIGN_SINGLE):
            language = pick(
                rng,
                (("pt", 5), ("vi", 3), ("tl", 2)) if kind == c.FOREIGN_FAMILY else (("vi", 5), ("tl", 3), ("pt", 2)),
            )
            family = rng.choice(FOREIGN_NAMES[language]["family"])
        else:
            family = self.surname(rng)

        def add(years: int, sex: str, relationship: str) -> MemberPlan:
            m = self.member(rng, family, years, sex, relationship, language)
            members.append(m)
            return m

        def sex() -> str:
            return rng.choice(("female", "male"))

        def children(parent_age: int, count: int, youngest: int = 0) -> None:
            for _ in range(count):
                add(age(youngest, max(youngest, min(17, parent_age - 20))), sex(), "child")

        if kind == c.SINGLE_ELDERLY:
            alone = add(age(65, 97), pick(rng, (("female", 68), ("male", 32))), "head")
            alone.lives_alone = True
        elif kind == c.ELDERLY_COUPLE:
            husband = age(67, 94)
            add(husband, "male", "head")
            add(max(63, husband - age(0, 6)), "female", "spouse")
        elif kind == c.P8050:
            parent = age(75, 94)
            add(parent, pick(rng, (("female", 65), ("male", 35))), "head")
            if rng.random() < 0.35:
                members[0].sex = "male"
                add(parent - age(0, 5), "female", "spouse")
            child = add(min(parent - 24, age(42, 62)), pick(rng, (("male", 70), ("female", 30))), "child")
            child.employment_status = "not_working"
            if rng.random() < 0.3:
                child.certificate_mental = True
        elif kind == c.FAMILY:
            head = age(27, 52)
            add(head, "male", "head")
            add(max(22, head - age(-3, 5)), "female", "spouse")
            children(head, rng.choice((1, 1, 2, 2, 2, 3)))
        elif kind == c.SINGLE_PARENT:
            head = age(23, 52)
            add(head, pick(rng, (("female", 87), ("male", 13))), "head")
            children(head, rng.choice((1, 1, 2, 2, 3)))
        elif kind == c.THREE_GENERATION:
            head = age(33, 52)
            grandparent = head + age(25, 35)
            add(head, "male", "head")
            add(max(25, head - age(-2, 4)), "female", "spouse")
            children(head - 2, rng.choice((1, 2, 2, 3)))
            elder = add(grandparent, pick(rng, (("female", 70), ("male", 30))), "parent")
            if rng.random() < 0.6:
                elder.care_level = pick(rng, CARE_LEVELS)
            if rng.random() < 0.4:
                add(grandparent + age(-3, 4), "male" if elder.sex == "female" else "female", "parent")
        elif kind == c.SINGLE_ADULT:
            alone = add(age(20, 64), sex(), "head")
            alone.lives_alone = True
        elif kind == c.ADULT_WITH_PARENTS:
            father = age(52, 78)
            add(father, "male", "head")
            add(father - age(0, 5), "female", "spouse")
            child = add(age(20, min(48, father - 22)), sex(), "child")
            if rng.random() < 0.55:
                child.certificate_intellectual = True
            elif rng.random() < 0.6:
                child.certificate_physical = True
            else:
                child.certificate_mental = True
            child.employment_status = pick(rng, (("not_working", 50), ("employed", 50)))
        elif kind == c.FOREIGN_FAMILY:
            head = age(25, 50)
            add(head, "male", "head")
            add(max(21, head - age(-2, 6)), "female", "spouse")
            children(head, rng.choice((1, 2, 2, 3)))
        else:  # FOREIGN_SINGLE
            alone = add(age(20, 42), sex(), "head")
            alone.lives_alone = True
        block = rng.choices(range(len(self.ref.blocks)), weights=self.block_weights)[0]
        return HouseholdPlan(
            kind=kind,
            name=f"{family[0]}さん世帯",
            block_index=block,
            address_line=self.address_line(rng),
            members=members,
        )
