"""Plausible dates: the one rule every date input passes through (core.validation)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from tsunagiai.core.validation import (
    PLANNING_HORIZON,
    date_problem,
    moment_problem,
    plausible_date,
    plausible_datetime,
)

NOW = dt.datetime(2026, 4, 10, 1, tzinfo=dt.UTC)  # 10:00 in Japan
JST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture(autouse=True)
def _japanese() -> object:
    with translation.override("ja"):
        yield


@time_machine.travel(NOW, tick=False)
def test_a_date_before_1900_or_in_the_future_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as too_old:
        plausible_date(dt.date(1, 1, 1), field_label="生年月日")
    assert too_old.value.messages == ["生年月日: 1900年以降の日付を入力してください。"]
    with pytest.raises(ValidationError) as future:
        plausible_date(dt.date(2026, 4, 11), field_label="同意日")
    assert future.value.messages == ["同意日: 未来の日付は指定できません。"]
    assert plausible_date(dt.date(1900, 1, 1), field_label="x") == dt.date(1900, 1, 1)
    assert plausible_date(dt.date(2026, 4, 10), field_label="x") == dt.date(2026, 4, 10)


@time_machine.travel(NOW, tick=False)
def test_planned_dates_may_lie_up_to_the_planning_horizon() -> None:
    latest = dt.date(2026, 4, 10) + PLANNING_HORIZON
    assert date_problem(latest, max_future=PLANNING_HORIZON) is None
    problem = date_problem(latest + dt.timedelta(days=1), max_future=PLANNING_HORIZON)
    assert problem == f"{latest.year}年{latest.month}月{latest.day}日以前の日付を入力してください。"
    assert latest.year == 2031


@time_machine.travel(NOW, tick=False)
def test_not_before_the_date_of_birth() -> None:
    problem = date_problem(dt.date(1979, 12, 31), not_before=dt.date(1980, 1, 1), not_before_label="生年月日")
    assert problem == "生年月日（1980年1月1日）より前の日付です。"
    assert date_problem(dt.date(1980, 1, 1), not_before=dt.date(1980, 1, 1)) is None


@time_machine.travel(NOW, tick=False)
def test_a_moment_in_year_one_is_refused_without_time_zone_arithmetic() -> None:
    # 0001-01-01T00:00+09:00 is before year 1 in UTC: converting it would overflow.
    year_one = dt.datetime(1, 1, 1, tzinfo=JST)
    assert moment_problem(year_one) == "1900年以降の日付を入力してください。"
    with pytest.raises(ValidationError) as refused:
        plausible_datetime(year_one, field_label="日時")
    assert refused.value.messages == ["日時: 1900年以降の日付を入力してください。"]
    far = dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-9)))
    assert moment_problem(far) == "未来の日時は入力できません。"


@time_machine.travel(NOW, tick=False)
def test_a_moment_minutes_ahead_passes_and_a_naive_one_is_japan_time() -> None:
    assert moment_problem(NOW + dt.timedelta(minutes=9)) is None
    assert moment_problem(NOW + dt.timedelta(minutes=11)) == "未来の日時は入力できません。"
    naive = plausible_datetime(dt.datetime(2026, 4, 10, 10, 5), field_label="日時")  # noqa: DTZ001
    assert naive == dt.datetime(2026, 4, 10, 1, 5, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
@pytest.mark.django_db
def test_consent_and_household_membership_forms_use_the_rule() -> None:
    from tsunagiai.consent.forms import ConsentForm
    from tsunagiai.people.forms import EndMembershipForm, NewMemberForm

    consent = ConsentForm(
        {"given_on": "0001-01-01", "expires_on": "2099-01-01", "method": "oral", "scope_information": ["basic"]},
        organisations=[],
    )
    assert not consent.is_valid()
    assert consent.errors["given_on"] == ["同意日: 1900年以降の日付を入力してください。"]
    assert str(consent.errors["expires_on"][0]).startswith("有効期限: 2036年")
    member = NewMemberForm({"relationship": "child", "started_on": "0001-01-01"})
    assert not member.is_valid() and "1900年以降" in member.errors["started_on"][0]
    ended = EndMembershipForm({"ended_on": "1899-12-31", "end_reason": "転出"})
    assert not ended.is_valid() and "1900年以降" in ended.errors["ended_on"][0]
