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

The planner is split by what it generates: ``referrals``, ``cases`` (teams, leads),
``consents``, ``support`` (assessments, plans, records) and ``conferences``; this module
puts them together, plans in their order and writes the rows.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation

from tsunagiai.cases.models import Case, CaseStatusChange, LeadChange, LeadRequest, TeamMember
from tsunagiai.consent.models import Consent
from tsunagiai.demo.bulk import TableWriter, analyze, reset_sequences
from tsunagiai.demo.casework.base import CasePlan, ReferralPlan
from tsunagiai.demo.casework.cases import CaseWork
from tsunagiai.demo.casework.conferences import ConferenceWork
from tsunagiai.demo.casework.consents import ConsentWork
from tsunagiai.demo.casework.support import SupportWork
from tsunagiai.inbox.models import InboxItem
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

__all__ = ["CasePlan", "Casework", "ReferralPlan"]


class Casework(CaseWork, ConsentWork, SupportWork, ConferenceWork):
    """Plans and writes what happened after the intakes."""

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
