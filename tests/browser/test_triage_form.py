"""Staff type a concern, see the suggestion with the words behind it, and accept it with one click."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tsunagiai.testing import Town
from tsunagiai.triage.tests.fakes import fixed_engine  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("fixed_engine")]


def test_staff_member_accepts_the_suggestion_for_a_typed_concern(live_server: Any, live_town: Town, page: Any) -> None:
    log_in(page, live_server.url, "caseworker_north")
    expect(page).to_have_url(re.compile(r"/intakes/$"))

    page.goto(f"{live_server.url}/intakes/new/")
    page.locator("#id_town_block").select_option(str(live_town.blocks["north"].pk))
    page.locator("#id_concern").fill("母が認知症で、介護に疲れた。")

    panel = page.locator("#triage-panel")
    # The suggestion arrives after the typing pauses, with the words behind it marked and labelled.
    accept = panel.get_by_role("button", name="提案を受け入れる")
    expect(accept).to_be_visible()
    expect(panel.locator("mark").first).to_be_visible()
    expect(panel.locator("mark[title]").first).to_have_attribute("title", re.compile(r"\S"))
    expect(panel.locator(".triage-scores li").first).to_contain_text("%")

    wanted = (accept.get_attribute("data-categories") or "").split()
    urgency = accept.get_attribute("data-urgency") or ""
    assert wanted and urgency

    # Keyboard: focus the button and press Enter.
    accept.focus()
    page.keyboard.press("Enter")
    for code in wanted:
        expect(page.locator(f"input[name=categories][value={code}]")).to_be_checked()
    expect(page.locator(f"input[name=urgency][value={urgency}]")).to_be_checked()
    expect(page.locator("#triage-accept-status")).to_contain_text("変更できます")

    # Staff can still change what was filled in.
    page.locator(f"input[name=categories][value={wanted[0]}]").uncheck()
    expect(page.locator(f"input[name=categories][value={wanted[0]}]")).not_to_be_checked()
