"""The case page's forms load on demand (issue 14 item 3), in a real headless Chromium.

With JavaScript, a form's link loads the form in place (htmx) and the focus moves to its
first field; without it, the same link opens the form's own page. Either way the form posts
and the case page shows the change.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tsunagiai.cases.models import Case
from tsunagiai.cases.tests.helpers import open_case
from tsunagiai.testing import Town

pytestmark = pytest.mark.browser


def test_a_form_loads_in_place_takes_the_focus_and_posts(live_server: Any, live_town: Town, page: Any) -> None:
    case = open_case(live_town)
    log_in(page, live_server.url, "caseworker_north")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    expect(page.locator("#status_to")).to_have_count(0)  # not rendered up front

    page.get_by_role("link", name="状態を変更").click()
    expect(page.locator("#status_to")).to_be_focused()  # app.js: the first field of the loaded form
    assert page.url == f"{live_server.url}/cases/{case.pk}/"  # loaded in place
    page.get_by_label("新しい状態").select_option(label="アセスメント")
    page.get_by_label("理由").fill("面談の日程が決まった")
    page.get_by_role("button", name="状態を変更").click()
    expect(page.get_by_text("状態を変更しました。")).to_be_visible()
    assert Case.objects.get(pk=case.pk).status == "assessment"

    # An invalid post comes back on the case page with the input and the error; the form stays open.
    page.get_by_role("link", name="チームに加える").click()
    expect(page.locator("#team_organisation")).to_be_focused()
    page.get_by_label("チームでの役割").fill("見守り担当")
    page.get_by_role("button", name="追加", exact=True).click()
    expect(page.locator("#team_organisation")).to_be_visible()
    expect(page.get_by_label("チームでの役割")).to_have_value("見守り担当")
    expect(page.locator("#team-form-slot .errorlist").first).to_be_visible()


def test_without_javascript_the_link_opens_the_form_on_its_own_page(
    live_server: Any, live_town: Town, browser: Any
) -> None:
    case = open_case(live_town)
    context = browser.new_context(locale="ja-JP", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_server.url, "caseworker_north")
        page.goto(f"{live_server.url}/cases/{case.pk}/")
        page.get_by_role("link", name="状態を変更").click()
        expect(page).to_have_url(f"{live_server.url}/cases/{case.pk}/status/")
        expect(page.get_by_role("heading", level=2, name="状態を変更")).to_be_visible()
        page.get_by_label("新しい状態").select_option(label="アセスメント")
        page.get_by_role("button", name="状態を変更").click()
        expect(page).to_have_url(f"{live_server.url}/cases/{case.pk}/")
        expect(page.get_by_text("状態を変更しました。")).to_be_visible()
    finally:
        context.close()
