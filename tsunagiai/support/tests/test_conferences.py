"""Conferences: the legal basis decides the consent rule; confirmed decisions change the case."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tsunagiai.cases.models import Case
from tsunagiai.consent.actions import do_record_consent
from tsunagiai.reference.models import AgencyType
from tsunagiai.support.actions import (
    AgendaRefused,
    do_add_case_to_agenda,
    do_confirm_decision,
    do_create_conference,
    do_propose_decision,
)
from tsunagiai.support.models import Conference, ConferenceCase, ConferenceDecision, PlanRevision
from tsunagiai.support.tests.helpers import make_case, make_household, make_plan, members
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 4, 10, 1, tzinfo=dt.UTC)


def conference(town: Town, kind: str, orgs: tuple[str, ...] = ("branch_north", "csw", "elderly_north")) -> Conference:
    return do_create_conference(
        acting_user=town.users["coordinator"],
        convened_by=town.orgs["coordination"],
        held_on=dt.date(2026, 4, 10),
        kind=kind,
        title="4月の会議",
        participating_organisations=[town.orgs[k] for k in orgs],
    )


@time_machine.travel(NOW, tick=False)
def test_multi_layered_conference_refuses_a_case_without_consent_naming_the_missing_organisations(
    town: Town, client: Any
) -> None:
    household = make_household(town)
    case = make_case(town, household, focus=members(household))
    meeting = conference(town, Conference.Kind.MULTI_LAYERED)
    do_record_consent(
        members(household)[0],
        acting_user=town.users["caseworker_north"],
        organisation=town.orgs["branch_north"],
        given_on=dt.date(2026, 4, 1),
        method="written",
        scope_organisations=[town.orgs["csw"]],
        scope_agency_types=[AgencyType.objects.get(pk="branch_office")],
    )
    with pytest.raises(AgendaRefused) as refused:
        do_add_case_to_agenda(meeting, case, acting_user=town.users["coordinator"])
    assert {o.name for o in refused.value.missing} == {"北地域包括支援センター", "福祉総合相談課"}
    client.force_login(town.users["coordinator"])
    response = client.post(reverse("support:conference_add_case", args=[meeting.pk]), {"case_id": case.pk})
    assert response.status_code == 422
    assert "北地域包括支援センター" in response.content.decode()
    assert not ConferenceCase.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_multi_layered_conference_accepts_a_case_once_consent_covers_every_participant(town: Town) -> None:
    household = make_household(town)
    case = make_case(town, household, focus=members(household))
    meeting = conference(town, Conference.Kind.MULTI_LAYERED, orgs=("branch_north", "csw"))
    consent = do_record_consent(
        members(household)[0],
        acting_user=town.users["caseworker_north"],
        organisation=town.orgs["branch_north"],
        given_on=dt.date(2026, 4, 1),
        method="oral",
        scope_organisations=[town.orgs["csw"], town.orgs["branch_north"], town.orgs["coordination"]],
    )
    entry = do_add_case_to_agenda(meeting, case, acting_user=town.users["coordinator"])
    assert entry.consent_checked and entry.consent_ids == [consent.pk]


@time_machine.travel(NOW, tick=False)
def test_support_conference_106_6_takes_a_case_without_consent_and_shows_the_confidentiality_duty(
    town: Town, client: Any
) -> None:
    case = make_case(town, make_household(town))
    meeting = conference(town, Conference.Kind.SUPPORT_CONFERENCE_106_6)
    assert meeting.is_statutory_106_6
    client.force_login(town.users["coordinator"])
    response = client.post(reverse("support:conference_add_case", args=[meeting.pk]), {"case_id": case.pk})
    assert response.status_code == 302
    page = client.get(reverse("support:conference_detail", args=[meeting.pk])).content.decode()
    assert "守秘義務" in page
    assert ConferenceCase.objects.get().consent_checked is False


@time_machine.travel(NOW, tick=False)
def test_confirming_a_plan_change_writes_a_new_revision_with_the_decision(town: Town) -> None:
    case = make_case(town, make_household(town))
    make_plan(town, case, review_on=dt.date(2026, 7, 1), due_on=dt.date(2026, 5, 1))
    meeting = conference(town, Conference.Kind.SUPPORT_CONFERENCE_106_6)
    do_add_case_to_agenda(meeting, case, acting_user=town.users["coordinator"])
    decision = do_propose_decision(
        meeting, case, acting_user=town.users["coordinator"], kind="plan_change", details="就労支援を加える"
    )
    assert PlanRevision.objects.filter(plan__case=case).count() == 1
    confirmed = do_confirm_decision(decision, acting_user=town.users["coordinator"])
    assert confirmed.status == ConferenceDecision.Status.CONFIRMED and confirmed.applied_at is not None
    latest = PlanRevision.objects.filter(plan__case=case).order_by("-number").first()
    assert latest is not None and latest.number == 2 and "就労支援を加える" in latest.goals
    assert latest.actions.count() == 2


@time_machine.travel(NOW, tick=False)
def test_confirming_a_lead_change_hands_the_lead_over(town: Town, client: Any) -> None:
    case = make_case(town, make_household(town), team=("elderly_north",))
    meeting = conference(town, Conference.Kind.SUPPORT_CONFERENCE_106_6)
    do_add_case_to_agenda(meeting, case, acting_user=town.users["coordinator"])
    client.force_login(town.users["coordinator"])
    response = client.post(
        reverse("support:conference_decision_create", args=[meeting.pk]),
        {
            "case": case.pk,
            "kind": "lead_change",
            "target_organisation": town.orgs["elderly_north"].pk,
            "details": "介護が主な課題",
        },
    )
    assert response.status_code == 302
    decision = ConferenceDecision.objects.get()
    response = client.post(reverse("support:conference_decision_confirm", args=[meeting.pk, decision.pk]))
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.status == ConferenceDecision.Status.CONFIRMED
    assert Case.objects.get(pk=case.pk).lead_organisation == town.orgs["elderly_north"]
    # Confirming again changes nothing; a refused application confirms nothing.
    assert (
        client.post(reverse("support:conference_decision_confirm", args=[meeting.pk, decision.pk])).status_code == 302
    )
    again = do_propose_decision(
        meeting,
        case,
        acting_user=town.users["coordinator"],
        kind="lead_change",
        details="同じ機関",
        target_organisation=town.orgs["elderly_north"],
    )
    refused = client.post(reverse("support:conference_decision_confirm", args=[meeting.pk, again.pk]))
    assert refused.status_code == 409
    assert "北地域包括支援センター" in refused.content.decode()
    again.refresh_from_db()
    assert again.status == ConferenceDecision.Status.PROPOSED


@time_machine.travel(NOW, tick=False)
def test_confirming_a_new_referral_sends_it_on_the_conference_basis(town: Town) -> None:
    from tsunagiai.referrals.models import Referral

    case = make_case(town, make_household(town), focus=None)
    meeting = conference(town, Conference.Kind.SUPPORT_CONFERENCE_106_6)
    do_add_case_to_agenda(meeting, case, acting_user=town.users["coordinator"])
    decision = do_propose_decision(
        meeting,
        case,
        acting_user=town.users["caseworker_north"],
        kind="new_referral",
        details="家計改善支援につなぐ",
        target_organisation=town.orgs["csw"],
    )
    confirmed = do_confirm_decision(decision, acting_user=town.users["caseworker_north"])
    assert confirmed.status == ConferenceDecision.Status.CONFIRMED
    referral = Referral.objects.get()
    assert referral.to_organisation == town.orgs["csw"] and referral.from_organisation == town.orgs["branch_north"]
    assert referral.case_id == case.pk and referral.sharing_basis == "support_conference_106_6"


@time_machine.travel(NOW, tick=False)
def test_a_decision_needs_the_case_on_the_agenda_and_a_target(town: Town, client: Any) -> None:
    case = make_case(town, make_household(town))
    meeting = conference(town, Conference.Kind.OTHER)
    do_add_case_to_agenda(meeting, case, acting_user=town.users["coordinator"])
    client.force_login(town.users["coordinator"])
    response = client.post(
        reverse("support:conference_decision_create", args=[meeting.pk]),
        {"case": case.pk, "kind": "new_referral", "details": "障がい相談へ"},
    )
    assert response.status_code == 422
    assert "障がい相談へ" in response.content.decode()
    assert not ConferenceDecision.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_conference_list_queries_are_the_same_for_1_and_30(town: Town, client: Any) -> None:
    conference(town, Conference.Kind.OTHER)
    client.force_login(town.users["caseworker_north"])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("support:conference_list"))
            assert response.status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for _ in range(29):
        conference(town, Conference.Kind.SUPPORT_CONFERENCE_106_6)
    assert count() == one


@time_machine.travel(NOW, tick=False)
def test_conferences_are_seen_by_participants_and_the_coordination_section_only(town: Town, client: Any) -> None:
    meeting = conference(town, Conference.Kind.OTHER, orgs=("csw",))
    client.force_login(town.users["caseworker_south"])
    assert client.get(reverse("support:conference_detail", args=[meeting.pk])).status_code == 404
    assert "4月の会議" not in client.get(reverse("support:conference_list")).content.decode()
    assert client.get(f"/api/v1/support/conferences/{meeting.pk}").status_code == 404
    client.force_login(town.users["csw_worker"])
    assert client.get(reverse("support:conference_detail", args=[meeting.pk])).status_code == 200
    assert [c["id"] for c in client.get("/api/v1/support/conferences").json()] == [meeting.pk]


@time_machine.travel(NOW, tick=False)
def test_conference_created_through_the_page(town: Town, client: Any) -> None:
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        reverse("support:conference_create"),
        {
            "held_on": "2026-04-20",
            "kind": "multi_layered_conference",
            "title": "重層的支援会議（北）",
            "convened_by": town.orgs["branch_north"].pk,
            "participating_organisations": [town.orgs["csw"].pk],
        },
    )
    assert response.status_code == 302
    created = Conference.objects.get()
    assert not created.is_statutory_106_6 and created.needs_consent
    assert set(created.participating_organisations.all()) == {town.orgs["csw"], town.orgs["branch_north"]}


@time_machine.travel(NOW, tick=False)
def test_the_agenda_offers_the_open_cases_the_user_may_see_not_a_number_to_type(town: Town, client: Any) -> None:
    household = make_household(town)
    case = make_case(town, household, focus=members(household))
    meeting = conference(town, Conference.Kind.SUPPORT_CONFERENCE_106_6, ("branch_north", "branch_south"))
    client.force_login(town.users["caseworker_south"])
    offered = client.get(reverse("support:conference_detail", args=[meeting.pk])).context["agenda_form"]
    assert case.pk not in [value for value, _label in offered.fields["case_id"].choices]
    # A case the user may not see is refused as any unknown choice, naming the field.
    response = client.post(reverse("support:conference_add_case", args=[meeting.pk]), {"case_id": case.pk})
    assert response.status_code == 422
    assert not ConferenceCase.objects.exists()
    client.force_login(town.users["coordinator"])
    offered = client.get(reverse("support:conference_detail", args=[meeting.pk])).context["agenda_form"]
    assert case.pk in [value for value, _label in offered.fields["case_id"].choices]
