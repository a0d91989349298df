"""The demo's referrals, cases, plans, records, consents and conferences: consistent, repeatable, swept."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tsunagiai.cases.models import Case, LeadChange, TeamMember
from tsunagiai.consent.models import Consent
from tsunagiai.inbox.models import InboxItem
from tsunagiai.referrals.models import FINAL_STATES, TRANSITIONS, Referral, ReferralEvent, SharingBasis, Status
from tsunagiai.support.models import (
    Conference,
    ConferenceCase,
    ConferenceDecision,
    PlanAction,
    PlanRevision,
    SupportRecord,
)

SIZE = ("--people", "400", "--intakes", "300")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("demo_data", *SIZE, *args, stdout=out)
    return out.getvalue()


def test_every_referral_walks_a_legal_path_with_times_in_order(town):
    run()

    referrals = list(Referral.objects.all())
    assert len(referrals) >= 20
    events: dict[int, list[ReferralEvent]] = {}
    for event in ReferralEvent.objects.order_by("at", "id"):
        events.setdefault(event.referral_id, []).append(event)
    for referral in referrals:
        path = events[referral.pk]
        assert path[0].from_status == "" and path[0].to_status == Status.SENT
        assert path[0].at == referral.sent_at
        for before, after in zip(path, path[1:], strict=False):
            assert (after.from_status, after.to_status) in TRANSITIONS
            assert before.to_status == after.from_status
            assert before.at <= after.at
        assert path[-1].to_status == referral.status
        assert referral.version == len(path)
        if referral.status in FINAL_STATES:
            assert referral.closed_at == path[-1].at
        if referral.status in (Status.DECLINED, Status.FAILED, Status.CANCELLED):
            assert referral.close_reason_code and path[-1].reason_code
        if referral.status == Status.COMPLETED:
            assert referral.outcome_code and referral.outcome_text
    statuses = {r.status for r in referrals}
    assert {Status.COMPLETED, Status.DECLINED, Status.IN_PROGRESS} <= statuses
    for referral in Referral.objects.filter(previous__isnull=False).select_related("previous"):
        assert referral.previous is not None and referral.previous.status == Status.DECLINED
    # Each referral's inbox items are about it, so the inbox names the person (issue 16, item 5).
    referral_items = InboxItem.objects.filter(kind__startswith="referral_")
    assert referral_items.exists()
    assert {item.subject for item in referral_items} <= set(referrals)


def test_accepted_recipients_are_on_the_team_and_the_lead_is_the_last_change(town):
    run()

    teams: dict[int, set[int]] = {}
    for case_id, org_id in TeamMember.objects.values_list("case_id", "organisation_id"):
        teams.setdefault(case_id, set()).add(org_id)
    accepted = Referral.objects.filter(case__isnull=False, accepted_at__isnull=False)
    assert accepted.exists()
    for referral in accepted:
        assert referral.case_id is not None
        assert referral.to_organisation_id in teams[referral.case_id]
    cases = list(Case.objects.all())
    assert len(cases) >= 10
    for case in cases:
        changes = list(LeadChange.objects.filter(case=case).order_by("changed_at", "id"))
        assert changes[0].from_organisation_id is None
        assert changes[-1].to_organisation_id == case.lead_organisation_id
        assert case.lead_since == changes[-1].changed_at
        assert case.lead_organisation_id in teams[case.pk]
        revisions = list(
            PlanRevision.objects.filter(plan__case=case).order_by("number").values_list("number", flat=True)
        )
        assert revisions == list(range(1, len(revisions) + 1))
        if revisions:
            assert case.support_plan.current_number == len(revisions)
    assert len({case.status for case in cases}) >= 4
    # Lead changes decided at a conference are the same change.
    for decision in ConferenceDecision.objects.filter(kind="lead_change"):
        assert decision.applied_at is not None
        assert LeadChange.objects.filter(
            case_id=decision.case_id, to_organisation_id=decision.target_organisation_id, changed_at=decision.applied_at
        ).exists()


def test_consent_covers_what_was_shared_on_the_consent_basis(town):
    run()

    for referral in Referral.objects.filter(sharing_basis=SharingBasis.CONSENT, person__isnull=False):
        consent = Consent.objects.get(person=referral.person)
        assert referral.to_organisation in consent.scope_organisations.all()
        assert consent.given_on <= referral.sent_at.date()
    for entry in ConferenceCase.objects.filter(conference__kind=Conference.Kind.MULTI_LAYERED):
        participants = set(entry.conference.participating_organisations.values_list("pk", flat=True))
        for consent in Consent.objects.filter(pk__in=entry.consent_ids):
            assert participants <= set(consent.scope_organisations.values_list("pk", flat=True))


def test_the_same_seed_gives_the_same_casework(town):
    def snapshot() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], list[tuple[object, ...]]]:
        return (
            list(Referral.objects.order_by("id").values_list("status", "sent_at", "to_organisation_id")),
            list(Case.objects.order_by("id").values_list("status", "lead_organisation_id", "opened_at")),
            list(SupportRecord.objects.order_by("occurred_at", "id").values_list("kind", "occurred_at", "summary")),
        )

    run("--seed", "7")
    first = snapshot()
    run("--seed", "7", "--force")
    assert snapshot() == first


def test_the_stories_continue(town):
    run()

    sugiura = Case.objects.get(household__name="杉浦さん世帯")
    referred = Referral.objects.filter(household=sugiura.household)
    assert {r.to_organisation.agency_type_id for r in referred} == {"community_support_center", "csw"}
    assert all(r.accepted_at is not None for r in referred)
    leads = list(sugiura.lead_changes.order_by("changed_at").values_list("to_organisation__agency_type_id", flat=True))
    assert leads == ["csw", "community_support_center"]
    assert ConferenceDecision.objects.filter(case=sugiura, kind="lead_change", status="confirmed").exists()
    assert sugiura.support_plan.current_number == 2
    assert PlanAction.objects.filter(
        revision__plan=sugiura.support_plan, revision__number=2, owner_text="ふれあいサロン"
    ).exists()
    assert SupportRecord.objects.filter(case=sugiura, summary__contains="ふれあいサロン").exists()

    umemura = Referral.objects.get(person__family_name="梅村")
    assert umemura.status == Status.FIRST_CONTACT
    assert umemura.from_organisation.agency_type_id == "fire_department"
    assert Case.objects.get(household__name="都築さん世帯").status != Case.Status.CLOSED
    waiting = Referral.objects.get(
        household__name="都築さん世帯", to_organisation__agency_type_id="community_support_center"
    )
    assert waiting.status == Status.SEEN
    assert not Referral.objects.filter(person__family_name="神谷").exists()
    assert not Case.objects.filter(household__name="神谷さん世帯").exists()


@pytest.mark.parametrize("command", ["sweep_referrals", "sweep_cases", "sweep_support"])
def test_the_sweeps_run_on_the_generated_data(town, command):
    run()
    before = InboxItem.objects.count()

    call_command(command, stdout=io.StringIO())

    # The generator already ran them once: a second run posts nothing twice.
    assert InboxItem.objects.count() == before


def test_force_removes_the_casework_too(town):
    run()
    count = Referral.objects.count()

    run("--force")

    assert Referral.objects.count() == count
    assert Case.objects.count() == len(set(Case.objects.values_list("household_id", "opened_at")))
