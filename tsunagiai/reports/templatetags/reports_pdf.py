"""``{{ value|pdf_date:dates }}``: a date in the style the export was asked for (era or western)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from tsunagiai.core.eras import format_date

register = template.Library()


@register.filter
def pdf_date(value: dt.date | dt.datetime | None, style: Any) -> str:
    return format_date(value, "western" if style == "western" else "era")
