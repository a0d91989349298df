"""Words, not codes (issue 16): the evidence table's months read as the rest of the UI's dates (era or western)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from tsunagiai.regional.actions import do_create_regional_issue
from tsunagiai.regional.tests.helpers import category, make_case, record_needs
from tsunagiai.testing import Town


@pytest.mark.parametrize(
    ("style", "months"), [("era", ["令和8年10月", "令和8年11月"]), ("western", ["2026年10月", "2026年11月"])]
)
def test_the_evidence_months_follow_the_users_date_style(
    client: Any, town: Town, style: str, months: list[str]
) -> None:
    with time_machine.travel("2026-11-20 12:00:00+09:00", tick=False):
        case = make_case(town)
        record_needs(town, case, 2, on=dt.date(2026, 10, 5))
        record_needs(town, case, 1, on=dt.date(2026, 11, 2))
        issue = do_create_regional_issue(
            acting_user=town.users["coordinator"],
            title="買い物の足がない",
            area=town.areas["north_elementary"],
            categories=[category()],
        )
        user = town.users["coordinator"]
        user.date_style = style
        user.save(update_fields=["date_style"])
        client.force_login(user)
        page = client.get(f"/regional/{issue.pk}/").content.decode()
    headers = [f'<th scope="col">{month}</th>' for month in months]
    assert all(header in page for header in headers), page[page.find("evidence-heading") :][:1500]
    assert page.index(headers[0]) < page.index(headers[1])
    assert "2026-10" not in page and "2026-11" not in page
