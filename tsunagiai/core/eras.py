"""Dates as Japanese users want them: the Japanese era (和暦) or the Western calendar.

The era arithmetic comes from ``japanera`` (a maintained library); this
module only decides the layout staff expect on forms and reports
(``令和7年4月1日``, with ``元年`` for the first year of an era).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import japanera
from django.utils import timezone

DateStyle = Literal["era", "western"]
DATE_STYLES: tuple[DateStyle, ...] = ("era", "western")


def era_year(value: dt.date) -> str:
    """``令和7年`` / ``令和元年`` for the date's era and year."""
    era_date = japanera.EraDate(value.year, value.month, value.day)
    era_name = era_date.strftime("%-K")
    year = int(era_date.strftime("%-Y"))
    return f"{era_name}{'元' if year == 1 else year}年"


def format_date(value: dt.date | dt.datetime | None, style: DateStyle = "era") -> str:
    """A date as ``令和7年4月1日`` (era) or ``2025年4月1日`` (western)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if style == "era":
        return f"{era_year(value)}{value.month}月{value.day}日"
    return f"{value.year}年{value.month}月{value.day}日"


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
