"""Template filters every page uses (registered as builtins in settings)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from tsunagiai.core import eras

register = template.Library()


def _style(context: Any) -> eras.DateStyle:
    style = context.get("date_style", "era") if context else "era"
    return style if style in eras.DATE_STYLES else "era"


@register.simple_tag(takes_context=True)
def jdate(context: Any, value: dt.date | dt.datetime | None) -> str:
    """A date in the user's chosen style (Japanese era or Western)."""
    return eras.format_date(value, _style(context))


@register.simple_tag(takes_context=True)
def jmonth(context: Any, value: dt.date | None) -> str:
    """A month (a table's column, a period) in the user's chosen style: 令和8年11月 / 2026年11月."""
    return eras.format_month(value, _style(context))


@register.simple_tag(takes_context=True)
def jdatetime(context: Any, value: dt.datetime | None) -> str:
    """A date and time in the user's chosen style."""
    return eras.format_datetime(value, _style(context))


@register.filter
def quoted(value: Any) -> str:
    """``「value」``, once: a value that already carries its own 「」 is not bracketed again."""
    text = str(value).strip()
    if text.startswith("「") and text.endswith("」"):
        text = text[1:-1]
    return f"「{text}」"


@register.filter(name="error_summary")
def error_summary_filter(form: Any) -> list[tuple[str, str]]:
    """``{% include "includes/error_summary.html" with errors=form|error_summary %}``; nothing for no form."""
    from django.forms import BaseForm

    from tsunagiai.core.forms import error_summary

    return error_summary(form) if isinstance(form, BaseForm) else []
