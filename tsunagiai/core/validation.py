"""Plausible dates: one rule for every date and moment people type in.

A date far outside what can be true is a typo, and some are worse than that:
``0001-01-01T00:00+09:00`` is before year 1 in UTC, which PostgreSQL stores
(as 1 BC) but Python cannot read back, so one such row broke a household's
timeline for everyone. Every form and API input of a date therefore passes
through here:

- nothing before 1900-01-01 (``EARLIEST_DATE``), nor before ``not_before``
  where that is known (the person's date of birth);
- nothing after now + ``max_future``: ``NO_FUTURE`` for what happened
  (records, assessments, agreements; moments get ``CLOCK_SKEW`` for clocks a
  few minutes apart), ``PLANNING_HORIZON`` (about five years) for what is
  planned (review dates, due dates, conference dates).

``date_problem``/``moment_problem`` say why without the field name (for forms
whose errors are labelled elsewhere); ``plausible_date``/``plausible_datetime``
raise a ``ValidationError`` whose Japanese message names the field.

The same rule in each layer, so that no path skips it:

- forms: ``PlausibleDateField`` / ``PlausibleDateTimeField`` (or a ``clean_*``
  method calling the functions here);
- the API: ``api_date_check`` / ``api_moment_check`` as pydantic validators
  (``tsunagiai.core.api.PastDate`` and friends), answered 422 naming the field;
- the actions (defence in depth, the one place every path goes through):
  ``check_date``/``check_moment`` collect the problem under the field's name,
  with the tighter floor the action knows (a date of birth).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

EARLIEST_DATE = dt.date(1900, 1, 1)
NO_FUTURE = dt.timedelta(0)
CLOCK_SKEW = dt.timedelta(minutes=10)
PLANNING_HORIZON = dt.timedelta(days=5 * 365 + 1)


def _written(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def date_problem(
    value: dt.date,
    *,
    not_before: dt.date | None = None,
    not_before_label: str = "",
    max_future: dt.timedelta = NO_FUTURE,
    today: dt.date | None = None,
) -> str | None:
    """Why ``value`` cannot be this date (a sentence without the field name), or None when plausible.

    ``not_before`` (e.g. a date of birth, named by ``not_before_label``) only
    tightens the floor of 1900-01-01; ``max_future`` is how far after today
    the date may lie.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if value < EARLIEST_DATE:
        return _("enter a date in 1900 or later.")
    if not_before is not None and value < not_before:
        return _("the date is before %(what)s (%(date)s).") % {
            "what": not_before_label or _("the earliest possible date"),
            "date": _written(not_before),
        }
    today = today or timezone.localdate()
    latest = today + max_future
    if value > latest:
        if max_future < dt.timedelta(days=1):
            return _("a future date cannot be entered.")
        return _("enter a date no later than %(date)s.") % {"date": _written(latest)}
    return None


def moment_problem(
    value: dt.datetime,
    *,
    not_before: dt.date | None = None,
    not_before_label: str = "",
    max_future: dt.timedelta = CLOCK_SKEW,
    now: dt.datetime | None = None,
) -> str | None:
    """``date_problem`` for a date and time (aware, or naive in Japan time).

    The floor is checked on the moment's own calendar date before any time
    zone arithmetic, which overflows for moments near year 1.
    """
    local_date = value.date()
    if local_date < EARLIEST_DATE or (not_before is not None and local_date < not_before):
        return date_problem(local_date, not_before=not_before, not_before_label=not_before_label)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    now = now or timezone.now()
    if value > now + max_future:
        if max_future < dt.timedelta(days=1):
            return _("a future date and time cannot be entered.")
        latest = timezone.localtime(now + max_future).date()
        return _("enter a date no later than %(date)s.") % {"date": _written(latest)}
    return None


def _labelled(field_label: str, problem: str) -> str:
    return _("%(label)s: %(problem)s") % {"label": field_label, "problem": problem}


def plausible_date(
    value: dt.date,
    *,
    field_label: str,
    not_before: dt.date | None = None,
    not_before_label: str = "",
    max_future: dt.timedelta = NO_FUTURE,
    code: str = "implausible_date",
) -> dt.date:
    """``value`` if plausible, else ``ValidationError`` with a message naming ``field_label``."""
    problem = date_problem(value, not_before=not_before, not_before_label=not_before_label, max_future=max_future)
    if problem:
        raise ValidationError(_labelled(field_label, problem), code=code)
    return value


def plausible_datetime(
    value: dt.datetime,
    *,
    field_label: str,
    not_before: dt.date | None = None,
    not_before_label: str = "",
    max_future: dt.timedelta = CLOCK_SKEW,
    code: str = "implausible_date",
) -> dt.datetime:
    """``value`` (made aware in Japan time when naive) if plausible, else ``ValidationError`` naming the field."""
    problem = moment_problem(value, not_before=not_before, not_before_label=not_before_label, max_future=max_future)
    if problem:
        raise ValidationError(_labelled(field_label, problem), code=code)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def check_date(
    errors: dict[str, str],
    field: str,
    value: dt.date | None,
    *,
    label: Any,
    max_future: dt.timedelta = NO_FUTURE,
    not_before: dt.date | None = None,
    not_before_label: Any = "",
) -> None:
    """For actions: put in ``errors[field]`` why ``value`` is not plausible (the message names ``label``)."""
    if value is None or field in errors:
        return
    problem = date_problem(value, not_before=not_before, not_before_label=str(not_before_label), max_future=max_future)
    if problem:
        errors[field] = _labelled(str(label), problem)


def check_moment(
    errors: dict[str, str],
    field: str,
    value: dt.datetime | None,
    *,
    label: Any,
    max_future: dt.timedelta = CLOCK_SKEW,
    not_before: dt.date | None = None,
    not_before_label: Any = "",
) -> None:
    """``check_date`` for a date and time (aware, or naive in Japan time)."""
    if value is None or field in errors:
        return
    problem = moment_problem(
        value, not_before=not_before, not_before_label=str(not_before_label), max_future=max_future
    )
    if problem:
        errors[field] = _labelled(str(label), problem)


class PlausibleDateField(forms.DateField):
    """A form's date that must be plausible: 1900-01-01 … today + ``max_future``; the error names the label."""

    def __init__(self, *args: Any, max_future: dt.timedelta = NO_FUTURE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_future = max_future

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value not in self.empty_values:
            plausible_date(value, field_label=str(self.label or ""), max_future=self.max_future)


class PlausibleDateTimeField(forms.DateTimeField):
    """A form's date and time that must be plausible (see ``moment_problem``); the error names the label."""

    def __init__(self, *args: Any, max_future: dt.timedelta = CLOCK_SKEW, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_future = max_future

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value not in self.empty_values:
            plausible_datetime(value, field_label=str(self.label or ""), max_future=self.max_future)


def api_date_check(max_future: dt.timedelta = NO_FUTURE) -> Any:
    """A pydantic ``AfterValidator`` body for an API date; the API's error format adds the field's name."""

    def check(value: dt.date) -> dt.date:
        problem = date_problem(value, max_future=max_future)
        if problem:
            raise ValueError(problem)
        return value

    return check


def api_moment_check(max_future: dt.timedelta = CLOCK_SKEW) -> Any:
    """``api_date_check`` for a date and time; a moment without a time zone is Japan time."""

    def check(value: dt.datetime) -> dt.datetime:
        problem = moment_problem(value, max_future=max_future)
        if problem:
            raise ValueError(problem)
        return value

    return check
