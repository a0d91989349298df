"""A staff member records an intake in a real browser and finds it on the household page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import choose_found_person, log_in, register_household, register_person
from tsunagiai.testing import Town

pytestmark = pytest.mark.browser


def _register_mother_and_son(town: Town) -> None:
    mother = register_person(town, "髙橋 ハル", "タカハシ ハル", dt.date(1944, 5, 1))
    son = register_person(town, "髙橋 誠", "タカハシ マコト", dt.date(1974, 9, 12))
    register_household(town, "髙橋さん世帯", [(mother, "head"), (son, "child")])


def test_staff_member_records_an_intake_and_sees_it_on_the_household_page(
    live_server: Any, live_town: Town, page: Any
) -> None:
    _register_mother_and_son(live_town)

    log_in(page, live_server.url, "caseworker_north")
    expect(page).to_have_url(re.compile(r"/intakes/$"))

    page.get_by_role("navigation").get_by_role("link", name="新規相談受付").click()
    expect(page.locator("#person-search")).to_be_visible()
    # The new form of the character finds the registered old form (髙 → 高).
    choose_found_person(page, "高橋 はる", "髙橋 ハル", "髙橋さん世帯")

    page.locator("#id_channel").select_option("phone")
    page.locator("#id_consulter_type").select_option("family")
    concern = (
        "長男より電話。母の物忘れが増え、同じ物を何度も買ってくる。"
        "長男は仕事をしておらず、どうしたらよいか分からないとのこと。"
    )
    page.locator("#id_concern").fill(concern)
    page.locator("input[name=categories][value=dementia]").check()
    page.locator("input[name=urgency][value=normal]").check()
    page.get_by_role("button", name="受付を記録する").click()

    expect(page.locator("main")).to_contain_text(concern)
    page.get_by_role("link", name="髙橋さん世帯").click()
    expect(page.locator("h1")).to_contain_text("髙橋さん世帯")
    expect(page.locator("main")).to_contain_text("母の物忘れが増え")
    expect(page.locator("main")).to_contain_text("髙橋 誠")
