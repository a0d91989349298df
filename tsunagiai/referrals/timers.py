"""Referral timers in working days (開庁日), aware of Japanese public holidays and the year-end closure.

Defaults (SYSTEM.md C3): not seen within 1 working day, not accepted within 3,
no first contact within 5. A municipality overrides them with
``settings.REFERRAL_TIMERS`` or a ``referral_timers:`` mapping in its reference
data folder's municipality.yaml; the year-end closure (年末年始, 12/29–1/3 in
most city offices) with ``year_end_closure: [[12, 29], [1, 3]]`` there.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from pathlib import Path
from typing import Any

import holidays
import yaml
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

DEFAULT_TIMERS = {"not_seen": 1, "not_accepted": 3, "no_first_contact": 5}
DEFAULT_YEAR_END_CLOSURE = ((12, 29), (1, 3))


@functools.cache
def _municipality_settings(path: Path, mtime: float) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return data if isinstance(data, dict) else {}


def _municipality() -> dict[str, Any]:
    path = Path(settings.REFERENCE_DATA_DIR) / "municipality.yaml"
    if not path.exists():
        return {}
    return _municipality_settings(path, path.stat().st_mtime)


def referral_timers() -> dict[str, int]:
    """Working days allowed for each step: defaults < municipality.yaml < settings.REFERRAL_TIMERS."""
    timers = dict(DEFAULT_TIMERS)
    for source in (_municipality().get("referral_timers") or {}, getattr(settings, "REFERRAL_TIMERS", {}) or {}):
        for key, value in source.items():
            if key in timers and isinstance(value, int) and value >= 0:
                timers[key] = value
            else:
                logger.warning("referral_timers: ignoring %r: %r (known steps: %s)", key, value, ", ".join(timers))
    return timers


def year_end_closure() -> tuple[tuple[int, int], tuple[int, int]]:
    raw = _municipality().get("year_end_closure")
    if raw is None:
        return DEFAULT_YEAR_END_CLOSURE
    try:
        (m1, d1), (m2, d2) = raw
        return ((int(m1), int(d1)), (int(m2), int(d2)))
    except (TypeError, ValueError):
        # A malformed city setting must not stop the timers: use the default and say so.
        logger.warning("year_end_closure: expected [[month, day], [month, day]], got %r; using the default", raw)
        return DEFAULT_YEAR_END_CLOSURE


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
