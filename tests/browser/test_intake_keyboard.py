"""The intake form from the keyboard: Enter in the person search searches, and a failed submit focuses the errors."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tsunagiai.people.actions import do_create_person
from tsunagiai.testing import Town

pytestmark = pytest.mark.browser


def _log_in_and_open_the_intake_form(page: Any, url: str) -> None:
    log_in(page, url, "caseworker_north")
    expect(page).to_have_url(re.compile(r"/intakes/$"))
    page.get_by_role("navigation").get_by_role("link", name="新規相談受付").click()
    expect(page.locator("#person-search")).to_be_visible()


def test_enter_in_the_person_search_searches_instead_of_submitting_the_intake(
    live_server: Any, live_town: Town, page: Any
) -> None:
    do_create_person(
        acting_user=live_town.users["caseworker_north"],
        organisation=live_town.orgs["branch_north"],
        family_name="髙橋",
        given_name="ハル",
        family_name_kana="タカハシ",
        given_name_kana="ハル",
        birth_date=dt.date(1944, 5, 1),
    )
    _log_in_and_open_the_intake_form(page, live_server.url)
    form_url = page.url

    search = page.locator("#person-search")
    search.press_sequentially("高橋")
    search.press("Enter")

    expect(page.locator("#person-results").get_by_role("button", name=re.compile("髙橋 ハル"))).to_be_visible()
    assert page.url == form_url
    expect(page.locator("#error-summary")).to_have_count(0)


def test_a_failed_submit_moves_the_focus_to_the_error_summary(live_server: Any, live_town: Town, page: Any) -> None:
    _log_in_and_open_the_intake_form(page, live_server.url)

    page.get_by_role("button", name="受付を記録する").click()

    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#error-summary")).to_be_focused()
