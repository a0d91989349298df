import datetime as dt

import pytest

from tsunagiai.core import eras


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2025, 4, 1), "令和7年4月1日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
    ],
)
def test_era_dates_follow_the_japanese_calendar(value: dt.date, expected: str) -> None:
    assert eras.format_date(value, "era") == expected


def test_western_dates_keep_the_japanese_layout() -> None:
    assert eras.format_date(dt.date(2025, 4, 1), "western") == "2025年4月1日"


def test_aware_datetimes_are_shown_in_japan_time() -> None:
    moment = dt.datetime(2025, 3, 31, 15, 30, tzinfo=dt.UTC)  # 00:30 on 1 April in Tokyo
    assert eras.format_datetime(moment, "era") == "令和7年4月1日 0:30"


def test_age_counts_completed_years() -> None:
    assert eras.age_on(dt.date(1955, 4, 2), dt.date(2025, 4, 1)) == 69
    assert eras.age_on(dt.date(1955, 4, 1), dt.date(2025, 4, 1)) == 70
