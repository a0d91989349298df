"""The plan's owner picker lists the chosen organisation's staff; the plan shows each 担当 (issue 16 item 6)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import time_machine
from django.urls import reverse

from tsunagiai.support.actions import ActionInput, do_revise_plan
from tsunagiai.support.models import PlanAction, PlanRevision
from tsunagiai.support.tests.helpers import make_case, make_household
from tsunagiai.testing import Town

NOW = dt.datetime(2026, 4, 10, 1, tzinfo=dt.UTC)


def _row_staff(body: str, row: int = 0) -> str:
    found = re.search(rf'<select name="actions-{row}-owner_user".*?</select>', body, re.DOTALL)
    assert found is not None
    return found.group(0)


def _option(town: Town, name: str) -> str:
    return f'<option value="{town.users[name].pk}"'


@time_machine.travel(NOW, tick=False)
def test_a_rows_staff_picker_lists_its_organisations_staff_only(town: Town, client: Any) -> None:
    case = make_case(town, make_household(town), team=("csw",))
    client.force_login(town.users["caseworker_north"])
    url = reverse("support:plan_revise", args=[case.pk])
    # Choosing row 0's organisation reloads its staff list (htmx sends the select's own name and value).
    chosen = client.get(url, {"actions-0-owner_organisation": town.orgs["csw"].pk}, headers={"HX-Request": "true"})
    staff = _row_staff(chosen.content.decode())
    assert _option(town, "csw_worker") in staff and _option(town, "caseworker_north") not in staff
    assert 'hx-select="#id_actions-0-owner_user"' in chosen.content.decode()
    # Before a choice, or without JavaScript: the team's staff, under each organisation's name.
    everyone = _row_staff(client.get(url).content.decode())
    assert _option(town, "csw_worker") in everyone and _option(town, "caseworker_north") in everyone
    assert f'<optgroup label="{town.orgs["csw"].name}">' in everyone
    for hostile in ("abc", str(10**30)):
        assert client.get(url, {"actions-0-owner_organisation": hostile}).status_code == 200


@time_machine.travel(NOW, tick=False)
def test_a_staff_owner_of_another_organisation_is_refused_naming_the_field(town: Town, client: Any) -> None:
    case = make_case(town, make_household(town), team=("csw",))
    client.force_login(town.users["caseworker_north"])
    data = {
        "goals": "生活を立て直す",
        "review_on": "2026-07-01",
        "version": "0",
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
        "actions-0-what": "同行支援",
        "actions-0-owner_kind": "staff",
        "actions-0-owner_organisation": town.orgs["csw"].pk,
        "actions-0-owner_user": town.users["caseworker_north"].pk,
        "actions-0-due_on": "2026-05-01",
        "actions-0-status": "planned",
    }
    response = client.post(reverse("support:plan_revise", args=[case.pk]), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert f"担当職員: {town.users['caseworker_north']}は{town.orgs['csw'].name}の職員ではありません。" in body
    assert 'value="同行支援"' in body  # the input is kept
    assert not PlanRevision.objects.exists()
    data["actions-0-owner_user"] = town.users["csw_worker"].pk
    assert client.post(reverse("support:plan_revise", args=[case.pk]), data).status_code == 302


@time_machine.travel(NOW, tick=False)
def test_the_plan_page_shows_each_actions_owner_in_words(town: Town, client: Any) -> None:
    case = make_case(town, make_household(town), team=("csw",))
    do_revise_plan(
        case,
        acting_user=town.users["caseworker_north"],
        goals="生活を立て直す",
        review_on=dt.date(2026, 7, 1),
        actions=[
            ActionInput(
                owner_kind=PlanAction.OwnerKind.STAFF,
                owner_organisation=town.orgs["csw"],
                owner_user=town.users["csw_worker"],
                what="同行支援",
                due_on=dt.date(2026, 5, 1),
            ),
            ActionInput(
                owner_kind=PlanAction.OwnerKind.ORGANISATION,
                owner_organisation=town.orgs["elderly_north"],
                what="介護保険の申請",
                due_on=dt.date(2026, 5, 1),
            ),
            ActionInput(
                owner_kind=PlanAction.OwnerKind.COMMUNITY_RESOURCE,
                owner_text="北町サロン",
                what="サロンに誘う",
                due_on=dt.date(2026, 5, 1),
            ),
        ],
    )
    client.force_login(town.users["caseworker_north"])
    body = client.get(reverse("support:plan", args=[case.pk])).content.decode()
    assert f"{town.users['csw_worker']}（{town.orgs['csw'].name}）" in body
    assert town.orgs["elderly_north"].name in body and "北町サロン" in body
