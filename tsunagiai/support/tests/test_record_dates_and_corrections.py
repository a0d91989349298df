"""Support records: implausible dates refused everywhere, old bad rows still shown, and corrections that keep
the original (issue 12, item 2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from tsunagiai.audit.models import AuditEvent
from tsunagiai.people.models import Person
from tsunagiai.support.actions import do_correct_support_record
from tsunagiai.support.models import SupportRecord
from tsunagiai.support.tests.helpers import add_record, make_case, make_household, members
from tsunagiai.testing import Town, aware

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 4, 10, 1, tzinfo=dt.UTC)


def _api_record(client: Any, household_id: int, **fields: Any) -> Any:
    body = {"kind": "visit", "occurred_at": "2026-04-09T10:00:00+09:00", "summary": "訪問した", **fields}
    return client.post(f"/api/v1/support/households/{household_id}/records", body, content_type="application/json")


def _store_year_one(record: SupportRecord) -> None:
    """Put ``0001-01-01T00:00+09:00`` in the row as the database holds it, past every check (as before the fix)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "UPDATE support_supportrecord SET occurred_at = %s::timestamptz WHERE id = %s",
                ["0001-01-01T00:00:00+09:00", record.pk],
            )
        else:  # SQLite keeps UTC text: 09:00 on 1 January of year 1 in Japan is 15:00 on 31 December of year 0.
            cursor.execute(
                "UPDATE support_supportrecord SET occurred_at = %s WHERE id = %s", ["0000-12-31 15:00:00", record.pk]
            )


