import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


# --- reading dates typed in the era or the Western calendar ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("昭和64年1月7日", dt.date(1989, 1, 7)),  # the last day of Shōwa
        ("平成1年1月8日", dt.date(1989, 1, 8)),  # the first day of Heisei
        ("平成元年1月8日", dt.date(1989, 1, 8)),
        ("H1.1.8", dt.date(1989, 1, 8)),
        ("平成31年4月30日", dt.date(2019, 4, 30)),  # the last day of Heisei
        ("令和1年5月1日", dt.date(2019, 5, 1)),  # the first day of Reiwa
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("R1/5/1", dt.date(2019, 5, 1)),
        ("明治45年7月29日", dt.date(1912, 7, 29)),
        ("大正元年7月30日", dt.date(1912, 7, 30)),
        ("大正15年12月24日", dt.date(1926, 12, 24)),
        ("昭和元年12月25日", dt.date(1926, 12, 25)),
        ("昭和25年4月1日", dt.date(1950, 4, 1)),
        ("S25.4.1", dt.date(1950, 4, 1)),
        ("S.25.4.1", dt.date(1950, 4, 1)),
        ("s25.4.1", dt.date(1950, 4, 1)),
        ("Ｓ２５．４．１", dt.date(1950, 4, 1)),  # full width
        ("昭和２５年４月１日", dt.date(1950, 4, 1)),
        (" 昭和 25 年 4 月 1 日 ", dt.date(1950, 4, 1)),
        ("令和8年2月28日", dt.date(2026, 2, 28)),
        ("1950-04-01", dt.date(1950, 4, 1)),
        ("1950/4/1", dt.date(1950, 4, 1)),
        ("1950年4月1日", dt.date(1950, 4, 1)),
        ("19500401", dt.date(1950, 4, 1)),
        ("１９５０－０４－０１", dt.date(1950, 4, 1)),
    ],
)
def test_dates_are_read_in_the_era_and_the_western_calendar(text: str, expected: dt.date) -> None:
    assert eras.parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "昭和65年1月1日",  # Shōwa ended in its 64th year
        "昭和64年1月8日",  # ... on 7 January
        "S64.1.8",
        "平成元年1月7日",  # Heisei began on 8 January 1989
        "平成31年5月1日",  # ... and ended on 30 April 2019
        "平成99年1月1日",
        "H99.1.1",
        "令和元年4月30日",  # Reiwa began on 1 May 2019
        "令和0年5月1日",
        "R0.5.1",
        "明治45年7月30日",
        "大正15年12月25日",
        "昭和元年12月24日",
        "令和8年2月29日",  # 2026 is not a leap year
        "令和7年4月31日",
        "昭和25年13月1日",
        "2025-02-30",
        "X25.4.1",
        "やまだ",
        "",
    ],
)
def test_dates_that_never_existed_are_refused(text: str) -> None:
    assert eras.parse_date(text) is None


_MODERN = dt.date(1873, 1, 1)  # the Gregorian calendar in Japan; before it the era dates were lunisolar


@given(st.dates(min_value=_MODERN, max_value=dt.date(2200, 12, 31)))
def test_an_era_date_as_written_reads_back_as_the_same_day(value: dt.date) -> None:
    written = eras.format_date(value, "era")
    assert eras.parse_date(written) == value
    letter = {"明治": "M", "大正": "T", "昭和": "S", "平成": "H", "令和": "R"}[written[:2]]
    year = eras.era_year(value)[2:-1]
    assert eras.parse_date(f"{letter}{1 if year == '元' else year}.{value.month}.{value.day}") == value


@given(
    st.sampled_from(["明治", "大正", "昭和", "平成", "令和"]),
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=1, max_value=31),
)
def test_an_era_date_is_read_only_as_a_day_of_that_era_and_year(era: str, year: int, month: int, day: int) -> None:
    parsed = eras.parse_date(f"{era}{year}年{month}月{day}日")
    if parsed is not None:
        assert eras.era_year(parsed) == f"{era}{'元' if year == 1 else year}年"
        assert (parsed.month, parsed.day) == (month, day)


@pytest.mark.parametrize(
    ("value", "style", "expected"),
    [
        (dt.date(2026, 11, 1), "era", "令和8年11月"),
        (dt.date(2019, 5, 31), "era", "令和元年5月"),
        (dt.date(2019, 4, 30), "era", "平成31年4月"),
        (dt.date(2026, 11, 20), "western", "2026年11月"),
    ],
)
def test_a_month_is_shown_in_the_users_style(value: dt.date, style: eras.DateStyle, expected: str) -> None:
    assert eras.format_month(value, style) == expected


ERA_FIRST_DAYS = [era.since for era in eras._ERAS.values()]


@pytest.mark.parametrize(
    "value",
    [day + dt.timedelta(days=shift) for day in ERA_FIRST_DAYS for shift in (-366, -1, 0, 1, 365)]
    + [dt.date(1, 1, 1), dt.date(1867, 12, 31), dt.date(2100, 12, 31)],
)
def test_the_quick_era_year_agrees_with_japanera_around_every_era_change(value: dt.date) -> None:
    assert eras.era_year(value) == eras._era_year(value.year, value.month, value.day)


@given(st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2200, 12, 31)))
def test_the_quick_era_year_agrees_with_japanera(value: dt.date) -> None:
    assert eras.era_year(value) == eras._era_year(value.year, value.month, value.day)
    moment = dt.datetime(value.year, value.month, value.day, 12, 0, tzinfo=dt.UTC)
    assert eras.era_year(moment) == eras.era_year(value)
