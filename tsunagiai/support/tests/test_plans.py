"""Plans: every revision kept and comparable; the case panel and plan page in constant queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tsunagiai.core.concurrency import EditConflict
from tsunagiai.support import selectors
from tsunagiai.support.actions import ActionInput, do_revise_plan, do_save_assessment
from tsunagiai.support.models import Assessment, PlanAction, PlanRevision
from tsunagiai.support.tests.helpers import add_record, make_case, make_household, make_plan, members
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 4, 10, 1, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_a_revision_keeps_the_earlier_one_and_the_comparison_shows_what_changed(town: Town) -> None:
    case = make_case(town, make_household(town), team=("csw",))
    first = make_plan(town, case, review_on=dt.date(2026, 7, 1), due_on=dt.date(2026, 5, 1))
    kept, dropped = sorted(first.actions.all(), key=lambda a: a.key)
    second = do_revise_plan(
        case,
        acting_user=town.users["caseworker_north"],
        goals="家賃の滞納を解消する\n月2回の見守り",
        review_on=dt.date(2026, 8, 1),
        reason="支援会議での見直し",
        expected_version=first.plan.version,
        actions=[
            ActionInput(
                key=kept.key,
                owner_kind=PlanAction.OwnerKind.ORGANISATION,
                owner_organisation=town.orgs["csw"],
                what="家計相談につなぐ",
                due_on=dt.date(2026, 5, 15),
                status=PlanAction.Status.IN_PROGRESS,
            ),
            ActionInput(
                owner_kind=PlanAction.OwnerKind.COMMUNITY_RESOURCE,
                owner_text="お助け隊",
                what="草取り",
                due_on=dt.date(2026, 6, 1),
            ),
        ],
    )
    assert PlanRevision.objects.filter(plan__case=case).count() == 2
    first.refresh_from_db()
    assert first.goals.endswith("週1回の見守り") and first.actions.count() == 2
    comparison = selectors.compare_revisions(*selectors.revision_pair(case, 1, 2))  # type: ignore[misc]
    assert ("removed", "週1回の見守り") in comparison.goals_diff
    assert ("added", "月2回の見守り") in comparison.goals_diff
    assert [a.what for a in comparison.added] == ["草取り"]
    assert [a.key for a in comparison.removed] == [dropped.key]
    assert comparison.changed[0].fields == ["due_on", "status"]
    assert "review_on" in comparison.facts_changed
    assert second.number == 2


@time_machine.travel(NOW, tick=False)
def test_a_stale_revision_is_refused_and_nothing_is_written(town: Town) -> None:
    case = make_case(town, make_household(town))
    first = make_plan(town, case, review_on=dt.date(2026, 7, 1), due_on=dt.date(2026, 5, 1))
    with pytest.raises(EditConflict):
        do_revise_plan(
            case,
            acting_user=town.users["caseworker_north"],
            goals="x",
            review_on=dt.date(2026, 7, 1),
            actions=[],
            expected_version=first.plan.version - 1,
        )
    assert PlanRevision.objects.filter(plan__case=case).count() == 1


@time_machine.travel(NOW, tick=False)
def test_plan_rules_name_the_field(town: Town) -> None:
    case = make_case(town, make_household(town))
    with pytest.raises(ValidationError) as caught:
        do_revise_plan(
            case,
            acting_user=town.users["caseworker_north"],
            goals="",
            review_on=dt.date(2026, 7, 1),
            person_agreed=True,
            actions=[ActionInput(owner_kind="organisation", what="つなぐ", due_on=dt.date(2026, 5, 1))],
        )
    assert set(caught.value.message_dict) == {"goals", "agreed_on", "actions.0.owner_organisation"}


@time_machine.travel(NOW, tick=False)
def test_plan_pages_revise_and_compare_through_http(town: Town, client: Any) -> None:
    case = make_case(town, make_household(town), team=("csw",))
    client.force_login(town.users["caseworker_north"])
    page = client.get(reverse("support:plan_revise", args=[case.pk]))
    assert page.status_code == 200
    data = {
        "goals": "生活を立て直す",
        "review_on": "2026-07-01",
        "person_agreed": "on",
        "agreed_on": "2026-04-09",
        "agreement_how": "署名",
        "version": "0",
        "actions-TOTAL_FORMS": "2",
        "actions-INITIAL_FORMS": "0",
        "actions-0-what": "家計相談",
        "actions-0-owner_kind": "organisation",
        "actions-0-owner_organisation": town.orgs["csw"].pk,
        "actions-0-due_on": "2026-05-01",
        "actions-0-status": "planned",
        "actions-1-what": "",
        "actions-1-status": "planned",
    }
    response = client.post(reverse("support:plan_revise", args=[case.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    data.update({"goals": "生活を立て直す\n就労を目指す", "version": "2", "actions-0-key": "1"})
    assert client.post(reverse("support:plan_revise", args=[case.pk]), data).status_code == 302
    stale = client.post(reverse("support:plan_revise", args=[case.pk]), data)
    assert stale.status_code == 200 and "就労を目指す" in stale.content.decode()
    assert "conflict" in stale.content.decode()
    compare = client.get(reverse("support:plan_compare", args=[case.pk]), {"old": 1, "new": 2})
    assert "就労を目指す" in compare.content.decode()
    assert client.get(reverse("support:plan_compare", args=[case.pk]), {"old": 1, "new": 9}).status_code == 404


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@time_machine.travel(NOW, tick=False)
def test_plan_page_queries_do_not_grow_with_revisions(town: Town, client: Any) -> None:
    case = make_case(town, make_household(town))
    make_plan(town, case, review_on=dt.date(2026, 7, 1), due_on=dt.date(2026, 5, 1))
    client.force_login(town.users["caseworker_north"])
    url = reverse("support:plan", args=[case.pk])
    one = _count(client, url)
    for _ in range(29):
        make_plan_revision = selectors.plan_of(case)
        assert make_plan_revision is not None
        do_revise_plan(
            case,
            acting_user=town.users["caseworker_north"],
            goals="見直し",
            review_on=dt.date(2026, 7, 1),
            expected_version=make_plan_revision.version,
            actions=[ActionInput(owner_kind="family", owner_text="長女", what="連絡", due_on=dt.date(2026, 5, 1))],
        )
    assert _count(client, url) == one


@time_machine.travel(NOW, tick=False)
def test_case_panel_shows_the_plan_and_records_in_constant_queries(town: Town) -> None:
    household = make_household(town)
    case = make_case(town, household, team=("csw",))
    make_plan(town, case, review_on=dt.date(2026, 4, 1), due_on=dt.date(2026, 4, 5))
    add_record(town, household, case)
    user = town.users["csw_worker"]
    template = Template("{% load support_tags %}{% support_case_panel case user %}")
    with CaptureQueriesContext(connection) as first:
        html = template.render(Context({"case": case, "user": user}))
    assert "家計相談につなぐ" in html and "長女" in html and "自宅を訪問" in html
    for _ in range(10):
        add_record(town, household, case)
    with CaptureQueriesContext(connection) as second:
        template.render(Context({"case": case, "user": user}))
    assert len(second.captured_queries) <= len(first.captured_queries) <= 5


@time_machine.travel(NOW, tick=False)
def test_assessment_per_member_and_domain_keeps_wishes_in_own_words(town: Town, client: Any) -> None:
    household = make_household(town, names=("山田", "山田"))
    case = make_case(town, household)
    son = members(household)[1]
    client.force_login(town.users["caseworker_north"])
    url = reverse("support:assessment_edit", args=[case.pk, son.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "assessed_on": "2026-04-09",
            "work-situation": "10年間働いていない",
            "work-strengths": "パソコンが得意",
            "work-wishes_in_own_words": "家でできる仕事がしたい",
        },
    )
    assert response.status_code == 302
    saved = Assessment.objects.get(case=case, person=son)
    assert saved.domain == "work" and saved.wishes_in_own_words == "家でできる仕事がしたい"
    page = client.get(reverse("support:assessment", args=[case.pk])).content.decode()
    assert "家でできる仕事がしたい" in page
    with pytest.raises(EditConflict):
        do_save_assessment(
            case,
            son,
            "work",
            acting_user=town.users["caseworker_north"],
            situation="x",
            strengths="",
            wishes_in_own_words="",
            assessed_on=dt.date(2026, 4, 9),
            expected_version=saved.version + 5,
        )