@time_machine.travel(NOW, tick=False)
def test_a_record_dated_year_one_is_refused_by_the_api_naming_the_field(town: Town, client: Any) -> None:
    household = make_household(town)
    client.force_login(town.users["caseworker_north"])
    response = _api_record(client, household.pk, occurred_at="0001-01-01T00:00:00+09:00", summary="年を間違えた")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "occurred_at", "message": "日時: 1900年以降の日付を入力してください。"}
    ]
    future = _api_record(client, household.pk, occurred_at="2027-04-09T10:00:00+09:00")
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "occurred_at"
    assert not SupportRecord.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_record_dated_year_one_is_refused_by_the_form_with_the_input_kept(town: Town, client: Any) -> None:
    household = make_household(town)
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        reverse("support:record_create", args=[household.pk]),
        {
            "kind": "visit",
            "occurred_at": "0001-01-01T00:00",
            "summary": "年を間違えた訪問記録",
            "organisation": town.orgs["branch_north"].pk,
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "日時: 1900年以降の日付を入力してください。" in body and "年を間違えた訪問記録" in body
    assert not SupportRecord.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_record_before_the_eldest_member_was_born_is_refused(town: Town, client: Any) -> None:
    household = make_household(town, names=("山田", "山田"))
    first, second = members(household)
    Person.objects.filter(pk=first.pk).update(birth_date=dt.date(1950, 5, 1))
    Person.objects.filter(pk=second.pk).update(birth_date=dt.date(1980, 5, 1))
    client.force_login(town.users["caseworker_north"])
    before = _api_record(client, household.pk, occurred_at="1950-04-30T10:00:00+09:00")
    assert before.status_code == 422
    assert before.json()["errors"][0]["message"].startswith("日時: 最年長の世帯員の生年月日（1950年5月1日）より前")
    assert _api_record(client, household.pk, occurred_at="1950-05-02T10:00:00+09:00").status_code == 201


@time_machine.travel(NOW, tick=False)
def test_a_moment_without_a_time_zone_is_read_as_japan_time(town: Town, client: Any) -> None:
    household = make_household(town)
    client.force_login(town.users["caseworker_north"])
    response = _api_record(client, household.pk, occurred_at="2026-04-09T10:00:00")
    assert response.status_code == 201
    assert SupportRecord.objects.get().occurred_at == aware(2026, 4, 9, 10)


@time_machine.travel(NOW, tick=False)
def test_a_year_one_row_already_stored_does_not_break_the_timeline(town: Town, client: Any) -> None:
    household = make_household(town)
    bad = add_record(town, household, None, summary="年が壊れた記録")
    add_record(town, household, None, summary="普通の記録")
    _store_year_one(bad)
    client.force_login(town.users["caseworker_north"])
    page = client.get(reverse("support:household_timeline", args=[household.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "年が壊れた記録" in body and "普通の記録" in body
    assert "この記録の日付はあり得ない日付です。訂正してください。" in body
    assert reverse("support:record_correct", args=[bad.pk]) in body
    api = client.get(f"/api/v1/support/households/{household.pk}/timeline")
    assert api.status_code == 200
    assert {item["summary"] for item in api.json()["items"]} == {"年が壊れた記録", "普通の記録"}


@time_machine.travel(NOW, tick=False)
def test_a_correction_keeps_the_original_struck_through_beside_it_and_is_audited(town: Town, client: Any) -> None:
    household = make_household(town)
    case = make_case(town, household)
    original = add_record(town, household, case, summary="訪問した（日付を誤入力）")
    _store_year_one(original)
    client.force_login(town.users["caseworker_north"])
    url = reverse("support:record_correct", args=[original.pk])
    form = client.get(url)
    assert form.status_code == 200 and "訪問した（日付を誤入力）" in form.content.decode()
    missing_reason = client.post(
        url,
        {
            "case": case.pk,
            "kind": "visit",
            "occurred_at": "2026-04-08T10:00",
            "summary": "訪問した",
            "organisation": town.orgs["branch_north"].pk,
            "reason": "",
        },
    )
    assert missing_reason.status_code == 400 and not SupportRecord.objects.filter(corrects=original).exists()
    saved = client.post(
        url,
        {
            "case": case.pk,
            "kind": "visit",
            "occurred_at": "2026-04-08T10:00",
            "summary": "訪問した",
            "organisation": town.orgs["branch_north"].pk,
            "reason": "日付の入力誤り",
        },
    )
    assert saved.status_code == 302
    correction = SupportRecord.objects.get(corrects=original)
    assert correction.occurred_at == aware(2026, 4, 8, 10) and correction.correction_reason == "日付の入力誤り"
    assert SupportRecord.objects.filter(pk=original.pk, summary="訪問した（日付を誤入力）").exists()
    event = AuditEvent.objects.get(action="support.record_corrected")
    assert event.note == "日付の入力誤り" and event.changes["corrects"] == original.pk
    timeline = client.get(reverse("support:household_timeline", args=[household.pk])).content.decode()
    assert "<del>" in timeline and "訪問した（日付を誤入力）" in timeline and "日付の入力誤り" in timeline
    assert f'href="#record-{correction.pk}"' in timeline and f'href="#record-{original.pk}"' in timeline
    # The original is corrected once; its correction can be corrected in turn.
    assert reverse("support:record_correct", args=[original.pk]) not in timeline
    assert reverse("support:record_correct", args=[correction.pk]) in timeline


@time_machine.travel(NOW, tick=False)
def test_a_correction_from_a_stale_form_is_a_conflict_that_keeps_the_input(town: Town, client: Any) -> None:
    household = make_household(town)
    original = add_record(town, household, None, summary="電話した")
    client.force_login(town.users["caseworker_north"])
    url = reverse("support:record_correct", args=[original.pk])
    assert client.get(url).status_code == 200  # the form is open ...
    do_correct_support_record(  # ... while a colleague corrects the same record
        original,
        acting_user=town.users["supervisor_north"],
        organisation=town.orgs["branch_north"],
        reason="種別の誤り",
        kind="visit",
        occurred_at=aware(2026, 4, 9, 9),
        summary="訪問した",
    )
    late = client.post(
        url,
        {
            "kind": "phone",
            "occurred_at": "2026-04-09T11:00",
            "summary": "私の訂正内容",
            "organisation": town.orgs["branch_north"].pk,
            "reason": "時刻の誤り",
        },
    )
    assert late.status_code == 200
    body = late.content.decode()
    assert 'id="conflict"' in body and "私の訂正内容" in body and "時刻の誤り" in body
    assert SupportRecord.objects.filter(corrects=original).count() == 1
    api = client.post(
        f"/api/v1/support/records/{original.pk}/corrections",
        {"kind": "phone", "occurred_at": "2026-04-09T11:00:00+09:00", "summary": "私の訂正内容", "reason": "x"},
        content_type="application/json",
    )
    assert api.status_code == 409 and api.json()["detail"]


@time_machine.travel(NOW, tick=False)
def test_corrections_through_the_api_link_both_ways_and_only_the_author_or_coordination_may(
    town: Town, client: Any
) -> None:
    household = make_household(town)
    case = make_case(town, household, team=("csw",))
    original = add_record(town, household, case, summary="同行した")
    body = {
        "kind": "accompaniment",
        "occurred_at": "2026-04-09T14:00:00+09:00",
        "summary": "同行した",
        "reason": "時刻",
    }
    url = f"/api/v1/support/records/{original.pk}/corrections"
    client.force_login(town.users["csw_worker"])  # on the team, sees the record, but did not write it
    assert client.post(url, body, content_type="application/json").status_code == 404
    client.force_login(town.users["caseworker_south"])  # cannot see it at all
    assert client.post(url, body, content_type="application/json").status_code == 404
    client.force_login(town.users["caseworker_north"])
    bad = client.post(url, {**body, "occurred_at": "0001-01-01T00:00:00+09:00"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "occurred_at"
    created = client.post(url, body, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["corrects_id"] == original.pk and created.json()["correction_reason"] == "時刻"
    items = {i["id"]: i for i in client.get(f"/api/v1/support/households/{household.pk}/timeline").json()["items"]}
    assert items[original.pk]["corrected_by_id"] == created.json()["id"]
    assert items[created.json()["id"]]["corrects_id"] == original.pk
    client.force_login(town.users["coordinator"])
    again = client.post(
        f"/api/v1/support/records/{created.json()['id']}/corrections", body, content_type="application/json"
    )
    assert again.status_code == 201
