"""An analyst opens the dashboard, changes the district, and the charts and tables change with it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tsunagiai.analytics import cellkey
from tsunagiai.intake.models import Intake
from tsunagiai.intake.tests.helpers import make_intake
from tsunagiai.testing import Town, aware

pytestmark = [pytest.mark.browser]


def _published(intakes: Any) -> str:
    """The figure the cell-key method publishes for these intakes (analytics.cellkey)."""
    ids = list(intakes.values_list("pk", flat=True))
    return cellkey.published(len(ids), sum(cellkey.record_key("intake", pk) for pk in ids), exact=False).display


def _chart_labels(page: Any, key: str) -> list[str]:
    return list(page.evaluate(f"() => window.Chart.getChart('chart-{key}').data.labels"))


def test_analyst_changes_the_district_and_sees_charts_and_tables_change(
    live_server: Any, live_town: Town, page: Any
) -> None:
    for side, n in (("north", 7), ("south", 12)):
        for day in range(n):
            make_intake(
                live_town, org=f"branch_{side}", user=f"caseworker_{side}",
                received_at=aware(2025, 4, 1 + day), town_block=live_town.blocks[side],
            )  # fmt: skip

    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    log_in(page, live_server.url, "analyst")
    page.goto(f"{live_server.url}/analytics/?period=FY2025")  # a period of the publication grid

    table = page.locator("#table-window")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("北支所")
    expect(table).to_contain_text("南支所")
    expect(table.locator("tfoot")).to_contain_text(_published(Intake.objects.all()))  # 19, perturbed
    page.wait_for_function("() => window.Chart && window.Chart.getChart('chart-window')")
    assert sorted(_chart_labels(page, "window")) == ["北支所", "南支所"]
    assert page.locator("a[href*='/intakes/']").count() == 0  # analysts get no drill-down

    page.get_by_label("地区").select_option(str(live_town.areas["south_branch"].pk))  # htmx swaps the body

    expect(table.locator("tbody tr")).to_have_count(1)
    expect(page.locator("#table-window")).not_to_contain_text("北支所")
    expect(page.locator("#table-window tfoot")).to_contain_text(
        _published(Intake.objects.filter(town_block=live_town.blocks["south"]))
    )
    page.wait_for_function("() => window.Chart.getChart('chart-window').data.labels.length === 1")
    assert _chart_labels(page, "window") == ["南支所"]
    assert f"area={live_town.areas['south_branch'].pk}" in page.url  # the filtered view can be bookmarked
    assert not errors  # no script refused by the CSP, no error in the chart code
