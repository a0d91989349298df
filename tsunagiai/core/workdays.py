"""Working days (開庁日) of the city offices: weekdays that are neither a national holiday nor in the
year-end closure.

Japanese public holidays come from the ``holidays`` library; the year-end closure (年末年始, 12/29–1/3 in
most city offices) is the default, overridden by ``year_end_closure: [[12, 29], [1, 3]]`` in the
municipality.yaml (``tsunagiai.core.municipality``). Both are computed once per process. The referral
timers (``tsunagiai.referrals.timers``) count in these days.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import Any

import holidays
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone

from tsunagiai.core.municipality import read_municipality_settings

logger = logging.getLogger(__name__)

Closure = tuple[tuple[int, int], tuple[int, int]]
DEFAULT_YEAR_END_CLOSURE: Closure = ((12, 29), (1, 3))


def year_end_closure() -> Closure:
    """(first month, day), (last month, day) of the year-end closure."""
    return _year_end_closure_in(str(settings.REFERENCE_DATA_DIR))


@functools.cache
def _year_end_closure_in(directory: str) -> Closure:
    raw = read_municipality_settings(directory).get("year_end_closure")
    if raw is None:
        return DEFAULT_YEAR_END_CLOSURE
    try:
        (m1, d1), (m2, d2) = raw
        return ((int(m1), int(d1)), (int(m2), int(d2)))
    except (TypeError, ValueError):
        # A malformed city setting must not stop the timers: use the default and say so.
        logger.warning("year_end_closure: expected [[month, day], [month, day]], got %r; using the default", raw)
        return DEFAULT_YEAR_END_CLOSURE


@receiver(setting_changed)
def _forget_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "REFERENCE_DATA_DIR":
        _year_end_closure_in.cache_clear()


@functools.cache
def _japanese_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=[year])


def is_working_day(day: dt.date) -> bool:
    """A weekday that is neither a national holiday nor in the year-end closure."""
    if day.weekday() >= 5:  # noqa: PLR2004
        return False
    if day in _japanese_holidays(day.year):
        return False
    (start_month, start_day), (end_month, end_day) = year_end_closure()
    md = (day.month, day.day)
    return not (md >= (start_month, start_day) or md <= (end_month, end_day))


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The same local time of day on the ``days``-th working day after ``start``'s date.

    Sent on Friday 20 November 2026 at 10:00 with one day allowed, the referral
    is due on Tuesday the 24th at 10:00 (Monday the 23rd is 勤労感謝の日).
    """
    local = timezone.localtime(start)
    day = local.date()
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return local.replace(year=day.year, month=day.month, day=day.day)


def working_days_between(start: dt.datetime, end: dt.datetime) -> int:
    """Working days after ``start``'s date up to and including ``end``'s date."""
    first, last = timezone.localtime(start).date(), timezone.localtime(end).date()
    count, day = 0, first
    while day < last:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
