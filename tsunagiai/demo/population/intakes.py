"""Intakes (相談受付): who brought which concern to which window, when, and the inbox items they raise."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from tsunagiai.demo import concerns as c
from tsunagiai.demo.plans import HouseholdPlan, IntakePlan, MemberPlan
from tsunagiai.demo.population.base import HISTORY_DAYS, pick
from tsunagiai.demo.population.households import CARE_LEVELS, HouseholdWork
from tsunagiai.intake import inbox_kinds
from tsunagiai.intake.inbox_kinds import inbox_title
from tsunagiai.intake.models import Intake
from tsunagiai.reference.models import Organisation

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


class IntakeWork(HouseholdWork):
    """Plans intakes (one random stream, ``{seed}:intakes``)."""

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
            wanted.append((intake["receiving_organisation_id"], inbox_kinds.VOLUNTEER_CONCERN))
        elif intake["kind"] == c.FIRE_REPORT:
            wanted += [(org.pk, inbox_kinds.FIRE_REPORT) for org in coordination]
        urgent = intake["urgency_id"] == "emergency"
        if urgent:
            have = {org_id for org_id, _k in wanted}
            wanted += [(org.pk, inbox_kinds.EMERGENCY_INTAKE) for org in coordination if org.pk not in have]
        if not wanted:
            return []
        received: dt.datetime = intake["received_at"]
        handled = intake["status"] == "closed" or (self.today - received.date()).days > 10
        resolver = self.demo_users.get("coordinator")
        intake_type = ContentType.objects.get_for_model(Intake).pk  # cached after the first intake
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
                    "subject_type_id": intake_type,
                    "subject_id": intake["id"],
                    "url": reverse("intake:detail", args=[intake["id"]]),
                    "is_urgent": urgent,
                    "created_at": received,
                    "resolved_at": received + dt.timedelta(hours=3) if handled else None,
                    "resolved_by_id": resolver.pk if handled and resolver else None,
                }
            )
        return rows
