"""What happened after the intakes: referrals, cases, plans, support records, consents and conferences.

Planned in memory from the written households and intakes (one random stream,
``{seed}:casework``), then written with the same bulk writer, one table at a
time in foreign-key order. Every life cycle is planned as a path of dated
steps and cut at the end of yesterday: what would happen later has not
happened yet, so recent referrals are still waiting to be seen or accepted and
recent cases are still being assessed — no second clock, no per-row audit.

The rules the application enforces hold for every generated row: each
referral's events are a legal path in ``referrals.models.TRANSITIONS`` with
times in order; a referral accepted about a case puts its recipient on the
team; a case's lead is on its team and is the last ``LeadChange``'s; plan
revisions are numbered 1..n; a 重層的支援会議 only discusses cases whose
consent covers every participant.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from tsunagiai.cases.models import Case, CaseStatusChange, LeadChange, LeadRequest, TeamMember
from tsunagiai.consent.models import Consent
from tsunagiai.core.workdays import add_working_days
from tsunagiai.demo.bulk import TableWriter, analyze, next_id, reset_sequences
from tsunagiai.inbox.models import InboxItem
from tsunagiai.referrals.models import FINAL_STATES, ReasonCode, Referral, ReferralEvent, SharingBasis, Status
from tsunagiai.referrals.timers import referral_timers
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
from tsunagiai.triage.routing import is_multi_issue, routing_policy, suggest

if TYPE_CHECKING:
    from tsunagiai.demo.generate import Generator
    from tsunagiai.demo.plans import HouseholdPlan

Row = dict[str, Any]
CS = Case.Status
# Proportions of the intakes: 40,000 intakes give about 8,000 referrals, 2,500 cases, 150 conferences.
REFERRALS_PER_INTAKE = 0.2
CASES_PER_INTAKE = 1 / 16
CASES_PER_CONFERENCE = 16
RECORD_EVERY_DAYS = 30
QUIET_SHARE = 0.08
CONSENTED = ("written", "oral")
NOT_LEAD_TYPES = frozenset({"fire_department", "community_volunteer", "other"})

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
DOMAINS_OF_CATEGORY = {
    "elderly_care": "care",
    "dementia": "health",
    "disability": "disability",
    "mental_health": "health",
    "physical_health": "health",
    "child_rearing": "family",
    "financial_hardship": "money",
    "employment": "work",
    "housing": "housing",
    "social_isolation": "social_ties",
    "self_neglect": "safety",
    "family_relations": "family",
    "abuse_violence": "safety",
    "disaster_safety": "safety",
    "foreign_residents": "social_ties",
    "daily_living": "care",
    "mobility_shopping": "care",
}
SITUATION = {
    "care": ("日常生活に見守りと介助が必要。", "家事の一部に支援が要る。"),
    "health": ("服薬管理が難しく、通院が途切れがち。", "体調に波があり、受診の調整が要る。"),
    "disability": ("障害福祉サービスの利用が途切れている。",),
    "money": ("収入は年金のみで、家計が苦しい。", "滞納があり、家計の見直しが必要。"),
    "work": ("長く仕事から離れており、本人に不安がある。", "失職し、再就職先を探している。"),
    "housing": ("家賃の支払いが難しく、住まいの確保が課題。",),
    "family": ("家族の負担が大きく、相談できる人が少ない。", "子育てと介護が重なっている。"),
    "social_ties": ("近所づきあいがほとんどなく、外出が少ない。", "頼れる人が身近にいない。"),
    "safety": ("室内が片付かず、火の始末に不安がある。", "緊急時の連絡手段が確保されていない。"),
}
STRENGTHS = ("本人に支援を受ける意思がある。", "別居の家族が協力的。", "民生委員が見守っている。", "体力はある。")
WISHES = (
    "「できるだけ家で暮らしたい」",
    "「人に迷惑をかけたくない」",
    "「働けるようになりたい」",
    "「子どもを安心して預けたい」",
)
GOALS = (
    "本人が安心して在宅生活を続けられる。",
    "家計を立て直し、生活の見通しを持てる。",
    "地域とのつながりを取り戻す。",
    "家族の負担を減らし、無理なく介護と仕事を続けられる。",
)
COMMUNITY_RESOURCES = ("ふれあいサロン", "地域の見守りボランティア", "子ども食堂", "お助け隊", "地域の体操教室")
FAMILY_OWNERS = ("長女", "長男", "配偶者", "本人", "次女")
ACTIONS_OF_OWNER = {
    PlanAction.OwnerKind.ORGANISATION: (
        "定期訪問で状況を確認する",
        "サービス利用を調整する",
        "関係機関と情報を共有する",
    ),
    PlanAction.OwnerKind.STAFF: ("月1回訪問し、本人の話を聞く", "申請書類の作成を支援する", "受診に同行する"),
    PlanAction.OwnerKind.COMMUNITY_RESOURCE: ("月2回の参加を見守る", "声かけと見守りを行う", "食事の機会を提供する"),
    PlanAction.OwnerKind.FAMILY: ("週末に様子を見に来る", "通院に付き添う", "家計の管理を手伝う"),
}
RECORD_KINDS = (
    (SupportRecord.Kind.PHONE, 36),
    (SupportRecord.Kind.VISIT, 28),
    (SupportRecord.Kind.MEETING, 14),
    (SupportRecord.Kind.ACCOMPANIMENT, 10),
    (SupportRecord.Kind.OTHER, 12),
)
RECORD_TEXT: dict[str, tuple[str, ...]] = {
    SupportRecord.Kind.PHONE: (
        "本人に電話。体調は変わりないとのこと。",
        "家族と電話で今後の支援を相談。",
        "関係機関と電話で情報共有。",
    ),
    SupportRecord.Kind.VISIT: (
        "自宅訪問。室内の様子を確認し、困りごとを聞いた。",
        "訪問。前回からの変化を確認。",
        "訪問したが不在。不在票を投函。",
    ),
    SupportRecord.Kind.MEETING: ("関係機関とケース会議。役割分担を確認。", "本人・家族と面談し、プランを説明。"),
    SupportRecord.Kind.ACCOMPANIMENT: ("市役所での手続きに同行。", "受診に同行。医師の説明を一緒に聞いた。"),
    SupportRecord.Kind.OTHER: ("申請書類を作成し提出。", "民生委員から近況の報告を受けた。"),
}


def pick[T](rng: random.Random, weighted: Sequence[tuple[T, int]]) -> T:
    choices, weights = zip(*weighted, strict=True)
    chosen: T = rng.choices(choices, weights=weights)[0]
    return chosen


@dataclass
class ReferralPlan:
    row: Row
    steps: list[tuple[str, dt.datetime, int | None, int, str, str]]  # to, at, by, organisation, reason code, note
    consent_person: int | None = None

    @property
    def status(self) -> str:
        return self.steps[-1][0]

    @property
    def last_at(self) -> dt.datetime:
        return self.steps[-1][1]

    def at(self, status: str) -> dt.datetime | None:
        return next((at for to, at, *_rest in self.steps if to == status), None)


@dataclass
class CasePlan:
    row: Row
    block: int
    categories: set[str]
    intakes: list[Row]
    focus: list[int]
    consent_methods: dict[int, str]
    team: dict[int, tuple[dt.datetime, int | None]] = field(default_factory=dict)  # org → (joined, added by)
    named: list[tuple[int, int, dt.datetime]] = field(default_factory=list)  # org, user, joined
    leads: list[tuple[int | None, int, dt.datetime, int | None, str]] = field(default_factory=list)
    statuses: list[tuple[str, dt.datetime, int | None]] = field(default_factory=list)
    referrals: list[ReferralPlan] = field(default_factory=list)
    via_conference: list[int] = field(default_factory=list)  # indexes into leads
    story: str = ""

    @property
    def id(self) -> int:
        return int(self.row["id"])

    @property
    def status(self) -> str:
        return self.statuses[-1][0]

    def reached(self, status: str) -> dt.datetime | None:
        return next((at for s, at, _u in self.statuses if s == status), None)

    @property
    def lead(self) -> int:
        return self.leads[-1][1]

    @property
    def end(self) -> dt.datetime | None:
        return self.reached(CS.CLOSED) if self.status == CS.CLOSED else None

    def join(self, organisation: int, at: dt.datetime, by: int | None) -> None:
        if organisation not in self.team:
            self.team[organisation] = (at, by)


class Casework:
    """Plans and writes what happened after the intakes."""

    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        self.ref = gen.ref
        self.rng = random.Random(f"{gen.seed}:casework")
        self.tz = gen.tz
        # The end of yesterday: nothing generated happens today, so the same seed gives the same rows all day.
        self.horizon = dt.datetime.combine(gen.today, dt.time(0, 0), tzinfo=self.tz) - dt.timedelta(minutes=1)
        self.policy = routing_policy()
        self.timers = referral_timers()
        self.orgs = {org.pk: org for org in self.ref.organisations}
        self.coordination = [org.pk for org in self.ref.by_type.get("coordination_section", [])]
        coordinator = gen.demo_users.get("coordinator")
        anyone = next((users[0] for users in gen.staff_of.values() if users), None)
        self.fallback_user = coordinator.pk if coordinator is not None else anyone
        self.category_labels: dict[str, str] = {}
        self.cases: list[CasePlan] = []
        self.referrals: list[ReferralPlan] = []
        self.loose_records: list[Row] = []
        self.plan_rows: list[Row] = []
        self.revision_rows: list[Row] = []
        self.action_rows: list[Row] = []
        self.record_rows: list[Row] = []
        self.assessment_rows: list[Row] = []
        self.consent_rows: list[Row] = []
        self.consent_orgs: list[Row] = []
        self.consents_of: dict[int, tuple[int, dt.date, set[int]]] = {}  # person → (consent id, given on, orgs)
        self.conference_rows: list[Row] = []
        self.participant_rows: list[Row] = []
        self.agenda_rows: list[Row] = []
        self.decision_rows: list[Row] = []
        self.request_rows: list[Row] = []
        self.inbox_rows: list[Row] = []
        self.ids = {
            model: next_id(model)
            for model in (Case, Referral, SupportPlan, PlanRevision, Consent, Conference, Assessment)
        }

    # --- small helpers ---------------------------------------------------------------

    def new_id(self, model: type[Any]) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def user(self, organisation: int) -> int | None:
        return self.gen.staff_user(self.rng, self.orgs[organisation]) or self.fallback_user

    def later(self, start: dt.datetime, low_hours: float, high_hours: float) -> dt.datetime:
        """A moment ``low``–``high`` hours after ``start``, moved into office hours on a weekday."""
        moment = start + dt.timedelta(hours=self.rng.uniform(low_hours, high_hours))
        local = moment.astimezone(self.tz)
        if local.hour < 9 or local.hour >= 18 or local.weekday() >= 5:  # noqa: PLR2004
            day = local.date() + dt.timedelta(days=1 if local.hour >= 18 else 0)  # noqa: PLR2004
            while day.weekday() >= 5:  # noqa: PLR2004
                day += dt.timedelta(days=1)
            minute = self.rng.randrange(9 * 60, 17 * 60 + 30)
            local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=self.tz)
        return max(local, start + dt.timedelta(minutes=5))

    def local_org(self, block: int, agency_type: str) -> int | None:
        if not self.ref.has(agency_type):
            return None
        return self.ref.local(block, agency_type)[0].pk

    def title_of(self, name: str, categories: set[str]) -> str:
        labels = [self.category_labels.get(code, code) for code in sorted(categories)][:3]
        return f"{name} {'・'.join(labels)}"[:200]

    # --- referrals ------------------------------------------------------------------

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
                "kind": InboxItem.Kind.REFERRAL_RECEIVED,
                "title": (
                    gettext("Referral #%(id)s from %(organisation)s")
                    % {"id": row["id"], "organisation": self.orgs[row["from_organisation_id"]].name}
                )[:200],
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
                        "kind": InboxItem.Kind.REFERRAL_ESCALATED,
                        "title": (
                            gettext("Referral #%(id)s nobody accepted (%(why)s)")
                            % {"id": row["id"], "why": gettext("declined twice")}
                        )[:200],
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

    # --- cases ----------------------------------------------------------------------

    def open_case(
        self,
        *,
        household: HouseholdPlan,
        home_id: int,
        members: list[int],
        intakes: list[Row],
        opened_at: dt.datetime,
        opener: int,
        opener_user: int | None,
        lead: int,
        title: str,
    ) -> CasePlan:
        categories = {code for row in intakes for code in self.gen.intake_categories.get(row["id"], ())}
        focus = list(dict.fromkeys(row["person_id"] for row in intakes if row["person_id"] is not None))
        consent = {row["person_id"]: row["consent_status"] for row in intakes if row["person_id"] is not None}
        case = CasePlan(
            row={
                "id": self.new_id(Case),
                "household_id": home_id,
                "title": title,
                "opened_at": opened_at,
                "is_multi_issue": is_multi_issue(categories, policy=self.policy),
                "created_by_id": opener_user,
                "created_at": opened_at,
            },
            block=household.block_index,
            categories=categories,
            intakes=intakes,
            focus=focus or members[:1],
            consent_methods=consent,
            story=household.story,
        )
        case.join(opener, opened_at, opener_user)
        case.join(lead, opened_at, opener_user)
        if opener_user is not None:
            case.named.append((opener, opener_user, opened_at))
        case.leads.append((None, lead, opened_at, opener_user, gettext("Lead when the case was opened.")))
        case.statuses.append((CS.INTAKE, opened_at, opener_user))
        self.cases.append(case)
        return case

    def advance(self, case: CasePlan, path: Sequence[tuple[str, float, float]]) -> None:
        """Move the case along ``(status, lowest days, highest days)`` steps, cut at the present."""
        moment = case.statuses[-1][1]
        for status, low, high in path:
            moment = self.later(moment, low * 24, high * 24)
            if status == CS.CLOSED:
                open_referrals = [r for r in case.referrals if r.status not in FINAL_STATES]
                if open_referrals:
                    return
                moment = max([moment, *(self.later(r.last_at, 24, 24 * 10) for r in case.referrals)])
            if moment > self.horizon:
                return
            case.statuses.append((status, moment, self.user(case.lead)))

    def change_lead(self, case: CasePlan, to_org: int, at: dt.datetime, reason: str) -> None:
        by = self.user(to_org)
        case.join(to_org, at, by)
        case.leads.append((case.lead, to_org, at, by, reason))

    def plan_cases(self) -> None:
        rng = self.rng
        total_intakes = sum(len(rows) for *_x, rows in self.gen.written)
        wanted = round(total_intakes * CASES_PER_INTAKE)
        candidates: list[tuple[int, int]] = []
        for index, (household, _home, _members, rows) in enumerate(self.gen.written):
            if household.story or not rows:
                continue
            responses = {row["first_response"] for row in rows}
            if "open_case" in responses:
                candidates.append((0, index))
            elif "connect" in responses and len(rows) > 1:
                candidates.append((1, index))
        rng.shuffle(candidates)
        candidates.sort(key=lambda c: c[0])
        for _priority, index in candidates[:wanted]:
            self.plan_case(index)

    def plan_case(self, index: int) -> None:
        rng = self.rng
        household, home_id, members, rows = self.gen.written[index]
        useful = [r for r in rows if r["first_response"] != "information_only" and r["person_id"] is not None]
        trigger = next((r for r in useful if r["first_response"] == "open_case"), useful[0] if useful else None)
        if trigger is None:
            return
        opened_at = min(self.later(trigger["received_at"], 1, 24 * 6), self.horizon)
        intakes = [r for r in useful if r["received_at"] <= opened_at][-3:]
        if trigger not in intakes:
            intakes.append(trigger)
        block = household.block_index
        opener = trigger["receiving_organisation_id"]
        opener_user = trigger["received_by_id"]
        if self.orgs[opener].agency_type_id in NOT_LEAD_TYPES:
            opener = self.local_org(block, "branch_office") or opener
            opener_user = self.user(opener)
        categories = {code for row in intakes for code in self.gen.intake_categories.get(row["id"], ())}
        urgency = "emergency" if any(r["urgency_id"] == "emergency" for r in intakes) else None
        suggestion = suggest(categories, urgency=urgency, policy=self.policy)
        lead = self.local_org(block, suggestion.lead) or self.local_org(block, "csw") or opener
        case = self.open_case(
            household=household,
            home_id=home_id,
            members=members,
            intakes=intakes,
            opened_at=opened_at,
            opener=opener,
            opener_user=opener_user,
            lead=lead,
            title=self.title_of(household.name, categories),
        )
        lead_type = self.orgs[lead].agency_type_id
        # Referrals to the other agencies the policy names, from the lead.
        others = [
            t for t in suggestion.agencies if t != lead_type and t in self.ref.by_type and t not in NOT_LEAD_TYPES
        ]
        others = [t for t in others if t not in ("coordination_section", "branch_office")]
        rng.shuffle(others)
        if not others and rng.random() < 0.5:  # noqa: PLR2004
            others = [
                t for t in ("csw", "community_support_center", "volunteer_center") if t != lead_type and self.ref.has(t)
            ][:1]
        for agency_type in others[:3]:
            sent_at = self.later(opened_at, 2, 24 * 12)
            person = rng.choice(case.focus)
            basis = (
                SharingBasis.ABUSE_REPORT
                if "abuse_violence" in categories
                else SharingBasis.CONSENT
                if case.consent_methods.get(person) in CONSENTED or rng.random() < 0.7  # noqa: PLR2004
                else SharingBasis.LIFE_AND_SAFETY
            )
            self.chain(
                from_org=lead,
                to_type=agency_type,
                block=block,
                sent_at=sent_at,
                person=person,
                household=home_id,
                intake=intakes[-1],
                case=case,
                basis=basis,
            )
        # The lead moves on: from the coordination section once the crisis settles; sometimes to a team member.
        specialists = [
            (joined, org)
            for org, (joined, _by) in case.team.items()
            if org != lead and self.orgs[org].agency_type_id not in ("coordination_section", "branch_office")
        ]
        specialists.sort()
        if specialists and (lead_type == "coordination_section" or rng.random() < 0.1):  # noqa: PLR2004
            joined, org = specialists[0]
            at = self.later(joined, 24 * 8, 24 * (25 if lead_type == "coordination_section" else 120))
            if at <= self.horizon:
                reason = (
                    "緊急対応が落ち着いたため、専門機関に主導役を移す。"
                    if lead_type == "coordination_section"
                    else "支援の中心が移ったため、主導役を交代する。"
                )
                self.change_lead(case, org, at, reason)
                if rng.random() < 0.25:  # noqa: PLR2004
                    case.via_conference.append(len(case.leads) - 1)
        # The life cycle; a lead change always falls while the case is running.
        closes = rng.random() < 0.65  # noqa: PLR2004
        path: list[tuple[str, float, float]] = [(CS.ASSESSMENT, 1, 7), (CS.PLANNING, 5, 20), (CS.ACTIVE, 3, 10)]
        if rng.random() < 0.6:  # noqa: PLR2004
            path.append((CS.MONITORING, 60, 200))
        if closes:
            path.append((CS.CLOSED, 30, 150))
        self.advance(case, path)
        last_lead = case.leads[-1][2]
        if case.status == CS.CLOSED and last_lead >= case.statuses[-1][1]:
            case.statuses.pop()
        self.flags(case, suggestion.reasons)

    def flags(self, case: CasePlan, reasons: Sequence[str]) -> None:
        rng = self.rng
        declined_twice = any(r.row["earlier_declines"] >= 1 and r.status == Status.DECLINED for r in case.referrals)
        case.row["is_gap_case"] = "no_known_category" in reasons or declined_twice or rng.random() < 0.05  # noqa: PLR2004
        case.row["is_difficult"] = declined_twice or rng.random() < 0.08  # noqa: PLR2004

    def lead_requests(self) -> None:
        rng = self.rng
        for case in self.cases:
            if case.status == CS.CLOSED or case.story or rng.random() > 0.04:  # noqa: PLR2004
                continue
            others = [org for org in case.team if org != case.lead and org not in self.coordination]
            if not others:
                continue
            org = rng.choice(others)
            by = self.user(org)
            joined = case.team[org][0]
            at = max(self.later(self.horizon - dt.timedelta(days=20), 0, 24 * 18), joined + dt.timedelta(hours=1))
            if by is None or at > self.horizon:
                continue
            self.request_rows.append(
                {
                    "case_id": case.id,
                    "organisation_id": org,
                    "requested_by_id": by,
                    "requested_at": at,
                    "reason": "本人との関係ができてきたため、当機関が主導役を担いたい。",
                    "status": LeadRequest.Status.PENDING,
                }
            )

    # --- consents -------------------------------------------------------------------

    def plan_consents(self) -> None:
        """One consent for each person referred on the consent basis; its scope, the organisations involved."""
        wanted: dict[int, tuple[dt.date, set[int], int, str]] = {}
        case_of: dict[int, CasePlan] = {}
        for case in self.cases:
            for plan in case.referrals:
                case_of[plan.row["id"]] = case
        for plan in self.referrals:
            person = plan.consent_person
            if person is None:
                continue
            found = case_of.get(plan.row["id"])
            orgs = {plan.row["from_organisation_id"], plan.row["to_organisation_id"]}
            method = "written"
            given = plan.row["sent_at"]
            if found is not None:
                orgs |= set(found.team)
                given = min(given, found.row["opened_at"])
                method = found.consent_methods.get(person, "oral")
            if person in wanted:
                old_given, old_orgs, recorder, old_method = wanted[person]
                wanted[person] = (min(old_given, given.date()), old_orgs | orgs, recorder, old_method)
            else:
                recorder = plan.row["from_organisation_id"]
                wanted[person] = (given.date(), orgs, recorder, "written" if method == "written" else "oral")
        for person, (given_on, orgs, recorder, method) in sorted(wanted.items()):
            consent_id = self.new_id(Consent)
            by = self.user(recorder)
            self.consent_rows.append(
                {
                    "id": consent_id,
                    "person_id": person,
                    "given_on": given_on,
                    "method": method,
                    "witness": "" if method == "written" else "同席した職員",
                    "given_by": "person",
                    "purpose": "関係機関で情報を共有し、支援を受けるため。",
                    "policy_explained": True,
                    "scope_information": ["basic", "family", "history"],
                    "recorded_by_id": by,
                    "recorded_by_organisation_id": recorder,
                    "created_at": dt.datetime.combine(given_on, dt.time(16, 0), tzinfo=self.tz),
                }
            )
            self.consent_orgs.extend({"consent_id": consent_id, "organisation_id": org} for org in sorted(orgs))
            self.consents_of[person] = (consent_id, given_on, orgs)

    # --- support ----------------------------------------------------------------------

    def plan_support(self, case: CasePlan) -> None:
        rng = self.rng
        assessed = case.reached(CS.ASSESSMENT)
        if assessed is None:
            return
        domains = sorted({DOMAINS_OF_CATEGORY.get(code, "family") for code in case.categories} | {"social_ties"})
        for person in case.focus:
            for domain in domains[:5]:
                on = min(assessed + dt.timedelta(days=rng.randrange(0, 8)), self.horizon)
                by = self.user(case.lead)
                self.assessment_rows.append(
                    {
                        "id": self.new_id(Assessment),
                        "case_id": case.id,
                        "person_id": person,
                        "domain": domain,
                        "situation": rng.choice(SITUATION[domain]),
                        "strengths": rng.choice(STRENGTHS),
                        "wishes_in_own_words": rng.choice(WISHES),
                        "assessed_on": on.date(),
                        "created_by_id": by,
                        "updated_by_id": by,
                        "created_at": on,
                        "updated_at": on,
                        "version": 1,
                    }
                )
        planned = case.reached(CS.PLANNING)
        if planned is not None and case.story != "p8050":
            self.support_plan(case, planned)

    def support_plan(
        self, case: CasePlan, planned: dt.datetime, revisions: list[tuple[dt.datetime, str]] | None = None
    ) -> None:
        """A plan with 1–3 revisions, each with its actions; the current one's review and due dates mostly ahead."""
        rng = self.rng
        end = case.end or self.horizon
        running = case.status in (CS.ACTIVE, CS.MONITORING)
        if revisions is None:
            first = self.later(planned, 2, 24 * 5)
            if first > self.horizon:
                return
            revisions = [(first, "")]
            while len(revisions) < 3 and rng.random() < 0.55:  # noqa: PLR2004
                nxt = self.later(revisions[-1][0], 24 * 75, 24 * 160)
                if nxt >= end:
                    break
                revisions.append((nxt, rng.choice(("定期見直し", "状況の変化を受けて", "支援会議の決定を受けて"))))
        plan_id = self.new_id(SupportPlan)
        lead_by = self.user(case.lead)
        self.plan_rows.append(
            {
                "id": plan_id,
                "case_id": case.id,
                "current_number": len(revisions),
                "created_by_id": lead_by,
                "updated_by_id": lead_by,
                "created_at": revisions[0][0],
                "updated_at": revisions[-1][0],
                "version": len(revisions),
            }
        )
        team = sorted(case.team)
        actions: list[Row] = []
        for number, (created, reason) in enumerate(revisions, start=1):
            current = number == len(revisions)
            revision_id = self.new_id(PlanRevision)
            review = created.date() + dt.timedelta(days=rng.randrange(60, 150))
            if current and running:
                review = max(review, self.gen.today + dt.timedelta(days=rng.randrange(-25, 150)))
            self.revision_rows.append(
                {
                    "id": revision_id,
                    "plan_id": plan_id,
                    "number": number,
                    "goals": rng.choice(GOALS),
                    "review_on": review,
                    "person_agreed": True,
                    "agreed_on": created.date(),
                    "agreement_how": rng.choice(("面談で説明し、口頭で同意", "プランに署名")),
                    "reason": reason,
                    "created_at": created,
                    "created_by_id": self.user(case.lead),
                }
            )
            # Earlier actions carry over (finished ones marked done); one or two new ones each time.
            carried = [dict(a) for a in actions if a["status"] in ("planned", "in_progress")]
            for action in carried:
                action["status"] = "done" if rng.random() < 0.6 else "in_progress"  # noqa: PLR2004
            new = rng.randint(2, 3) if number == 1 else rng.randint(1, 2)
            key = max((a["key"] for a in actions), default=0)
            for _ in range(new):
                key += 1
                carried.append(self.action(case, team, key, created))
            actions = carried
            for action in actions:
                if not current and action["status"] == "planned":
                    action["status"] = "in_progress"
                row = dict(action, revision_id=revision_id)
                if current:
                    row["status"] = self.current_status(case, row)
                    if row["status"] in ("planned", "in_progress") and running:
                        overdue = rng.random() < 0.06  # noqa: PLR2004
                        row["due_on"] = self.gen.today + dt.timedelta(
                            days=-rng.randrange(1, 20) if overdue else rng.randrange(3, 90)
                        )
                self.action_rows.append(row)

    def current_status(self, case: CasePlan, action: Row) -> str:
        if case.status == CS.CLOSED:
            return "done" if self.rng.random() < 0.85 else "dropped"  # noqa: PLR2004
        status: str = action["status"]
        return status

    def action(self, case: CasePlan, team: list[int], key: int, created: dt.datetime) -> Row:
        rng = self.rng
        kind = pick(
            rng,
            (
                (PlanAction.OwnerKind.ORGANISATION, 40),
                (PlanAction.OwnerKind.STAFF, 25),
                (PlanAction.OwnerKind.COMMUNITY_RESOURCE, 20),
                (PlanAction.OwnerKind.FAMILY, 15),
            ),
        )
        org = rng.choice(team)
        row: Row = {
            "key": key,
            "owner_kind": kind,
            "owner_organisation_id": None,
            "owner_user_id": None,
            "owner_text": "",
            "what": rng.choice(ACTIONS_OF_OWNER[kind]),
            "due_on": created.date() + dt.timedelta(days=rng.randrange(14, 90)),
            "status": pick(rng, (("planned", 45), ("in_progress", 55))),
        }
        if kind == PlanAction.OwnerKind.ORGANISATION:
            row["owner_organisation_id"] = org
        elif kind == PlanAction.OwnerKind.STAFF:
            row["owner_organisation_id"] = org
            row["owner_user_id"] = self.user(org)
        elif kind == PlanAction.OwnerKind.COMMUNITY_RESOURCE:
            row["owner_text"] = rng.choice(COMMUNITY_RESOURCES)
        else:
            row["owner_text"] = rng.choice(FAMILY_OWNERS)
        return row

    def plan_records(self, case: CasePlan) -> None:
        """Dated entries from opening to closing (or now); a few running cases have gone quiet."""
        rng = self.rng
        start = case.row["opened_at"]
        end = case.end or self.horizon
        running = case.status in (CS.ACTIVE, CS.MONITORING)
        quiet = running and not case.story and rng.random() < QUIET_SHARE
        if quiet:
            end = min(end, self.horizon - dt.timedelta(days=rng.randrange(35, 80)))
        days = max(1, (end - start).days)
        count = max(1, min(24, round(days / RECORD_EVERY_DAYS * rng.uniform(0.6, 1.4))))
        moments = sorted(
            start + dt.timedelta(seconds=rng.uniform(0, (end - start).total_seconds())) for _ in range(count)
        )
        if running and not quiet:
            moments.append(self.horizon - dt.timedelta(days=rng.randrange(2, 25), hours=rng.randrange(0, 8)))
        for moment in moments:
            at = self.later(moment, 0, 1)
            if at > self.horizon or at < start:
                continue
            self.record(case, at, pick(rng, RECORD_KINDS))

    def record(self, case: CasePlan, at: dt.datetime, kind: str, summary: str = "", org: int | None = None) -> None:
        rng = self.rng
        members = [o for o, (joined, _by) in case.team.items() if joined <= at] or [case.lead]
        organisation = (
            org
            if org is not None
            else (case.lead if rng.random() < 0.6 or case.lead not in members else rng.choice(members))
        )  # noqa: PLR2004
        self.record_rows.append(
            {
                "household_id": case.row["household_id"],
                "case_id": case.id,
                "kind": kind,
                "occurred_at": at,
                "summary": summary or rng.choice(RECORD_TEXT[kind]),
                "organisation_id": organisation,
                "recorded_by_id": self.user(organisation),
                "created_at": at + dt.timedelta(minutes=rng.randrange(10, 240)),
            }
        )

    # --- conferences -------------------------------------------------------------------

    def conference(
        self,
        *,
        held: dt.datetime,
        kind: str,
        convener: int,
        agenda: list[CasePlan],
        title: str,
        minutes: str,
    ) -> int:
        conference_id = self.new_id(Conference)
        by = self.user(convener)
        created = held - dt.timedelta(days=7)
        statutory = kind == Conference.Kind.SUPPORT_CONFERENCE_106_6
        participants = {convener}
        for case in agenda:
            participants |= {org for org, (joined, _b) in case.team.items() if joined <= held}
        self.conference_rows.append(
            {
                "id": conference_id,
                "held_on": held.date(),
                "kind": kind,
                "is_statutory_106_6": statutory,
                "title": title,
                "convened_by_id": convener,
                "minutes": minutes,
                "confidentiality_note": "社会福祉法第106条の6第5項の守秘義務を確認した。"
                if statutory
                else "本人の同意の範囲で共有。",
                "created_by_id": by,
                "updated_by_id": by,
                "created_at": created,
                "updated_at": held,
                "version": 1,
            }
        )
        self.participant_rows.extend(
            {"conference_id": conference_id, "organisation_id": o} for o in sorted(participants)
        )
        for case in agenda:
            consent_ids = sorted(
                {self.consents_of[p][0] for p in case.focus if p in self.consents_of}
                if kind == Conference.Kind.MULTI_LAYERED
                else set()
            )
            self.agenda_rows.append(
                {
                    "conference_id": conference_id,
                    "case_id": case.id,
                    "consent_checked": kind == Conference.Kind.MULTI_LAYERED,
                    "consent_ids": consent_ids,
                    "added_at": created,
                    "added_by_id": by,
                }
            )
        return conference_id

    def decision(
        self,
        conference_id: int,
        case: CasePlan,
        kind: str,
        details: str,
        *,
        at: dt.datetime,
        by: int | None,
        target: int | None = None,
        confirmed: bool = True,
    ) -> None:
        self.decision_rows.append(
            {
                "conference_id": conference_id,
                "case_id": case.id,
                "kind": kind,
                "target_organisation_id": target,
                "details": details,
                "status": ConferenceDecision.Status.CONFIRMED if confirmed else ConferenceDecision.Status.PROPOSED,
                "applied_at": at if confirmed else None,
                "applied_by_id": by if confirmed else None,
                "created_at": at - dt.timedelta(minutes=30),
                "created_by_id": by,
            }
        )

    def running_on(self, case: CasePlan, at: dt.datetime) -> bool:
        assessed = case.reached(CS.ASSESSMENT)
        return assessed is not None and assessed <= at and (case.end is None or case.end > at)

    def plan_conferences(self) -> None:
        rng = self.rng
        wanted = max(1, round(len(self.cases) / CASES_PER_CONFERENCE))
        made = 0
        runnable = [case for case in self.cases if case.reached(CS.ASSESSMENT) and not case.story]
        # First the meetings that moved a lead: the decision and the LeadChange are one event.
        for case in self.cases:
            for index in case.via_conference:
                previous, new_lead, at, by, _reason = case.leads[index]
                convener = self.coordination[0] if self.coordination else new_lead
                others = [
                    c for c in rng.sample(runnable, min(20, len(runnable))) if c is not case and self.running_on(c, at)
                ][:2]
                conference_id = self.conference(
                    held=at,
                    kind=Conference.Kind.SUPPORT_CONFERENCE_106_6,
                    convener=convener,
                    agenda=[case, *others],
                    title=f"支援会議({at.astimezone(self.tz):%m月%d日})",
                    minutes="各機関の支援状況を共有し、役割分担と主導役を確認した。",
                )
                self.decision(
                    conference_id,
                    case,
                    ConferenceDecision.Kind.LEAD_CHANGE,
                    f"主導役を{self.orgs[new_lead].name}に変更する"
                    f"(前任: {self.orgs[previous].name if previous else '—'})。",
                    at=at,
                    by=by,
                    target=new_lead,
                )
                for other in others:
                    self.other_decisions(conference_id, other, at)
                made += 1
        attempts = 0
        while made < wanted and runnable and attempts < wanted * 20:
            attempts += 1
            case = rng.choice(runnable)
            start = case.reached(CS.ASSESSMENT)
            if start is None:
                continue
            end = case.end or self.horizon
            held = self.later(start + (end - start) * rng.random(), 0, 1)
            if held > end or held > self.horizon:
                continue
            consent = [self.consents_of.get(p) for p in case.focus]
            team = {org for org, (joined, _b) in case.team.items() if joined <= held}
            covered = all(c is not None and c[1] <= held.date() and team <= c[2] for c in consent) and bool(consent)
            if covered and rng.random() < 0.3:  # noqa: PLR2004
                conference_id = self.conference(
                    held=held,
                    kind=Conference.Kind.MULTI_LAYERED,
                    convener=case.lead if case.lead in team else min(team),
                    agenda=[case],
                    title=f"重層的支援会議({held.astimezone(self.tz):%m月%d日})",
                    minutes="本人の同意のもと、関係機関で支援の方向性を話し合った。",
                )
                self.other_decisions(conference_id, case, held)
            else:
                others = [
                    c
                    for c in rng.sample(runnable, min(20, len(runnable)))
                    if c is not case and self.running_on(c, held)
                ][: rng.randint(0, 3)]
                convener = self.coordination[0] if self.coordination and rng.random() < 0.7 else case.lead  # noqa: PLR2004
                conference_id = self.conference(
                    held=held,
                    kind=Conference.Kind.SUPPORT_CONFERENCE_106_6,
                    convener=convener,
                    agenda=[case, *others],
                    title=f"支援会議({held.astimezone(self.tz):%m月%d日})",
                    minutes="支援の経過を共有し、今後の役割分担を確認した。",
                )
                for item in (case, *others):
                    self.other_decisions(conference_id, item, held)
            made += 1

    def other_decisions(self, conference_id: int, case: CasePlan, at: dt.datetime) -> None:
        rng = self.rng
        by = self.user(case.lead)
        for _ in range(rng.randint(0, 2)):
            kind = pick(
                rng,
                (
                    (ConferenceDecision.Kind.PLAN_CHANGE, 50),
                    (ConferenceDecision.Kind.OTHER, 35),
                    (ConferenceDecision.Kind.NEW_REFERRAL, 15),
                ),
            )
            details = {
                ConferenceDecision.Kind.PLAN_CHANGE: "プランの訪問頻度を見直す。",
                ConferenceDecision.Kind.OTHER: "次回の会議で経過を確認する。",
                ConferenceDecision.Kind.NEW_REFERRAL: "新たな機関へのつなぎを検討する。",
            }[kind]
            self.decision(
                conference_id, case, kind, details, at=at, by=by, confirmed=kind != ConferenceDecision.Kind.NEW_REFERRAL
            )

    # --- referrals without a case --------------------------------------------------------

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

    # --- everything -----------------------------------------------------------------

    def plan(self) -> None:
        from tsunagiai.demo.story_casework import plan_story_casework
        from tsunagiai.reference.models import IssueCategory

        self.category_labels = dict(IssueCategory.objects.values_list("code", "label"))
        self.plan_cases()
        plan_story_casework(self)
        self.plan_loose_referrals()
        self.plan_consents()
        for case in self.cases:
            if case.story:
                continue
            self.plan_support(case)
            self.plan_records(case)
        self.plan_conferences()
        self.lead_requests()

    def case_rows(self) -> tuple[list[Row], list[Row], list[Row], list[Row], list[Row], list[Row]]:
        cases: list[Row] = []
        teams: list[Row] = []
        leads: list[Row] = []
        statuses: list[Row] = []
        focus: list[Row] = []
        intakes: list[Row] = []
        for case in self.cases:
            row = dict(case.row)
            last_status, last_at, last_by = case.statuses[-1]
            last_lead = case.leads[-1]
            updated = max(last_at, last_lead[2])
            row.update(
                status=last_status,
                lead_organisation_id=last_lead[1],
                lead_since=last_lead[2],
                closed_at=last_at if last_status == CS.CLOSED else None,
                updated_by_id=last_by if updated == last_at else last_lead[3],
                updated_at=updated,
                version=len(case.statuses) + len(case.leads) - 1,
            )
            cases.append(row)
            for org, (joined, by) in sorted(case.team.items(), key=lambda item: (item[1][0], item[0])):
                role = ""
                if any(r.row["to_organisation_id"] == org and r.at(Status.ACCEPTED) for r in case.referrals):
                    role = "紹介を受諾"
                teams.append(
                    {"case_id": case.id, "organisation_id": org, "joined_at": joined, "added_by_id": by, "role": role}
                )
            teams.extend(
                {"case_id": case.id, "organisation_id": org, "user_id": user, "joined_at": joined, "added_by_id": user}
                for org, user, joined in case.named
            )
            leads.extend(
                {
                    "case_id": case.id,
                    "from_organisation_id": a,
                    "to_organisation_id": b,
                    "changed_at": at,
                    "changed_by_id": by,
                    "reason": reason,
                }
                for a, b, at, by, reason in case.leads
            )
            previous = ""
            for status, at, by in case.statuses:
                statuses.append(
                    {
                        "case_id": case.id,
                        "from_status": previous,
                        "to_status": status,
                        "changed_at": at,
                        "changed_by_id": by,
                    }
                )
                previous = status
            focus.extend({"case_id": case.id, "person_id": p} for p in case.focus)
            intakes.extend({"case_id": case.id, "intake_id": r["id"]} for r in case.intakes)
        return cases, teams, leads, statuses, focus, intakes

    def write(self) -> dict[str, int]:
        with translation.override("ja"):
            self.plan()
            cases, teams, leads, statuses, focus, intakes = self.case_rows()
        events = [
            {
                "referral_id": plan.row["id"],
                "from_status": plan.steps[i - 1][0] if i else "",
                "to_status": to,
                "at": at,
                "by_id": by,
                "organisation_id": org,
                "reason_code": code,
                "note": note,
            }
            for plan in self.referrals
            for i, (to, at, by, org, code, note) in enumerate(plan.steps)
        ]
        TableWriter(Case).insert(cases)
        TableWriter(Case.focus_members.through, with_pk=False).insert(focus)
        TableWriter(Case.intakes.through, with_pk=False).insert(intakes)
        TableWriter(TeamMember, with_pk=False).insert(teams)
        TableWriter(LeadChange, with_pk=False).insert(leads)
        TableWriter(CaseStatusChange, with_pk=False).insert(statuses)
        TableWriter(LeadRequest, with_pk=False).insert(self.request_rows)
        referrals = sorted((plan.row for plan in self.referrals), key=lambda r: r["id"])
        TableWriter(Referral).insert(referrals)
        TableWriter(ReferralEvent, with_pk=False).insert(events)
        TableWriter(Consent).insert(self.consent_rows)
        TableWriter(Consent.scope_organisations.through, with_pk=False).insert(self.consent_orgs)
        TableWriter(Assessment).insert(self.assessment_rows)
        TableWriter(SupportPlan).insert(self.plan_rows)
        TableWriter(PlanRevision).insert(self.revision_rows)
        TableWriter(PlanAction, with_pk=False).insert(self.action_rows)
        TableWriter(SupportRecord, with_pk=False).insert(self.record_rows)
        TableWriter(Conference).insert(self.conference_rows)
        TableWriter(Conference.participating_organisations.through, with_pk=False).insert(self.participant_rows)
        TableWriter(ConferenceCase, with_pk=False).insert(self.agenda_rows)
        TableWriter(ConferenceDecision, with_pk=False).insert(self.decision_rows)
        TableWriter(InboxItem, with_pk=False).insert(self.inbox_rows)
        models: list[type[Any]] = [Case, Referral, Consent, Assessment, SupportPlan, PlanRevision, Conference]
        reset_sequences(*models)
        analyze(*models, TeamMember, LeadChange, ReferralEvent, PlanAction, SupportRecord, ConferenceCase, InboxItem)
        return {
            "referrals": len(referrals),
            "referral_events": len(events),
            "cases": len(cases),
            "lead_changes": len(leads),
            "lead_requests": len(self.request_rows),
            "consents": len(self.consent_rows),
            "assessments": len(self.assessment_rows),
            "support_plans": len(self.plan_rows),
            "plan_revisions": len(self.revision_rows),
            "plan_actions": len(self.action_rows),
            "support_records": len(self.record_rows),
            "conferences": len(self.conference_rows),
            "conference_decisions": len(self.decision_rows),
        }
