"""The seed's story, end to end, with who may see what at every step.

A 民生委員 reports an 8050 household → the branch office records the intake →
refers the father to the elderly-care centre and the son to the CSW → both
accept → a case with a team and the CSW as lead → a 支援会議 moves the lead →
the plan is revised → the son joins a community activity → the case is closed.

Each write goes through the same action the page or the API calls; each
"who sees it" check goes through the pages and the API as a user would.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tsunagiai.cases.actions import do_add_team_member, do_change_case_status, do_open_case
from tsunagiai.consent.actions import do_record_consent
from tsunagiai.intake.actions import do_record_intake, do_report_concern
from tsunagiai.people.actions import do_create_household, do_create_person
from tsunagiai.reference.models import ConsulterType, IntakeChannel, IssueCategory, UrgencyLevel
from tsunagiai.referrals.actions import do_accept_referral, do_mark_seen, do_send_referral
from tsunagiai.support.actions import (
    ActionInput,
    do_add_case_to_agenda,
    do_confirm_decision,
    do_create_conference,
    do_propose_decision,
    do_record_support,
    do_revise_plan,
)
from tsunagiai.testing import Town


def _sees(client: Client, user: Any, url: str) -> bool:
    client.force_login(user)
    status = client.get(url).status_code
    assert status in {200, 404}, f"{url} answered {status}"
    return status == 200


def test_the_8050_story_from_a_volunteers_concern_to_a_closed_case(client: Client, town: Town) -> None:
    users, orgs = town.users, town.orgs
    branch, elderly, csw, coordination = (
        orgs["branch_north"],
        orgs["elderly_north"],
        orgs["csw"],
        orgs["coordination"],
    )
    outsider = users["caseworker_south"]
    normal = UrgencyLevel.objects.get(pk="normal")

    # 1. A 民生委員 reports a worrying household; they may follow its status only.
    concern = do_report_concern(
        acting_user=users["volunteer"],
        subject_description="80代の父と50代の息子の二人暮らし",
        concern="雨戸が閉まったまま。息子さんは何年も外に出ていない様子。",
        urgency=UrgencyLevel.objects.get(pk="high"),
        consent_status="not_asked",
        town_block=town.blocks["north"],
    )
    assert concern.receiving_organisation == branch
    client.force_login(users["volunteer"])
    assert "雨戸" not in client.get(reverse("intake:my_reports")).content.decode()
    assert not _sees(client, users["volunteer"], reverse("intake:detail", args=[concern.pk]))

    # 2. The branch office visits and records the intake about the household.
    worker = users["caseworker_north"]
    father = do_create_person(
        acting_user=worker, organisation=branch, family_name="杉浦", given_name="誠", birth_date=dt.date(1944, 3, 1)
    )
    son = do_create_person(
        acting_user=worker,
        organisation=branch,
        family_name="杉浦",
        given_name="健一",
        birth_date=dt.date(1974, 6, 1),
        employment_status="not_working",
    )
    household = do_create_household(
        acting_user=worker, organisation=branch, name="杉浦さん世帯", members=[(father, "head"), (son, "child")]
    )
    intake = do_record_intake(
        acting_user=worker,
        receiving_organisation=branch,
        received_at=timezone.now() - dt.timedelta(hours=1),
        channel=IntakeChannel.objects.get(pk="home_visit"),
        consulter_type=ConsulterType.objects.get(pk="community_volunteer"),
        concern="父は足が弱り買い物に行けない。息子は退職後ひきこもり、父の年金で暮らす。",
        urgency=normal,
        consent_status="written",
        categories=IssueCategory.objects.filter(pk__in=["elderly_care", "social_isolation", "financial_hardship"]),
        person=father,
    )
    for person in (father, son):
        do_record_consent(
            person,
            acting_user=worker,
            organisation=branch,
            given_on=timezone.localdate(),
            method="written",
            scope_organisations=[branch, elderly, csw, coordination],
        )
    household_url = reverse("people:household_detail", args=[household.pk])
    assert _sees(client, worker, household_url)
    assert not _sees(client, outsider, household_url)
    assert not _sees(client, users["elderly_worker"], household_url)

    # 3. Referrals: the father to the elderly-care centre, the son to the CSW.
    to_elderly = do_send_referral(
        acting_user=worker,
        from_organisation=branch,
        to_organisation=elderly,
        reason="父の介護認定と買い物支援",
        request="訪問して介護保険の申請を支援してください",
        shared_sections=["concern", "person_basic"],
        sharing_basis="consent",
        person=father,
        household=household,
        intake=intake,
    )
    to_csw = do_send_referral(
        acting_user=worker,
        from_organisation=branch,
        to_organisation=csw,
        reason="息子のひきこもりと家計",
        request="伴走支援をお願いします",
        shared_sections=["concern", "person_basic", "household"],
        sharing_basis="consent",
        person=son,
        household=household,
        intake=intake,
    )
    elderly_referral_url = reverse("referrals:detail", args=[to_elderly.pk])
    assert _sees(client, users["elderly_worker"], elderly_referral_url)  # opening marks it seen
    to_elderly.refresh_from_db()
    assert to_elderly.status == "seen"
    assert not _sees(client, outsider, elderly_referral_url)
    assert not _sees(client, users["csw_worker"], elderly_referral_url)
    # Before accepting, the recipient reads the shared sections, not the person's record.
    assert not _sees(client, users["elderly_worker"], reverse("people:person_detail", args=[father.pk]))

    # 4. Both accept.
    do_accept_referral(to_elderly, acting_user=users["elderly_worker"])
    do_mark_seen(to_csw, acting_user=users["csw_worker"])
    to_csw.refresh_from_db()
    do_accept_referral(to_csw, acting_user=users["csw_worker"])
    assert _sees(client, users["elderly_worker"], reverse("people:person_detail", args=[father.pk]))
    client.force_login(worker)
    assert client.get(f"/api/v1/referrals/{to_csw.pk}").json()["fhir_status"] == "accepted"

    # 5. A case with a team, the CSW as lead.
    case = do_open_case(
        acting_user=worker,
        household=household,
        intakes=[intake],
        focus_members=[father, son],
        title="杉浦さん世帯 8050",
        lead_organisation=csw,
    )
    do_add_team_member(case, elderly, acting_user=worker, role="父の介護")
    case_url = reverse("cases:detail", args=[case.pk])
    for user in ("caseworker_north", "csw_worker", "elderly_worker", "coordinator"):
        assert _sees(client, users[user], case_url), user
    for user in ("caseworker_south", "volunteer", "analyst", "auditor", "fire_crew"):
        assert not _sees(client, users[user], case_url), user
    client.force_login(outsider)
    assert client.get(f"/api/v1/cases/{case.pk}").status_code == 404
    # The team reads the intake the case was opened from, and the referrals sent from it.
    assert _sees(client, users["csw_worker"], reverse("intake:detail", args=[intake.pk]))
    assert not _sees(client, outsider, reverse("intake:detail", args=[intake.pk]))
    client.force_login(users["csw_worker"])
    assert "息子のひきこもりと家計" in client.get(case_url).content.decode()

    # 6. A 支援会議 (art. 106-6) moves the lead to the elderly-care centre.
    conference = do_create_conference(
        acting_user=users["coordinator"],
        convened_by=coordination,
        held_on=timezone.localdate(),
        kind="support_conference_106_6",
        title="支援会議",
        participating_organisations=[coordination, branch, elderly, csw],
    )
    do_add_case_to_agenda(conference, case, acting_user=users["coordinator"])
    decision = do_propose_decision(
        conference,
        case,
        acting_user=users["coordinator"],
        kind="lead_change",
        details="父の入院をきっかけに、当面は地域包括支援センターが主導する",
        target_organisation=elderly,
    )
    do_confirm_decision(decision, acting_user=users["coordinator"])
    case.refresh_from_db()
    assert case.lead_organisation == elderly
    assert list(case.lead_changes.values_list("to_organisation__code", flat=True)) == ["csw", "elderly_north"]
    assert not _sees(client, outsider, reverse("support:conference_detail", args=[conference.pk]))

    # 7. The plan, then its revision; 8. the son joins a community activity.
    due = timezone.localdate() + dt.timedelta(days=30)
    first = do_revise_plan(
        case,
        acting_user=users["elderly_worker"],
        goals="父が在宅で暮らし続けられる。息子が人と関わる場を持てる。",
        review_on=due,
        actions=[ActionInput(owner_kind="organisation", owner_organisation=elderly, what="介護保険の申請", due_on=due)],
    )
    revised = do_revise_plan(
        case,
        acting_user=users["csw_worker"],
        goals=first.goals,
        review_on=due,
        actions=[
            ActionInput(owner_kind="organisation", owner_organisation=elderly, what="介護保険の申請", due_on=due),
            ActionInput(owner_kind="community_resource", owner_text="ふれあいサロン", what="息子の参加", due_on=due),
        ],
        reason="支援会議の決定を受けて",
        expected_version=case.support_plan.version,
    )
    assert revised.number == 2
    do_record_support(
        household,
        acting_user=users["csw_worker"],
        organisation=csw,
        kind="accompaniment",
        occurred_at=timezone.now(),
        summary="息子さんとふれあいサロンへ同行。最後まで参加できた。",
        case=case,
    )
    timeline_url = reverse("support:household_timeline", args=[household.pk])
    client.force_login(users["csw_worker"])
    assert "ふれあいサロン" in client.get(timeline_url).content.decode()
    assert not _sees(client, outsider, timeline_url)

    # 9. The case moves through its stages and is closed.
    for status in ("assessment", "planning", "active", "monitoring", "closed"):
        case.refresh_from_db()
        do_change_case_status(case, to=status, acting_user=users["coordinator"], expected_version=case.version)
    case.refresh_from_db()
    assert case.status == "closed"
    # Closed, the case stays visible to its team and hidden from everyone else.
    assert _sees(client, users["csw_worker"], case_url)
    assert not _sees(client, outsider, case_url)
    client.force_login(users["volunteer"])
    assert client.get(reverse("intake:my_reports")).status_code == 200
