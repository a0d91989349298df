"""Validation of every export parameter: an unknown value answers 400 with a message in the
user's language naming the field (never a 500, never a silent default for a value that was given)."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from django.http import QueryDict
from django.utils.translation import gettext, pgettext

from tsunagiai.core.eras import DATE_STYLES, DateStyle

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

TABLE_FORMATS = ("csv", "csv_sjis", "xlsx")
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_RANGE_DAYS = 366 * 5


class ParamError(ValueError):
    """``message`` is in the user's language and names the field."""


def _error(message: str, label: str, **values: Any) -> ParamError:
    return ParamError(message % {"field": label, **values})


def _value(query: QueryDict, name: str, label: str, *, max_length: int = 20) -> str | None:
    values = query.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise _error(gettext("%(field)s: give only one value."), label)
    value = values[0].strip()
    if len(value) > max_length:
        raise _error(gettext("%(field)s: the value is too long."), label)
    return value or None


def _one_of(label: str, choices: Any) -> ParamError:
    separator = pgettext("list separator", ", ")
    return _error(gettext("%(field)s: give one of %(choices)s."), label, choices=separator.join(choices))


def table_format(query: QueryDict) -> str:
    label = gettext("Format")
    value = _value(query, "format", label) or "csv"
    if value not in TABLE_FORMATS:
        raise _one_of(label, TABLE_FORMATS)
    return value


def date_style(query: QueryDict, user: User) -> DateStyle:
    label = gettext("Date notation")
    value = _value(query, "dates", label)
    if value is None:
        preferred = getattr(user, "date_style", "era")
        return preferred if preferred in DATE_STYLES else "era"
    if value not in DATE_STYLES:
        raise _error(gettext("%(field)s: give era (Japanese era) or western (Western calendar)."), label)
    return value  # type: ignore[return-value]


def a_date(query: QueryDict, name: str, label: str) -> dt.date | None:
    value = _value(query, name, label)
    if value is None:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise _error(gettext("%(field)s: give the date in the form 2025-04-01."), label)
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise _error(gettext("%(field)s: this date does not exist."), label) from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise _error(gettext("%(field)s: give a date from %(min)s to %(max)s."), label, min=MIN_YEAR, max=MAX_YEAR)
    return day


def date_range(query: QueryDict, today: dt.date) -> tuple[dt.date, dt.date]:
    """``from`` and ``to`` (inclusive); by default the current fiscal year to today."""
    start_label, end_label = gettext("Period (from)"), gettext("Period (to)")
    start = a_date(query, "from", start_label)
    end = a_date(query, "to", end_label)
    if start is None:
        start = dt.date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    end = end or today
    if end < start:
        raise _error(gettext("%(field)s: cannot be before %(start)s."), end_label, start=start_label)
    if (end - start).days > MAX_RANGE_DAYS:
        raise _error(gettext("%(field)s: the period must be five years or less."), end_label)
    return start, end


def a_month(query: QueryDict, today: dt.date) -> tuple[int, int]:
    label = gettext("Month")
    value = _value(query, "month", label)
    if value is None:
        return today.year, today.month
    match = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if not match:
        raise _error(gettext("%(field)s: give the month in the form 2025-04."), label)
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise _error(gettext("%(field)s: the month must be from 01 to 12."), label)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _error(gettext("%(field)s: give a month from %(min)s to %(max)s."), label, min=MIN_YEAR, max=MAX_YEAR)
    return year, month


def fiscal_year(query: QueryDict, today: dt.date) -> int:
    label = gettext("Fiscal year")
    value = _value(query, "fy", label)
    if value is None:
        return today.year if today.month >= 4 else today.year - 1
    if not re.fullmatch(r"\d{4}", value):
        raise _error(gettext("%(field)s: give four Western digits (for example 2025)."), label)
    year = int(value)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _error(
            gettext("%(field)s: give a fiscal year from %(min)s to %(max)s."), label, min=MIN_YEAR, max=MAX_YEAR
        )
    return year


def choice(query: QueryDict, name: str, label: str, choices: dict[str, Any], default: str) -> str:
    value = _value(query, name, label) or default
    if value not in choices:
        raise _one_of(label, choices)
    return value


def grid_period(query: QueryDict, today: dt.date, *, exact: bool) -> Any:
    """The period of a count export: ``period`` (a grid code: 2025-04, 2025Q1, FY2025), or ``from``/``to``.

    Users who see perturbed figures get only periods of the publication grid (tsunagiai.analytics.grid):
    ``from``/``to`` must then be exactly a month, fiscal quarter or fiscal year, else 400 — never figures
    for "the period plus one day". Returns a GridPeriod, or (from, to) dates for exact users' free periods.
    """
    from tsunagiai.analytics import grid

    label = gettext("Period")
    code = _value(query, "period", label)
    if code is not None:
        try:
            return grid.parse(code)
        except ValueError:
            raise _error(
                gettext("%(field)s: give a month (2025-04), a fiscal quarter (2025Q1) or a fiscal year (FY2025)."),
                label,
            ) from None
    if not query.getlist("from") and not query.getlist("to"):
        return grid.current_fiscal_year(today) if not exact else date_range(query, today)
    start, end = date_range(query, today)
    if exact:
        return start, end
    period = grid.from_dates(start, end)
    if period is None:
        raise _error(
            gettext(
                "%(field)s: figures are published for whole months, fiscal quarters and fiscal years only"
                " (for example 2025-04-01 to 2025-04-30)."
            ),
            label,
        )
    return period
