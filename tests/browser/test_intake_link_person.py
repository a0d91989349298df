"""A 民生委員's concern, recorded without a person, is linked to the person in a real browser (本人を特定する)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import choose_found_person, log_in, register_household, register_person
from tsunagiai.intake.actions import do_report_concern
from tsunagiai.reference.models import UrgencyLevel
from tsunagiai.testing import Town

pytestmark = pytest.mark.browser


def test_staff_member_identifies_the_person_of_a_volunteer_concern(
    live_server: Any, live_town: Town, page: Any
) -> None:
    mother = register_person(live_town, "杉浦 トミ", "スギウラ トミ", dt.date(1938, 3, 3))
    register_household(live_town, "杉浦さん世帯", [(mother, "head")])
    intake = do_report_concern(
        acting_user=live_town.users["volunteer"],
        subject_description="80代女性と50代の息子",
        concern="雨戸が閉まったまま、郵便物がたまっている。",
        urgency=UrgencyLevel.objects.get(pk="high"),
        consent_status="not_asked",
        town_block=live_town.blocks["north"],
    )

    log_in(page, live_server.url, "caseworker_north")
    page.goto(f"{live_server.url}/intakes/{intake.pk}/")
    expect(page.get_by_role("heading", name="本人を特定する")).to_be_visible()
    choose_found_person(page, "すぎうら", "杉浦 トミ", "杉浦さん世帯")
    page.get_by_role("button", name="この相談受付に本人を登録する").click()

    expect(page.locator("main")).to_contain_text("相談受付に本人を登録しました。")
    expect(page.get_by_role("heading", name="本人を特定する")).to_have_count(0)
    page.get_by_role("link", name="杉浦さん世帯").click()
    expect(page.locator("h1")).to_contain_text("杉浦さん世帯")
    expect(page.locator("main")).to_contain_text("雨戸が閉まったまま")
