"""Case conferences (支援会議・重層的支援会議): participants, the cases discussed and the decisions."""

from __future__ import annotations

import datetime as dt

from tsunagiai.demo.casework.base import CS, CasePlan, CaseworkBase, pick
from tsunagiai.support.models import (
    Conference,
    ConferenceDecision,
)

CASES_PER_CONFERENCE = 16


class ConferenceWork(CaseworkBase):
    """Plans conferences; a 重層的支援会議 only discusses cases whose consent covers every participant."""

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
