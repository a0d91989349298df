"""Support records: one household timeline merging its cases, filterable, in constant queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tsunagiai.intake.tests.helpers import make_intake
from tsunagiai.support.models import SupportRecord
from tsunagiai.support.tests.helpers import add_record, make_case, make_household, members
from tsunagiai.testing import Town, aware

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 4, 10, 1, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
def test_timeline_merges_two_cases_and_intakes_and_filters_by_kind_case_and_period(town: Town, client: Any) -> None:
    household = make_household(town)
    money = make_case(town, household, title="家計の立て直し", team=("csw",))
    care = make_case(town, household, title="母の介護", lead="elderly_north", team=("branch_north",))
    add_record(town, household, money, when=aware(2026, 3, 1), kind="visit", summary="家計簿を一緒につけた")
    add_record(
        town,
        household,
        care,
        when=aware(2026, 4, 2),
        kind="phone",
        user="elderly_worker",
        org="elderly_north",
        summary="ケアマネと電話で調整",
    )
    make_intake(
        town, person=members(household)[0], is_anonymous=False, subject_description="", concern="電気が止まりそうです"
    )
    client.force_login(town.users["caseworker_north"])
    url = reverse("support:household_timeline", args=[household.pk])
    page = client.get(url).content.decode()
    assert "家計簿を一緒につけた" in page and "ケアマネと電話で調整" in page and "電気が止まりそうです" in page
    assert page.index("ケアマネと電話で調整") < page.index("家計簿を一緒につけた")  # newest first
    phone_only = client.get(url, {"kind": "phone"}).content.decode()
    assert "ケアマネと電話で調整" in phone_only
    assert "家計簿を一緒につけた" not in phone_only and "電気が止まりそうです" not in phone_only
    by_case = client.get(url, {"case": money.pk}).content.decode()
    assert "家計簿を一緒につけた" in by_case and "ケアマネと電話で調整" not in by_case
    march = client.get(url, {"date_from": "2026-03-01", "date_to": "2026-03-31"}).content.decode()
    assert "家計簿を一緒につけた" in march and "ケアマネと電話で調整" not in march


@time_machine.travel(NOW, tick=False)
def test_a_team_sees_only_the_records_of_cases_it_is_on(town: Town, client: Any) -> None:
    household = make_household(town)
    money = make_case(town, household, title="家計の立て直し", team=("csw",))
    care = make_case(town, household, title="母の介護", lead="elderly_north")
    add_record(town, household, money, summary="家計簿を一緒につけた")
    add_record(town, household, care, user="elderly_worker", org="elderly_north", summary="ケアマネと電話で調整")
    client.force_login(town.users["csw_worker"])
    page = client.get(reverse("support:household_timeline", args=[household.pk])).content.decode()
    assert "家計簿を一緒につけた" in page and "ケアマネと電話で調整" not in page


@time_machine.travel(NOW, tick=False)
def test_timeline_queries_are_the_same_for_1_and_30_records(town: Town, client: Any) -> None:
    household = make_household(town)
    case = make_case(town, household, team=("csw",))
    other = make_case(town, household, title="別の件")
    add_record(town, household, case)
    client.force_login(town.users["caseworker_north"])
    url = reverse("support:household_timeline", args=[household.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for i in range(29):
        add_record(town, household, case if i % 2 else other, when=aware(2026, 3, 1 + i % 28))
    assert count() == one


@time_machine.travel(NOW, tick=False)
def test_record_entry_keeps_input_on_error_and_saves_on_a_case(town: Town, client: Any) -> None:
    household = make_household(town)
    case = make_case(town, household)
    client.force_login(town.users["caseworker_north"])
    url = reverse("support:record_create", args=[household.pk])
    assert client.get(url, {"case": case.pk}).status_code == 200
    bad = client.post(
        url,
        {
            "kind": "visit",
            "occurred_at": "2026-05-01T10:00",
            "summary": "未来の訪問",
            "organisation": town.orgs["branch_north"].pk,
        },
    )
    assert bad.status_code == 400 and "未来の訪問" in bad.content.decode()
    assert not SupportRecord.objects.exists()
    good = client.post(
        url,
        {
            "case": case.pk,
            "kind": "accompaniment",
            "occurred_at": "2026-04-09T14:00",
            "summary": "ハローワークに同行した",
            "organisation": town.orgs["branch_north"].pk,
        },
    )
    assert good.status_code == 302
    assert SupportRecord.objects.get().case == case
