"""Browser hardening seen from a real headless Chromium.

- After logout, "back" does not show a record page from the browser's cache:
  the page was sent with ``Cache-Control: no-store``, so Chromium asks the
  server again, and the server answers with the login page.
- An area name from the city's data that looks like HTML is shown as text on
  the regional map's labels, never run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM_FLAGS, chromium_path
from tests.browser.helpers import log_in
from tsunagiai.people.tests.factories import make_person
from tsunagiai.testing import Town

pytestmark = pytest.mark.browser

XSS_NAME = '<img src=x onerror="window.__tsunagiai_xss = 1">北小学校区'


NAME_IN_JSON = "\\u79d8\\u5b50"  # 秘子 as the API's JSON writes it


def _cached_files_containing(profile: Path, *texts: str) -> list[str]:
    needles = [text.encode() for text in texts]
    return [
        str(path.relative_to(profile))
        for path in profile.rglob("*")
        if path.is_file()
        and "Cache" in str(path.relative_to(profile))
        and any(needle in path.read_bytes() for needle in needles)
    ]


def test_nothing_personal_is_left_in_the_browser_cache_after_logout(
    live_server: Any, live_town: Town, browser: Any, tmp_path: Path
) -> None:
    person = make_person(live_town, family_name="北山", given_name="秘子", town_block=live_town.blocks["north"])
    profile = tmp_path / "profile"
    # A profile on disk, as on a tablet (a plain test context keeps its cache in memory).
    context = browser.browser_type.launch_persistent_context(
        str(profile), executable_path=chromium_path(), args=CHROMIUM_FLAGS, locale="ja-JP"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, "caseworker_north")
    page.goto(f"{live_server.url}/people/{person.pk}/")
    expect(page.locator("main")).to_contain_text("秘子")
    page.goto(f"{live_server.url}/api/v1/persons/{person.pk}")
    expect(page.locator("body")).to_contain_text(NAME_IN_JSON)

    page.goto(f"{live_server.url}/people/{person.pk}/")
    page.get_by_role("button", name="ログアウト").click()
    expect(page.get_by_label("ユーザー名")).to_be_visible()
    page.go_back()  # the person's page: asked again, so the login page answers
    page.wait_for_load_state()
    assert "秘子" not in page.content()
    context.close()  # written out to disk

    assert _cached_files_containing(profile, "秘子", NAME_IN_JSON) == []


def test_an_area_name_that_looks_like_html_is_shown_as_text_on_the_map(
    live_server: Any, live_town: Town, page: Any, tmp_path: Path
) -> None:
    area = live_town.areas["north_elementary"]
    area.name = XSS_NAME
    area.save(update_fields=["name"])
    boundaries = tmp_path / "districts.geojson"
    boundaries.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "north-el"},'
        ' "geometry": {"type": "Polygon",'
        ' "coordinates": [[[137.1, 35.0], [137.2, 35.0], [137.2, 35.1], [137.1, 35.0]]]}}]}',
        encoding="utf-8",
    )
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    with override_settings(TSUNAGIAI_DISTRICTS_GEOJSON=str(boundaries)):
        log_in(page, live_server.url, "coordinator")
        page.goto(f"{live_server.url}/regional/map/")
        label = page.locator(".district-label")
        expect(label).to_have_count(1)
        expect(label).to_contain_text(XSS_NAME)
    assert label.locator("img").count() == 0
    assert page.evaluate("window.__tsunagiai_xss") is None
    assert errors == []
