"""Generating the demo dataset: plan everything in memory from a seed, then write it in bulk.

Every random choice comes from ``random.Random`` streams seeded from the seed
number (one stream per concern, so adding a user does not reshuffle every
name), and every query reads in a fixed order: the same seed on the same
reference data gives the same people, households and intakes.

Rows are written with one prepared INSERT per table (``bulk.py``) and one audit event,
``demo.generated``, records the run — not one event per row.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from faker import Faker

from tsunagiai.accounts.models import Membership, Role, User
from tsunagiai.audit.actions import record_audit_event
from tsunagiai.cases.models import Case, CaseStatusChange, LeadChange, LeadRequest, TeamMember
from tsunagiai.consent.models import Consent
from tsunagiai.demo import concerns as c
from tsunagiai.demo.bulk import TableWriter, analyze, next_id, reset_sequences
from tsunagiai.demo.casework import Casework
from tsunagiai.demo.community import generate_community, remove_community_demo
from tsunagiai.demo.logins import ensure_demo_users
from tsunagiai.demo.names import FAMILY_NAMES, FOREIGN_NAMES, given_name_pool
from tsunagiai.demo.plans import HouseholdPlan, IntakePlan, MemberPlan, RelatedPlan
from tsunagiai.demo.reference import ReferenceIndex
from tsunagiai.demo.regional import generate_regional
from tsunagiai.demo.resources import generate_resources
from tsunagiai.demo.stories import STORY_FAMILY_NAMES, StoryContext, build_stories
from tsunagiai.inbox.models import InboxItem
from tsunagiai.intake.actions import inbox_title
from tsunagiai.intake.models import Intake
from tsunagiai.people.matching import search_keys
from tsunagiai.people.models import Household, HouseholdMembership, Person, RelatedPerson
from tsunagiai.reference.models import Organisation
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

BATCH_SIZE = 2000
HISTORY_DAYS = 730
DEMO_EVENT = "demo.generated"
STAFF_ROLES = (Role.INTAKE, Role.CASEWORKER, Role.COORDINATOR, Role.SUPERVISOR)


@dataclass(frozen=True)
class Scale:
    people: int
    intakes: int


SCALES = {"small": Scale(people=300, intakes=200), "toyota": Scale(people=60_000, intakes=40_000)}

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
ANONYMOUS_SHARE = 0.07

CONSENT_WEIGHTS = {
    "self": (("written", 30), ("oral", 58), ("not_asked", 6), ("refused", 6)),
    "family": (("written", 12), ("oral", 43), ("not_asked", 30), ("unable", 10), ("refused", 5)),
    "outside": (("oral", 25), ("not_asked", 55), ("unable", 20)),
    "anonymous": (("not_asked", 60), ("unable", 40)),
}
CHANNEL_WEIGHTS = {
    "self": (("visit_window", 50), ("phone", 40), ("email_online", 4), ("home_visit", 6)),
    "family": (("phone", 55), ("visit_window", 38), ("email_online", 7)),
    "neighbor": (("phone", 70), ("visit_window", 30)),
    "neighborhood_leader": (("phone", 60), ("visit_window", 30), ("outreach", 10)),
    "agency": (("referral_in", 60), ("phone", 40)),
    "medical": (("referral_in", 55), ("phone", 45)),
    "school": (("referral_in", 45), ("phone", 55)),
    "community_volunteer": (("outreach", 70), ("phone", 30)),
    "fire_department": (("referral_in", 100),),
    "anonymous": (("phone", 90), ("visit_window", 10)),
}
FAMILY_CONSULTERS = ("長女", "長男", "次女", "妻", "夫", "嫁", "姉", "弟", "母")
FAMILY_PLACES = ("同居", "市内在住", "名古屋市在住", "岡崎市在住", "県外在住")
AGENCY_CONSULTERS = {
    "agency": ("居宅介護支援事業所 ケアマネジャー", "訪問看護ステーション 看護師", "障がい福祉サービス事業所 相談員"),
    "medical": ("市内病院 医療ソーシャルワーカー", "診療所 看護師", "精神科クリニック 精神保健福祉士"),
    "school": ("小学校 教頭", "中学校 スクールソーシャルワーカー", "保育園 園長"),
    "neighborhood_leader": ("自治区長", "自治区 福祉委員", "老人クラブ会長"),
    "neighbor": ("近所の住民", "隣家の方", "知人"),
}
RESPONSE_NOTES = {
    "information_only": (
        "制度と窓口を案内し終了。",
        "お助け隊の連絡先を案内。",
        "申請書類を渡し、書き方を説明。",
        "パンフレットを渡した。必要時に再度連絡するよう伝えた。",
    ),
    "connect": (
        "本人の同意を得て関係機関へつなぐ。",
        "担当機関へ電話で情報提供し、訪問を依頼。",
        "地域包括支援センターへ連絡。",
        "CSWへ連絡し、同行訪問を調整。",
    ),
    "open_case": (
        "複合課題のため支援を開始。関係機関で支援会議を予定。",
        "緊急性が高く、当日訪問。支援開始。",
        "世帯全体の支援が必要。アセスメント予定。",
    ),
    "undecided": ("対応を検討中。", "家族と相談のうえ再連絡予定。"),
}
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


def pick[T](rng: random.Random, weighted: Sequence[tuple[T, int]]) -> T:
    choices, weights = zip(*weighted, strict=True)
    chosen: T = rng.choices(choices, weights=weights)[0]
    return chosen


class Generator:
    """Plans and writes one demo dataset."""

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

    # --- people -----------------------------------------------------------

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

    # --- intakes ----------------------------------------------------------

    def received_at(
        self, rng: random.Random, *, any_hour: bool = False, within_days: int = HISTORY_DAYS
    ) -> dt.datetime:
        # From yesterday back: the same seed gives the same times whatever the hour it runs.
        day = self.today - dt.timedelta(days=1 + rng.randrange(within_days))
        if any_hour:
            minute = rng.randrange(24 * 60)
        else:
            while day.weekday() >= 5:  # windows are open on weekdays
                day -= dt.timedelta(days=1)
            minute = rng.randrange(8 * 60 + 30, 17 * 60 + 15)
        moment = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=self.tz)
        return moment

    def subject_index(self, household: HouseholdPlan, role: str) -> int:
        members = household.members
        ages = [m.age(self.today) for m in members]
        if role == "eldest":
            return max(range(len(members)), key=lambda i: ages[i])
        if role == "youngest":
            return min(range(len(members)), key=lambda i: ages[i])
        if role == "adult_child":
            for i, m in enumerate(members):
                if m.relationship == "child" and ages[i] >= 18:
                    return i
        if role == "carer":
            for i, m in enumerate(members):
                if m.relationship == "spouse":
                    return i
        return 0

    def organisation_for(self, rng: random.Random, concern: c.Concern, block: int) -> Organisation:
        windows = [w for w in concern.windows if self.ref.has(w)]
        if windows:
            # The usual window most often, the others sometimes.
            weights = [6, 3, 1][: len(windows)]
            agency_type = rng.choices(windows, weights=weights)[0]
            orgs = self.ref.local(block, agency_type)
            return orgs[0] if len(orgs) == 1 or rng.random() < 0.85 else rng.choice(orgs)
        fallback = self.ref.local(block, "branch_office") or self.ref.organisations
        return fallback[0]

    def staff_user(self, rng: random.Random, organisation: Organisation) -> int | None:
        staff = self.staff_of.get(organisation.pk)
        return rng.choice(staff) if staff else None

    def fill(self, concern: c.Concern, member: MemberPlan | None, rng: random.Random) -> str:
        age = member.age(self.today) if member else rng.randint(30, 90)
        sex = "女性" if (member.sex if member else rng.choice(("female", "male"))) == "female" else "男性"
        return concern.text.format(
            fam=member.family_name if member else "○○",
            age=age,
            decade=f"{age // 10 * 10}代",
            sex=sex,
            n=rng.randint(3, 6),
            months=rng.randint(2, 6),
        )

    def plan_intake(
        self,
        rng: random.Random,
        household: HouseholdPlan,
        concern: c.Concern,
        *,
        anonymous: bool = False,
    ) -> IntakePlan:
        block = household.block_index
        kind = concern.kind
        subject = self.subject_index(household, concern.subject)
        member = household.members[subject]
        organisation = self.organisation_for(rng, concern, block)
        reported_by: int | None = None
        if kind == c.VOLUNTEER_CONCERN:
            volunteer_orgs = self.ref.local(block, "community_volunteer")
            volunteers = self.volunteers_of.get(volunteer_orgs[0].pk, []) if volunteer_orgs else []
            if volunteers:
                reported_by = rng.choice(volunteers)
            else:
                kind = c.STANDARD
        consulter = "anonymous" if anonymous else rng.choice(concern.consulters)
        received = self.received_at(rng, any_hour=kind == c.FIRE_REPORT)
        urgency = concern.urgency
        roll = rng.random()
        if urgency == "normal" and roll < 0.03:
            urgency = "high"
        elif urgency == "high" and roll < 0.5:
            urgency = "normal"
        elif urgency == "emergency" and roll < 0.3:
            urgency = "high"
        consent_group = "anonymous" if anonymous else consulter if consulter in ("self", "family") else "outside"
        if kind == c.FIRE_REPORT:
            first_response = pick(rng, (("connect", 80), ("undecided", 20)))
        elif urgency == "emergency":
            first_response = pick(rng, (("open_case", 60), ("connect", 40)))
        elif concern.categories == ("daily_living",):
            first_response = pick(rng, (("information_only", 75), ("connect", 25)))
        else:
            first_response = pick(
                rng, (("information_only", 33), ("connect", 42), ("open_case", 15), ("undecided", 10))
            )
        age_days = (self.today - received.date()).days
        if first_response == "undecided" and age_days > 21:
            first_response = "connect"
        status, closed_at = "open", None
        if first_response == "information_only":
            status, closed_at = "closed", received + dt.timedelta(minutes=rng.randrange(10, 60))
        elif first_response == "connect" and age_days > 30 and rng.random() < 0.75:
            status, closed_at = "closed", received + dt.timedelta(days=rng.randrange(1, min(age_days, 30)))
        consulter_name = ""
        if consulter == "family":
            consulter_name = f"{rng.choice(FAMILY_CONSULTERS)}({rng.choice(FAMILY_PLACES)})"
        elif consulter in AGENCY_CONSULTERS:
            consulter_name = rng.choice(AGENCY_CONSULTERS[consulter])
        elif consulter == "fire_department":
            consulter_name = organisation.name
        plan = IntakePlan(
            received_at=received,
            concern=self.fill(concern, None if anonymous else member, rng),
            categories=tuple(cat for cat in concern.categories if cat in self.ref.categories),
            urgency=urgency,
            kind=kind,
            channel=pick(rng, CHANNEL_WEIGHTS.get(consulter, CHANNEL_WEIGHTS["self"])),
            consulter_type=consulter,
            consent_status=pick(rng, CONSENT_WEIGHTS[consent_group]),
            first_response=first_response,
            status=status,
            organisation_id=organisation.pk,
            received_by_id=self.staff_user(rng, organisation),
            subject=None if anonymous else subject,
            consulter_name=consulter_name,
            consulter_contact=self.mobile(rng) if consulter_name and consulter != "fire_department" else "",
            first_response_note=rng.choice(RESPONSE_NOTES[first_response]),
            reported_by_id=reported_by,
            closed_at=closed_at,
        )
        if anonymous:
            age = member.age(self.today)
            sex = "女性" if member.sex == "female" else "男性"
            alone = "・一人暮らし" if member.lives_alone else ""
            plan.subject_description = f"{age // 10 * 10}代{sex}{alone}"
            plan.town_block_id = self.ref.blocks[block].id
        if kind == c.FIRE_REPORT:
            plan.incident_type = "fire_prevention_visit" if concern.text.startswith("住宅防火") else "ambulance"
            plan.incident_at = received - dt.timedelta(hours=rng.randrange(2, 40))
        return plan

    def apply_intake_facts(self, household: HouseholdPlan, plan: IntakePlan, rng: random.Random) -> None:
        """Make the subject's recorded facts agree with what the concern says."""
        if plan.subject is None:
            return
        member = household.members[plan.subject]
        categories = set(plan.categories)
        if (
            categories & {"elderly_care", "dementia"}
            and member.age(self.today) >= 65
            and member.care_level in ("", "none")
        ):
            member.care_level = "applying" if rng.random() < 0.5 else pick(rng, CARE_LEVELS)
        if "disability" in categories and not (
            member.certificate_physical or member.certificate_intellectual or member.certificate_mental
        ):
            member.certificate_intellectual = member.age(self.today) < 18
            member.certificate_physical = not member.certificate_intellectual
        if "mental_health" in categories and rng.random() < 0.3:
            member.certificate_mental = True
        if "financial_hardship" in categories and rng.random() < 0.15:
            member.public_assistance = True
        if "foreign_residents" in categories and member.primary_language != "ja" and member.age(self.today) >= 18:
            member.needs_interpreter = True
        if categories & {"employment", "social_isolation"} and 18 <= member.age(self.today) < 65:
            member.employment_status = "not_working"

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

    # --- users --------------------------------------------------------------

    def ensure_users(self) -> None:
        """The demo logins, and invented staff and 民生委員 who received the invented intakes (no password)."""
        self.demo_users = ensure_demo_users(self.ref)
        rng = self.rng_staff
        wanted: list[tuple[str, Organisation, str, str, str]] = []
        specs: list[tuple[str, str]]
        for org in self.ref.organisations:
            if org.agency_type_id == "other":
                continue
            if org.agency_type_id == "community_volunteer":
                specs = [(f"minsei-{org.code}-{n}", Role.VOLUNTEER) for n in (1, 2, 3)]
            elif org.agency_type_id == "fire_department":
                specs = [(f"crew-{org.code}", Role.INTAKE)]
            elif org.agency_type_id == "branch_office":
                specs = [(f"staff-{org.code}-1", Role.CASEWORKER), (f"staff-{org.code}-2", Role.INTAKE)]
            else:
                specs = [(f"staff-{org.code}-1", Role.CASEWORKER)]
            for username, role in specs:
                family, family_kana = self.surname(rng)
                given, given_kana = rng.choice(given_name_pool(rng.choice(("female", "male")), 1980))
                wanted.append((username[:150], org, role, f"{family} {given}", f"{family_kana} {given_kana}"))
        existing = set(User.objects.filter(username__in=[w[0] for w in wanted]).values_list("username", flat=True))
        missing = [w for w in wanted if w[0] not in existing]
        if missing:
            users = User.objects.bulk_create(
                [
                    User(username=username, password=make_password(None), full_name=name, full_name_kana=kana)
                    for username, _org, _role, name, kana in missing
                ],
                batch_size=BATCH_SIZE,
            )
            by_name = {u.username: u for u in users}
            Membership.objects.bulk_create(
                [
                    Membership(user=by_name[username], organisation=org, role=role)
                    for username, org, role, _n, _k in missing
                ],
                batch_size=BATCH_SIZE,
            )
        org_ids = [org.pk for org in self.ref.organisations]
        staff: dict[int, list[int]] = {}
        volunteers: dict[int, list[int]] = {}
        for org_id, user_id, role in (
            Membership.objects.filter(organisation_id__in=org_ids, active=True, user__is_active=True)
            .order_by("organisation_id", "user__username")
            .values_list("organisation_id", "user_id", "role")
        ):
            if role in STAFF_ROLES:
                staff.setdefault(org_id, []).append(user_id)
            elif role == Role.VOLUNTEER:
                volunteers.setdefault(org_id, []).append(user_id)
        self.staff_of, self.volunteers_of = staff, volunteers

    # --- writing ------------------------------------------------------------

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

    def intake_row(self, plan: IntakePlan, person: dict[str, Any] | None, household_id: int | None) -> dict[str, Any]:
        return {
            "kind": plan.kind,
            "received_at": plan.received_at,
            "receiving_organisation_id": plan.organisation_id,
            "received_by_id": plan.received_by_id,
            "reported_by_id": plan.reported_by_id,
            "channel_id": plan.channel,
            "consulter_type_id": plan.consulter_type,
            "consulter_name": plan.consulter_name,
            "consulter_contact": plan.consulter_contact,
            "person_id": person["id"] if person else None,
            "household_id": household_id,
            "is_anonymous": person is None,
            "subject_description": plan.subject_description,
            "town_block_id": person["town_block_id"] if person else plan.town_block_id,
            "address_line": person["address_line"] if person else plan.address_line,
            "concern": plan.concern,
            "urgency_id": plan.urgency,
            "consent_status": plan.consent_status,
            "first_response": plan.first_response,
            "first_response_note": plan.first_response_note,
            "status": plan.status,
            "closed_at": plan.closed_at,
            "incident_at": plan.incident_at,
            "incident_type": plan.incident_type,
            "created_by_id": plan.received_by_id,
            "updated_by_id": plan.received_by_id,
            "created_at": plan.received_at,
            "updated_at": plan.closed_at or plan.received_at,
            "version": 1,
        }

    def inbox_rows(self, intake: dict[str, Any]) -> list[dict[str, Any]]:
        """The alerts the intake actions would have posted; those handled long ago are resolved."""
        coordination = self.ref.by_type.get("coordination_section", [])
        wanted: list[tuple[int, str]] = []
        if intake["kind"] == c.VOLUNTEER_CONCERN:
            wanted.append((intake["receiving_organisation_id"], InboxItem.Kind.VOLUNTEER_CONCERN))
        elif intake["kind"] == c.FIRE_REPORT:
            wanted += [(org.pk, InboxItem.Kind.FIRE_REPORT) for org in coordination]
        urgent = intake["urgency_id"] == "emergency"
        if urgent:
            have = {org_id for org_id, _k in wanted}
            wanted += [(org.pk, InboxItem.Kind.EMERGENCY_INTAKE) for org in coordination if org.pk not in have]
        if not wanted:
            return []
        received: dt.datetime = intake["received_at"]
        handled = intake["status"] == "closed" or (self.today - received.date()).days > 10
        resolver = self.demo_users.get("coordinator")
        rows = []
        for org_id, kind in wanted:
            title = inbox_title(
                intake_id=intake["id"], organisation_name=self.org_names[intake["receiving_organisation_id"]], kind=kind
            )
            rows.append(
                {
                    "organisation_id": org_id,
                    "kind": kind,
                    "title": title[:200],
                    "intake_id": intake["id"],
                    "is_urgent": urgent,
                    "created_at": received,
                    "resolved_at": received + dt.timedelta(hours=3) if handled else None,
                    "resolved_by_id": resolver.pk if handled and resolver else None,
                }
            )
        return rows


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
