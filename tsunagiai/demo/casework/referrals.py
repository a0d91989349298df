"""Referrals: their paths through the states, the chains of referrals about one concern, and the loose ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.translation import gettext

from tsunagiai.core.workdays import add_working_days
from tsunagiai.demo.casework.base import CONSENTED, NOT_LEAD_TYPES, CasePlan, CaseworkBase, ReferralPlan, Row, pick
from tsunagiai.reference.routing import suggest
from tsunagiai.referrals import inbox_kinds
from tsunagiai.referrals.models import FINAL_STATES, ReasonCode, Referral, SharingBasis, Status

# Proportions of the intakes: 40,000 intakes give about 8,000 referrals, 2,500 cases, 150 conferences.
REFERRALS_PER_INTAKE = 0.2

# Hours between the steps of a referral: (lowest, highest).
STEP_HOURS: dict[str, tuple[float, float]] = {
    Status.SEEN: (0.2, 20),
    Status.ACCEPTED: (1, 50),
    Status.DECLINED: (2, 50),
    Status.FIRST_CONTACT: (20, 140),
    Status.IN_PROGRESS: (1, 100),
    Status.ON_HOLD: (24 * 10, 24 * 40),
    Status.COMPLETED: (24 * 14, 24 * 110),
    Status.FAILED: (24 * 5, 24 * 40),
    Status.CANCELLED: (24 * 2, 24 * 12),
}

# The paths referrals are meant to take (cut at the present), with their weights.
PATHS: tuple[tuple[tuple[str, ...], int], ...] = (
    ((Status.SEEN, Status.ACCEPTED, Status.FIRST_CONTACT, Status.IN_PROGRESS, Status.COMPLETED), 58),
    (
        (Status.SEEN, Status.ACCEPTED, Status.FIRST_CONTACT, Status.IN_PROGRESS, Status.ON_HOLD, Status.COMPLETED),
        6,
    ),
    ((Status.SEEN, Status.ACCEPTED, Status.FIRST_CONTACT, Status.IN_PROGRESS), 9),
    ((Status.SEEN, Status.ACCEPTED, Status.FIRST_CONTACT, Status.IN_PROGRESS, Status.ON_HOLD), 2),
    ((Status.SEEN, Status.DECLINED), 13),
    ((Status.SEEN, Status.ACCEPTED, Status.FAILED), 2),
    ((Status.SEEN, Status.ACCEPTED, Status.FIRST_CONTACT, Status.FAILED), 2),
    ((Status.SEEN, Status.CANCELLED), 2),
    ((Status.CANCELLED,), 1),
    ((), 5),  # nobody has reacted yet (kept only when recent)
)

DECLINE_REASONS = (
    (ReasonCode.NO_CAPACITY, "現在受け入れ枠がなく、当面の対応が難しいため。"),
    (ReasonCode.OUTSIDE_AREA, "当センターの担当区域外のため。"),
    (ReasonCode.NOT_ELIGIBLE, "対象要件に該当しないため。"),
    (ReasonCode.BETTER_ELSEWHERE, "内容から、他機関での対応が適切と考えるため。"),
)

FAIL_REASONS = (
    (ReasonCode.COULD_NOT_CONTACT, "訪問・電話を重ねたが本人と連絡が取れなかった。"),
    (ReasonCode.PERSON_DECLINED, "本人が支援を望まないと話された。"),
)

CANCEL_REASONS = (
    (ReasonCode.PERSON_DECLINED, "本人から、今は相談を続けたくないとの連絡があった。"),
    (ReasonCode.OTHER, "家族の支援で解決したため取り下げ。"),
)

OUTCOMES = (
    ("resolved", "必要な支援につながり、当初の困りごとは解消した。", 40),
    ("ongoing_support", "当機関のサービスで継続して支援している。", 35),
    ("connected_onward", "さらに適切な機関へつないだ。", 10),
    ("partially_met", "一部は解消したが、課題が残っている。", 15),
)

REQUEST_OF_TYPE = {
    "community_support_center": "介護保険の申請支援と、自宅への訪問をお願いします。",
    "csw": "世帯への伴走支援(家計・居場所・就労)をお願いします。",
    "child_support_center": "子育て支援サービスの案内と利用調整をお願いします。",
    "disability_support_office": "障害福祉サービスの利用相談をお願いします。",
    "public_health_center": "保健師による訪問と受診の調整をお願いします。",
    "public_health_nurse": "健康面の訪問相談をお願いします。",
    "international_center": "通訳の手配と、手続きへの同行をお願いします。",
    "volunteer_center": "ボランティアによる生活支援(買い物・電球交換など)の調整をお願いします。",
    "guardianship_center": "成年後見制度の利用について相談をお願いします。",
    "coordination_section": "複合的な課題のため、総合調整をお願いします。",
    "welfare_office": "生活保護の相談をお願いします。",
    "employment_support": "就労に向けた相談をお願いします。",
}


class ReferralWork(CaseworkBase):
    """Plans referrals, each a legal path in ``referrals.models.TRANSITIONS`` cut at the present."""

    def referral(
        self,
        *,
        from_org: int,
        to_org: int,
        sent_at: dt.datetime,
        person: int | None,
        household: int | None,
        intake: Row | None,
        case: CasePlan | None,
        path: Sequence[str],
        basis: str,
        previous: ReferralPlan | None = None,
        limit: dt.datetime | None = None,
        times: Sequence[dt.datetime] | None = None,
    ) -> ReferralPlan:
        """Plan one referral along ``path`` from sent, cut at the present (or squeezed before ``limit``)."""
        rng = self.rng
        to_type = self.orgs[to_org].agency_type_id
        sender = self.user(from_org)
        recipient = self.user(to_org)
        earlier = previous.row["earlier_declines"] + (1 if previous.status == Status.DECLINED else 0) if previous else 0
        row: Row = {
            "id": self.new_id(Referral),
            "from_organisation_id": from_org,
            "to_organisation_id": to_org,
            "sent_by_id": sender,
            "sent_at": sent_at,
            "person_id": person,
            "household_id": household,
            "intake_id": intake["id"] if intake else None,
            "case_id": case.id if case else None,
            "previous_id": previous.row["id"] if previous else None,
            "earlier_declines": earlier,
            "reason": (intake["concern"][:300] if intake else "世帯への支援のため。") or "世帯への支援のため。",
            "request": REQUEST_OF_TYPE.get(to_type, "支援をお願いします。"),
            "shared_sections": sorted(
                {"concern", "person_basic", "categories"} | ({"contact"} if rng.random() < 0.7 else set())
            ),
            "sharing_basis": basis,
            "sharing_note": "",
            "created_by_id": sender,
            "created_at": sent_at,
        }
        steps: list[tuple[str, dt.datetime, int | None, int, str, str]] = [
            (Status.SENT, sent_at, sender, from_org, "", "")
        ]
        moment = sent_at
        planned: list[tuple[str, dt.datetime]] = []
        for i, to in enumerate(path):
            if times is not None:
                planned.append((to, times[i]))
                continue
            low, high = STEP_HOURS[to]
            moment = self.later(moment, low, high)
            planned.append((to, moment))
        if limit is not None and planned and planned[-1][1] > limit:
            # Squeeze the steps in before the limit (a case closed after its referrals).
            span = (limit - sent_at).total_seconds()
            total = (planned[-1][1] - sent_at).total_seconds()
            planned = [
                (to, sent_at + dt.timedelta(seconds=(at - sent_at).total_seconds() * span / total))
                for to, at in planned
            ]
        for to, at in planned:
            if at > self.horizon:
                break
            code, note = "", ""
            by, org = recipient, to_org
            if to == Status.DECLINED:
                code, note = rng.choice(DECLINE_REASONS)
            elif to == Status.FAILED:
                code, note = rng.choice(FAIL_REASONS)
            elif to == Status.CANCELLED:
                code, note = rng.choice(CANCEL_REASONS)
                by, org = sender, from_org
            elif to == Status.FIRST_CONTACT:
                note = rng.choice(("本人と電話で話し、訪問日を決めた。", "自宅を訪問し本人と会えた。"))
            steps.append((to, at, by, org, code, note))
        plan = ReferralPlan(row=row, steps=steps, consent_person=person if basis == SharingBasis.CONSENT else None)
        self.finish_referral(plan)
        self.referrals.append(plan)
        if case is not None:
            case.referrals.append(plan)
            accepted = plan.at(Status.ACCEPTED)
            if accepted is not None:
                case.join(to_org, accepted, recipient)
        return plan

    def finish_referral(self, plan: ReferralPlan) -> None:
        row, rng = plan.row, self.rng
        sent_at = row["sent_at"]
        last_to, last_at, last_by, _org, code, note = plan.steps[-1]
        row.update(
            status=last_to,
            status_changed_at=last_at,
            seen_at=plan.at(Status.SEEN),
            accepted_at=plan.at(Status.ACCEPTED),
            first_contact_at=plan.at(Status.FIRST_CONTACT),
            closed_at=last_at if last_to in FINAL_STATES else None,
            seen_due_at=add_working_days(sent_at, self.timers["not_seen"]),
            accept_due_at=add_working_days(sent_at, self.timers["not_accepted"]),
            close_reason_code=code,
            close_reason_note=note if code else "",
            updated_by_id=last_by,
            updated_at=last_at,
            version=len(plan.steps),
        )
        accepted = plan.at(Status.ACCEPTED)
        row["first_contact_due_at"] = (
            add_working_days(accepted, self.timers["no_first_contact"]) if accepted is not None else None
        )
        if last_to == Status.COMPLETED:
            outcome, text, _w = rng.choices(OUTCOMES, weights=[o[2] for o in OUTCOMES])[0]
            row["outcome_code"], row["outcome_text"] = outcome, text
        if last_to == Status.DECLINED and row["earlier_declines"] + 1 >= 2:  # noqa: PLR2004
            row["escalated_at"] = last_at
        # The recipient's inbox item; handled once they acted on it.
        handled = next((at for to, at, *_r in plan.steps if to not in (Status.SENT, Status.SEEN)), None)
        self.inbox_rows.append(
            {
                "organisation_id": row["to_organisation_id"],
                "kind": inbox_kinds.REFERRAL_RECEIVED,
                "title": (
                    gettext("Referral #%(id)s from %(organisation)s")
                    % {"id": row["id"], "organisation": self.orgs[row["from_organisation_id"]].name}
                )[:200],
                "subject_type_id": ContentType.objects.get_for_model(Referral).pk,  # cached after the first
                "subject_id": row["id"],
                "url": reverse("referrals:detail", args=[row["id"]]),
                "created_at": sent_at,
                "resolved_at": handled,
                "resolved_by_id": plan.steps[-1][2] if handled else None,
            }
        )
        if row.get("escalated_at"):
            for org in self.coordination:
                self.inbox_rows.append(
                    {
                        "organisation_id": org,
                        "kind": inbox_kinds.REFERRAL_ESCALATED,
                        "title": (
                            gettext("Referral #%(id)s nobody accepted (%(why)s)")
                            % {"id": row["id"], "why": gettext("declined twice")}
                        )[:200],
                        "subject_type_id": ContentType.objects.get_for_model(Referral).pk,  # cached after the first
                        "subject_id": row["id"],
                        "url": reverse("referrals:detail", args=[row["id"]]),
                        "is_urgent": True,
                        "dedupe_key": f"referral:{row['id']}:escalated:{org}",
                        "created_at": last_at,
                        "resolved_at": None if (self.horizon - last_at).days < 20 else last_at + dt.timedelta(days=2),  # noqa: PLR2004
                        "resolved_by_id": None if (self.horizon - last_at).days < 20 else self.fallback_user,  # noqa: PLR2004
                    }
                )

    def random_path(self, sent_at: dt.datetime) -> tuple[str, ...]:
        path = pick(self.rng, PATHS)
        if not path and (self.horizon - sent_at).days > 10:  # noqa: PLR2004
            # Nobody reacted for long: the sender withdrew it.
            path = (Status.CANCELLED,)
        return path

    def chain(
        self,
        *,
        from_org: int,
        to_type: str,
        block: int,
        sent_at: dt.datetime,
        person: int | None,
        household: int | None,
        intake: Row | None,
        case: CasePlan | None,
        basis: str,
        limit: dt.datetime | None = None,
    ) -> None:
        """A referral, and after a decline the same need sent to another organisation (up to twice)."""
        candidates = [o.pk for o in self.ref.local(block, to_type) if o.pk != from_org]
        others = [o.pk for o in self.ref.by_type.get(to_type, []) if o.pk != from_org and o.pk not in candidates]
        candidates += others
        previous: ReferralPlan | None = None
        for attempt in range(3):
            if not candidates or sent_at > self.horizon:
                return
            to_org = candidates.pop(0)
            path = self.random_path(sent_at)
            if attempt == 2 and Status.DECLINED in path:  # noqa: PLR2004
                path = PATHS[0][0]
            if limit is not None and (not path or path[-1] not in FINAL_STATES):
                path = PATHS[0][0]
            previous = self.referral(
                from_org=from_org,
                to_org=to_org,
                sent_at=sent_at,
                person=person,
                household=household,
                intake=intake,
                case=case,
                path=path,
                basis=basis,
                previous=previous,
                limit=limit,
            )
            if previous.status != Status.DECLINED or self.rng.random() < 0.25:  # noqa: PLR2004
                return
            sent_at = self.later(previous.last_at, 1, 30)

    def plan_loose_referrals(self) -> None:
        rng = self.rng
        total_intakes = sum(len(rows) for *_x, rows in self.gen.written)
        wanted = round(total_intakes * REFERRALS_PER_INTAKE)
        in_case = {row["id"] for case in self.cases for row in case.intakes}
        candidates = [
            (household, home_id, row)
            for household, home_id, _m, rows in self.gen.written
            if not household.story
            for row in rows
            if row["first_response"] == "connect" and row["person_id"] is not None and row["id"] not in in_case
        ]
        rng.shuffle(candidates)
        for household, home_id, row in candidates:
            if len(self.referrals) >= wanted:
                break
            sender = row["receiving_organisation_id"]
            if self.orgs[sender].agency_type_id in ("community_volunteer", "other"):
                continue
            categories = self.gen.intake_categories.get(row["id"], ())
            suggestion = suggest(categories, policy=self.policy)
            sender_type = self.orgs[sender].agency_type_id
            types = [
                t
                for t in [suggestion.lead, *suggestion.agencies]
                if t != sender_type and self.ref.has(t) and t not in NOT_LEAD_TYPES and t != "branch_office"
            ]
            if not types:
                continue
            consented = row["consent_status"] in CONSENTED
            if not consented and row["urgency_id"] == "normal":
                continue
            self.chain(
                from_org=sender,
                to_type=types[0],
                block=household.block_index,
                sent_at=min(self.later(row["received_at"], 0.5, 24 * 3), self.horizon),
                person=row["person_id"],
                household=home_id,
                intake=row,
                case=None,
                basis=SharingBasis.CONSENT if consented else SharingBasis.LIFE_AND_SAFETY,
            )
