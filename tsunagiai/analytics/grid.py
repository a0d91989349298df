"""The publication grid: the periods for which perturbed figures are published.

Months, fiscal quarters (Q1 = April–June … Q4 = January–March) and fiscal years (April–March), and, for
the monthly report only, the fiscal year to the end of a month. Free date ranges and single days are for
users who see exact figures (the coordination section): for everyone else every period is one of these,
so an attacker cannot take many noisy looks at almost the same records ("the period plus one day").

Codes: ``2025-04`` (month), ``2025Q1`` (fiscal 2025, April–June 2025), ``FY2025`` (April 2025–March
2026), ``FY2025-08`` (April–August 2025, the monthly report's "fiscal year to date").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext

from tsunagiai.core.eras import era_year

Kind = Literal["month", "quarter", "year", "to_date"]
MONTH = re.compile(r"(\d{4})-(\d{2})")
QUARTER = re.compile(r"(\d{4})Q([1-4])")
YEAR = re.compile(r"FY(\d{4})")
TO_DATE = re.compile(r"FY(\d{4})-(\d{2})")
MIN_YEAR, MAX_YEAR = 2000, 2100


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def fiscal_year_of(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


@dataclass(frozen=True)
class GridPeriod:
    kind: Kind
    start: dt.date  # the first day
    end: dt.date  # the day after the last

    @property
    def code(self) -> str:
        fiscal = fiscal_year_of(self.start)
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{fiscal}Q{(self.start.month - 4) % 12 // 3 + 1}"
        if self.kind == "year":
            return f"FY{fiscal}"
        return f"FY{fiscal}-{self.last_day:%m}"

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def span(self) -> str:
        """The rollup span of families that count distinct households in the period (none for to-date)."""
        return {"month": "m", "quarter": "q", "year": "y", "to_date": ""}[self.kind]

    def months(self) -> list[dt.date]:
        months, current = [], self.start
        while current < self.end:
            months.append(current)
            current = add_months(current, 1)
        return months

    def label(self, style: str = "era") -> str:
        fiscal = fiscal_year_of(self.start)
        year = (era_year(dt.date(fiscal, 4, 1))[:-1] if style == "era" else str(fiscal)) + "年度"
        if self.kind == "month":
            calendar = era_year(self.start) if style == "era" else f"{self.start.year}年"
            return f"{calendar}{self.start.month}月"
        if self.kind == "quarter":
            number = (self.start.month - 4) % 12 // 3 + 1
            return gettext("%(year)s Q%(quarter)s (%(first)s–%(last)s)") % {
                "year": year,
                "quarter": number,
                "first": f"{self.start.month}月",
                "last": f"{self.last_day.month}月",
            }
        if self.kind == "year":
            return year
        return gettext("%(year)s to the end of %(month)s") % {"year": year, "month": f"{self.last_day.month}月"}


def month(year: int, month_: int) -> GridPeriod:
    start = dt.date(year, month_, 1)
    return GridPeriod("month", start, add_months(start, 1))


def quarter(fiscal_year: int, number: int) -> GridPeriod:
    start = add_months(dt.date(fiscal_year, 4, 1), 3 * (number - 1))
    return GridPeriod("quarter", start, add_months(start, 3))


def fiscal_year(fiscal_year_: int) -> GridPeriod:
    return GridPeriod("year", dt.date(fiscal_year_, 4, 1), dt.date(fiscal_year_ + 1, 4, 1))


def year_to_date(last_month: GridPeriod) -> GridPeriod:
    return GridPeriod("to_date", dt.date(fiscal_year_of(last_month.start), 4, 1), last_month.end)


def parse(code: str) -> GridPeriod:
    """A grid period from its code; ValueError for anything else."""
    code = code.strip()
    if match := MONTH.fullmatch(code):
        year, number = int(match[1]), int(match[2])
        if MIN_YEAR <= year <= MAX_YEAR and 1 <= number <= 12:
            return month(year, number)
    elif (match := QUARTER.fullmatch(code)) and MIN_YEAR <= int(match[1]) <= MAX_YEAR:
        return quarter(int(match[1]), int(match[2]))
    elif (match := YEAR.fullmatch(code)) and MIN_YEAR <= int(match[1]) <= MAX_YEAR:
        return fiscal_year(int(match[1]))
    raise ValueError(code)


def from_dates(start: dt.date, last_day: dt.date) -> GridPeriod | None:
    """The grid period that is exactly ``start``–``last_day`` (inclusive), or None."""
    end = last_day + dt.timedelta(days=1)
    for kind, length in (("month", 1), ("quarter", 3), ("year", 12)):
        if start.day == 1 and add_months(start, length) == end:
            if kind == "month":
                return GridPeriod("month", start, end)
            if kind == "quarter" and start.month in (4, 7, 10, 1):
                return GridPeriod("quarter", start, end)
            if kind == "year" and start.month == 4:
                return GridPeriod("year", start, end)
    return None


def choices(first: dt.date, today: dt.date, style: str = "era") -> list[tuple[str, list[tuple[str, str]]]]:
    """The periods from the one holding ``first`` to the one holding ``today``, newest first, grouped."""
    first = min(first, today)
    years = [fiscal_year(y) for y in range(fiscal_year_of(today), fiscal_year_of(first) - 1, -1)]
    quarters = [
        q
        for y in range(fiscal_year_of(today), fiscal_year_of(first) - 1, -1)
        for q in (quarter(y, n) for n in (4, 3, 2, 1))
        if q.start <= today and q.end > first
    ]
    months, current = [], today.replace(day=1)
    while current >= first.replace(day=1):
        months.append(month(current.year, current.month))
        current = add_months(current, -1)
    return [
        (gettext("Fiscal years"), [(p.code, p.label(style)) for p in years]),
        (gettext("Quarters"), [(p.code, p.label(style)) for p in quarters]),
        (gettext("Months"), [(p.code, p.label(style)) for p in months]),
    ]


def current_fiscal_year(today: dt.date) -> GridPeriod:
    return fiscal_year(fiscal_year_of(today))
