"""The formula-injection guard of every CSV the project writes (report exports, the audit log's export).

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return as a formula; a text cell starting so is prefixed with ``'``.
It lives in core so that the bottom layer (audit) need not import reports.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str, original: Any) -> str:
    """``text`` (the cell as written) made inert when ``original`` was text starting like a formula."""
    if isinstance(original, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text
