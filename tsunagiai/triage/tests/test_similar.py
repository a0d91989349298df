"""Similar past intakes: only those the user may see, anonymised, with what was done; constant queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tsunagiai.cases.models import Case, TeamMember
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.people.actions import do_create_household
from tsunagiai.reference.models import IssueCategory
from tsunagiai.referrals.actions import do_send_referral
from tsunagiai.support.models import PlanAction, PlanRevision, SupportPlan
from tsunagiai.triage.selectors import labels
from tsunagiai.triage.similar import similar_intakes, text_similarity
from tsunagiai.triage.tests.fakes import CONCERN, fixed_engine  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_engine")


def _categories(*codes):
    return list(IssueCategory.objects.filter(pk__in=codes))


def _similar(town, user, **kwargs):
    return similar_intakes(
        town.users[user], categories=["dementia", "elderly_care"], text=CONCERN, labels=labels(), **kwargs
    )


def _north_intake_with_history(town):
    user, org = town.users["caseworker_north"], town.orgs["branch_north"]
    person = make_person(town, family_name="髙橋", given_name="ハル")
    household = do_create_household(acting_user=user, organisation=org, name="髙橋さん世帯", members=[(person, "head")])
    intake = make_intake(
        town,
        concern="髙橋ハルさん(090-1111-2222)。母が認知症で介護に疲れたと長女。",
        categories=_categories("dementia", "elderly_care"),
        is_anonymous=False,
        person=person,
        consulter_name="髙橋花子",
    )
    do_send_referral(
        acting_user=user,
        from_organisation=org,
        to_organisation=town.orgs["elderly_north"],
        reason="認知症の相談",
        request="訪問をお願いします",
        shared_sections=[],
        sharing_basis="life_and_safety",
        sharing_note="安否確認のため",
        intake=intake,
        person=person,
    )
    case = Case.objects.create(
        household=household,
        title="髙橋さん世帯",
        lead_organisation=town.orgs["elderly_north"],
        opened_at=timezone.now(),
        status=Case.Status.ACTIVE,
        created_by=user,
        updated_by=user,
    )
    case.intakes.add(intake)
    TeamMember.objects.create(case=case, organisation=org, joined_at=timezone.now())
    plan = SupportPlan.objects.create(case=case, current_number=1, created_by=user, updated_by=user)
    revision = PlanRevision.objects.create(
        plan=plan, number=1, goals="見守り", review_on=dt.date(2030, 1, 1), created_by=user
    )
    PlanAction.objects.create(
        revision=revision,
        key=1,
        owner_kind=PlanAction.OwnerKind.COMMUNITY_RESOURCE,
        owner_text="北町ふれあいサロン",
        what="週1回の参加",
        due_on=dt.date(2030, 1, 1),
    )
    return intake


def test_the_most_similar_visible_intake_comes_first_with_what_was_done(town):
    _north_intake_with_history(town)
    make_intake(town, concern="家賃を滞納", categories=_categories("elderly_care"))
    results = _similar(town, "caseworker_north")
    assert len(results) == 2
    first = results[0]
    assert "認知症" in first.categories
    assert [r.agency for r in first.referrals] == [labels().agencies["community_support_center"]]
    assert first.cases[0].lead == labels().agencies["community_support_center"]
    assert first.resources == ["北町ふれあいサロン"]
    assert first.received_month.day == 1


def test_the_summary_hides_names_and_phone_numbers(town):
    _north_intake_with_history(town)
    summary = _similar(town, "caseworker_north")[0].summary
    assert "髙橋" not in summary and "ハル" not in summary and "1111" not in summary
    assert "認知症" in summary


@pytest.mark.parametrize(
    ("user", "sees"),
    [
        ("caseworker_north", True),
        ("intake_north", True),
        ("supervisor_north", True),
        ("coordinator", True),
        ("caseworker_south", False),
        ("csw_worker", False),
        ("fire_crew", False),
        ("volunteer", False),
        ("analyst", False),
        ("admin", False),
        ("auditor", False),
    ],
)
def test_only_intakes_the_user_may_see_are_shown(town, user, sees):
    _north_intake_with_history(town)
    assert bool(_similar(town, user)) is sees


def test_the_case_team_sees_the_case_but_not_referrals_it_is_not_part_of(town):
    intake = _north_intake_with_history(town)
    case = intake.cases.get()
    TeamMember.objects.create(case=case, organisation=town.orgs["csw"], joined_at=timezone.now())
    results = _similar(town, "csw_worker")
    assert len(results) == 1
    assert results[0].cases and results[0].referrals == []


def test_the_intake_being_edited_is_not_its_own_neighbour(town):
    intake = _north_intake_with_history(town)
    assert _similar(town, "caseworker_north", exclude_intake_id=intake.pk) == []


def test_no_categories_no_neighbours(town):
    _north_intake_with_history(town)
    assert similar_intakes(town.users["coordinator"], categories=[], text=CONCERN, labels=labels()) == []


def test_text_similarity_is_bounded():
    assert text_similarity("認知症の母", "認知症の母") == 1.0
    assert text_similarity("", "認知症") == 0.0
    assert 0 < text_similarity("母が認知症", "父が認知症") < 1


def test_query_count_does_not_grow_with_the_number_of_intakes(town):
    def count(n):
        with CaptureQueriesContext(connection) as queries:
            results = _similar(town, "caseworker_north", limit=40)
        return len(queries), len(results)

    _north_intake_with_history(town)
    one = count(1)
    for _ in range(29):
        make_intake(town, concern=CONCERN, categories=_categories("dementia"))
    thirty = count(30)
    assert one[1] == 1 and thirty[1] == 30
    assert one[0] == thirty[0]


def test_community_resources_the_person_kept_going_to_are_shown(town):
    from tsunagiai.community.models import Participation
    from tsunagiai.resources.models import Provider, Service

    intake = _north_intake_with_history(town)
    case = intake.cases.get()
    provider = Provider.objects.create(name="北町認知症カフェ運営委員会")
    cafe = Service.objects.create(provider=provider, name="北町オレンジカフェ")
    tried_once = Service.objects.create(provider=provider, name="北町体操教室")
    today = timezone.localdate()
    Participation.objects.create(
        case=case,
        person=intake.person,
        service=cafe,
        status=Participation.Status.CONTINUING,
        proposed_on=today,
        organisation=town.orgs["branch_north"],
    )
    Participation.objects.create(
        case=case,
        person=intake.person,
        service=tried_once,
        status=Participation.Status.PROPOSED,
        proposed_on=today,
        organisation=town.orgs["branch_north"],
    )
    first = _similar(town, "caseworker_north")[0]
    assert first.resources == ["北町ふれあいサロン", "北町オレンジカフェ"]
