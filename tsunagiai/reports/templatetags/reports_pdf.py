"""``{{ value|pdf_date:dates }}``: a date in the style the export was asked for (era or western);
``{% pdf_font_faces %}``: the ``@font-face`` rules of the PDF fonts (``reports.pdffonts``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from tsunagiai.core.eras import format_date
from tsunagiai.reports import pdffonts

register = template.Library()


@register.filter
def pdf_date(value: dt.date | dt.datetime | None, style: Any) -> str:
    return format_date(value, "western" if style == "western" else "era")


@register.simple_tag
def pdf_font_faces() -> SafeString:
    return mark_safe(pdffonts.font_face_css())  # noqa: S308 - built from fixed names and a file URI
