"""Assessments, support plans with their revisions and actions, and support records (経過記録)."""

from __future__ import annotations

import datetime as dt

from tsunagiai.demo.casework.base import CS, CasePlan, CaseworkBase, Row, pick
from tsunagiai.support.models import (
    Assessment,
    PlanAction,
    PlanRevision,
    SupportPlan,
    SupportRecord,
)

RECORD_EVERY_DAYS = 30

QUIET_SHARE = 0.08

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


class SupportWork(CaseworkBase):
    """Plans the accompaniment of each case."""

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
