"""Validation of every export parameter: an unknown value answers 400 with a Japanese message
naming the field (never a 500, never a silent default for a value that was given)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.http import QueryDict

from tsunagiai.core.eras import DATE_STYLES, DateStyle

TABLE_FORMATS = ("csv", "csv_sjis", "xlsx")
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_RANGE_DAYS = 366 * 5


class ParamError(ValueError):
    """``message`` is Japanese and names the field."""


def _value(query: QueryDict, name: str, label: str, *, max_length: int = 20) -> str | None:
    values = query.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise ParamError(f"{label}: 1つだけ指定してください。")
    value = values[0].strip()
    if len(value) > max_length:
        raise ParamError(f"{label}: 長すぎます。")
    return value or None


def table_format(query: QueryDict) -> str:
    value = _value(query, "format", "形式") or "csv"
    if value not in TABLE_FORMATS:
        raise ParamError("形式: csv、csv_sjis、xlsx のいずれかを指定してください。")
    return value


def date_style(query: QueryDict, user: Any) -> DateStyle:
    value = _value(query, "dates", "日付の表記")
    if value is None:
        preferred = getattr(user, "date_style", "era")
        return preferred if preferred in DATE_STYLES else "era"
    if value not in DATE_STYLES:
        raise ParamError("日付の表記: era（和暦）または western（西暦）を指定してください。")
    return value  # type: ignore[return-value]


def a_date(query: QueryDict, name: str, label: str) -> dt.date | None:
    value = _value(query, name, label)
    if value is None:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ParamError(f"{label}: 日付は 2025-04-01 の形で指定してください。")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ParamError(f"{label}: 存在しない日付です。") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ParamError(f"{label}: {MIN_YEAR}年から{MAX_YEAR}年までの日付を指定してください。")
    return day


def date_range(query: QueryDict, today: dt.date) -> tuple[dt.date, dt.date]:
    """``from`` and ``to`` (inclusive); by default the current fiscal year to today."""
    start = a_date(query, "from", "期間（から）")
    end = a_date(query, "to", "期間（まで）")
    if start is None:
        start = dt.date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    end = end or today
    if end < start:
        raise ParamError("期間（まで）: 期間（から）より前の日付は指定できません。")
    if (end - start).days > MAX_RANGE_DAYS:
        raise ParamError("期間（まで）: 期間は5年以内にしてください。")
    return start, end


def a_month(query: QueryDict, today: dt.date) -> tuple[int, int]:
    value = _value(query, "month", "対象月")
    if value is None:
        return today.year, today.month
    match = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if not match:
        raise ParamError("対象月: 2025-04 の形で指定してください。")
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise ParamError("対象月: 月は01から12で指定してください。")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ParamError(f"対象月: {MIN_YEAR}年から{MAX_YEAR}年までを指定してください。")
    return year, month


def fiscal_year(query: QueryDict, today: dt.date) -> int:
    value = _value(query, "fy", "年度")
    if value is None:
        return today.year if today.month >= 4 else today.year - 1
    if not re.fullmatch(r"\d{4}", value):
        raise ParamError("年度: 西暦の4桁（例: 2025）で指定してください。")
    year = int(value)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ParamError(f"年度: {MIN_YEAR}から{MAX_YEAR}までを指定してください。")
    return year


def choice(query: QueryDict, name: str, label: str, choices: dict[str, Any], default: str) -> str:
    value = _value(query, name, label) or default
    if value not in choices:
        raise ParamError(f"{label}: {'、'.join(choices)} のいずれかを指定してください。")
    return value
