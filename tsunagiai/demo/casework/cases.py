"""Cases, their teams and leads (主導役), status changes, flags and lead requests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from tsunagiai.cases.models import Case, LeadRequest
from tsunagiai.reference.routing import is_multi_issue, suggest
from tsunagiai.referrals.models import FINAL_STATES, SharingBasis, Status

if TYPE_CHECKING:
    from tsunagiai.demo.plans import HouseholdPlan

from tsunagiai.demo.casework.base import CONSENTED, CS, NOT_LEAD_TYPES, CasePlan, Row
from tsunagiai.demo.casework.referrals import ReferralWork

CASES_PER_INTAKE = 1 / 16


class CaseWork(ReferralWork):
    """Plans cases from the intakes; a case's referrals come from ``ReferralWork``."""

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
