"""Dates as Japanese users want them: the Japanese era (和暦) or the Western calendar.

The era arithmetic comes from ``japanera`` (a maintained library); this
module only decides the layout staff expect on forms and reports
(``令和7年4月1日``, with ``元年`` for the first year of an era), and reads
dates typed that way back (``parse_date``), refusing days that never existed
in the era named (``昭和65年``, ``平成31年5月1日``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from typing import Literal

import japanera
from django.utils import timezone

DateStyle = Literal["era", "western"]
DATE_STYLES: tuple[DateStyle, ...] = ("era", "western")


@functools.lru_cache(maxsize=8192)
def _era_year(year: int, month: int, day: int) -> str:
    # japanera takes ~0.1 ms a date; pages and exports show the same few hundred days again and again.
    era_date = japanera.EraDate(year, month, day)
    era_name = era_date.strftime("%-K")
    era_year_number = int(era_date.strftime("%-Y"))
    return f"{era_name}{'元' if era_year_number == 1 else era_year_number}年"


# The eras of modern Japan, by name and by the letter used on forms (S25.4.1), from japanera's table.
_ERAS: dict[str, japanera.Era] = {
    era.kanji: era for era in japanera.ERA_DATA_GENERAL if era.kanji in {"明治", "大正", "昭和", "平成", "令和"}
}
# The same eras, latest first, as (first day, first day of the next era or None, name): for the quick path.
_MODERN = sorted(((era.since, era.until, era.kanji) for era in _ERAS.values()), reverse=True)


def era_year(value: dt.date) -> str:
    """``令和7年`` / ``令和元年`` for the date's era and year."""
    # Within the modern eras the year is counted from the era's first year (元年), as japanera counts it
    # (tests/test_eras compares them); before them, and for anything unusual, japanera itself.
    day = value.date() if isinstance(value, dt.datetime) else value
    for since, until, name in _MODERN:
        if day >= since:
            if until is not None and day >= until:
                break
            number = day.year - since.year + 1
            return f"{name}{'元' if number == 1 else number}年"
    return _era_year(value.year, value.month, value.day)


_ERA_LETTERS = {era.english_head: era.kanji for era in _ERAS.values()}  # M T S H R
_WESTERN_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ERA_DATE = re.compile(r"^(明治|大正|昭和|平成|令和|[MTSHR])\.?(\d{1,3}|元)[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


def parse_era_date(era_name: str, era_year: int, month: int, day: int) -> dt.date | None:
    """The day ``era_name`` ``era_year`` (1 = 元年) month/day, or None when that era had no such day."""
    era = _ERAS.get(_ERA_LETTERS.get(era_name, era_name))
    if era is None or era_year < 1:
        return None
    try:
        value = dt.date(era.relative_year_to_absolute_year(era_year), month, day)
    except ValueError:
        return None
    return value if value in era else None


def parse_date(text: str) -> dt.date | None:
    """A date typed as ``1950-04-01``, ``1950/4/1``, ``1950年4月1日``, ``19500401``, ``昭和25年4月1日``,
    ``昭和元年…`` or ``S25.4.1`` (full-width digits and letters, spaces and lower case too); None for
    anything else, including days that never existed (``2025-02-30``, ``昭和65年1月1日``)."""
    normalised = unicodedata.normalize("NFKC", text).strip().upper().replace(" ", "")
    if match := _WESTERN_DATE.match(normalised) or _COMPACT_DATE.match(normalised):
        year, month, day = (int(part) for part in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    if match := _ERA_DATE.match(normalised):
        era_name, year_text, month_text, day_text = match.groups()
        year = 1 if year_text == "元" else int(year_text)
        return parse_era_date(era_name, year, int(month_text), int(day_text))
    return None


def format_date(value: dt.date | dt.datetime | None, style: DateStyle = "era") -> str:
    """A date as ``令和7年4月1日`` (era) or ``2025年4月1日`` (western)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if style == "era":
        return f"{era_year(value)}{value.month}月{value.day}日"
    return f"{value.year}年{value.month}月{value.day}日"


def format_month(value: dt.date | None, style: DateStyle = "era") -> str:
    """A month as ``令和8年11月`` (era, the era of its first day) or ``2026年11月`` (western)."""
    if value is None:
        return ""
    first = value.replace(day=1)
    return f"{era_year(first) if style == 'era' else f'{first.year}年'}{first.month}月"


def format_datetime(value: dt.datetime | None, style: DateStyle = "era") -> str:
    """A moment in Japan time, as ``令和7年4月1日 9:05``."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{format_date(local.date(), style)} {local.hour}:{local.minute:02d}"


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Age in completed years on ``on`` (Japanese law counts the day before the birthday; for
    display the ordinary count is what staff expect)."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
