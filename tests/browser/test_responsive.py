"""Tablet and phone (issue 16 item 7): caseworkers visit homes with a tablet, volunteers report from a phone.

Every main page fits a 768 px tablet and the pages used away from the desk fit a 390 px phone: the page never
scrolls sideways (a wide table scrolls inside itself), the menu folds into one button on the phone, and the
case team table is not covered by the lead history beside it. Screenshots go to $RESPONSIVE_SHOTS (default
$TMPDIR/h4shots) for a look by eye.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tsunagiai.cases.actions import do_add_team_member
from tsunagiai.cases.tests.helpers import make_family, open_case
from tsunagiai.intake.actions import do_report_concern
from tsunagiai.reference.models import UrgencyLevel
from tsunagiai.referrals.tests.helpers import send
from tsunagiai.regional.actions import do_create_regional_issue
from tsunagiai.regional.tests.helpers import category, record_needs
from tsunagiai.resources.tests.helpers import make_resource
from tsunagiai.support.tests.helpers import add_record
from tsunagiai.testing import Town

pytestmark = [pytest.mark.browser]

TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}
SHOTS = Path(os.environ.get("RESPONSIVE_SHOTS") or Path(tempfile.gettempdir()) / "h4shots")

LONG_ROLE = "訪問介護・通所介護の調整および家族介護者への継続的な相談支援の担当"


def _town_with_records(town: Town) -> dict[str, Any]:
    family = make_family(town)
    case = open_case(town, family)
    # A full team, with long names and notes: the table the testers saw run under the lead history.
    for key, user in (("elderly_north", "elderly_worker"), ("csw", "csw_worker")):
        do_add_team_member(
            case, town.orgs[key], acting_user=town.users["caseworker_north"], user=town.users[user], role=LONG_ROLE
        )
    add_record(town, family.household, case, summary="自宅を訪問し、服薬と食事の様子を確認した。" * 5)
    referral = send(town, intake=family.intake, to="csw")  # an open item in the CSW's inbox
    do_report_concern(
        acting_user=town.users["volunteer"],
        subject_description="北町1丁目の一人暮らしの80代女性",
        concern="新聞がたまっている。",
        urgency=UrgencyLevel.objects.get(pk="normal"),
        consent_status="none",
        town_block=town.blocks["north"],
    )
    service = make_resource(town)
    record_needs(town, case, 2, on=timezone.localdate() - dt.timedelta(days=40))
    record_needs(town, case, 3)
    issue = do_create_regional_issue(
        acting_user=town.users["coordinator"],
        title="北地区の買い物の足",
        area=town.areas["north_branch"],
        categories=[category()],
    )
    return {"family": family, "case": case, "service": service, "issue": issue, "referral": referral}


def _fits(page: Any, url: str, shot: str) -> list[str]:
    """Open ``url``; what is wrong with it at the page's width (nothing when it fits)."""
    response = page.goto(url)
    problems = [] if response and response.ok else [f"{url}: HTTP {response.status if response else '?'}"]
    page.wait_for_load_state("networkidle")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
    scroll_width, inner_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if scroll_width > inner_width:
        wide = page.evaluate(
            """(limit) => [...document.querySelectorAll('main *')]
                .filter((e) => e.getBoundingClientRect().right > limit + 1 && !e.closest('.table-scroll'))
                .slice(0, 3)
                .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)""",
            inner_width,
        )
        problems.append(f"{url}: the page is {scroll_width} px wide in a {inner_width} px window ({wide})")
    return problems


def test_every_main_page_fits_a_tablet_and_the_case_team_is_not_covered(
    live_server: Any, live_town: Town, page: Any
) -> None:
    made = _town_with_records(live_town)
    case, family = made["case"], made["family"]
    base = live_server.url
    page.set_viewport_size(TABLET)
    problems: list[str] = []
    pages = {
        "caseworker_north": {
            "intake-list": "/intakes/",
            "intake-detail": f"/intakes/{family.intake.pk}/",
            "person": f"/people/{family.mother.pk}/",
            "household": f"/people/households/{family.household.pk}/",
            "case": f"/cases/{case.pk}/",
            "resources": "/resources/",
            "resource": f"/resources/{made['service'].pk}/",
            "record-new": f"/support/households/{family.household.pk}/records/new/",
            "timeline": f"/support/households/{family.household.pk}/timeline/",
            "new-intake": "/intakes/new/",
            "people": "/people/?q=山田",
            "households": "/people/households/",
            "cases": "/cases/",
            "referrals": "/referrals/",
            "referral": f"/referrals/{made['referral'].pk}/",
            "plan": f"/support/cases/{case.pk}/plan/",
            "assessment": f"/support/cases/{case.pk}/assessment/",
            "conferences": "/support/conferences/",
            "mutual-help": "/community/help/",
            "reports": "/reports/",
        },
        "csw_worker": {"inbox": "/inbox/"},
        "coordinator": {
            "regional": "/regional/",
            "regional-issue": f"/regional/{made['issue'].pk}/",
            "network": "/regional/network/",
            "map": "/regional/map/",
        },
        "analyst": {"dashboard": "/analytics/"},
    }
    for user, urls in pages.items():
        log_in(page, base, user)
        for name, url in urls.items():
            problems += _fits(page, base + url, f"768-{name}")
    assert not problems, "\n".join(problems)

    log_in(page, base, "caseworker_north")
    page.goto(f"{base}/cases/{case.pk}/")
    team = page.locator("section[aria-labelledby=team-heading] table")
    expect(team).to_contain_text(LONG_ROLE)
    lead = page.locator("section[aria-labelledby=lead-heading]")
    team_box, lead_box = team.locator("xpath=ancestor::section[1]").bounding_box(), lead.bounding_box()
    assert team_box is not None and lead_box is not None
    side_by_side = team_box["x"] + team_box["width"] <= lead_box["x"] + 1
    stacked = team_box["y"] + team_box["height"] <= lead_box["y"] + 1
    assert side_by_side or stacked, (team_box, lead_box)
    # What is drawn at the team table's cells is the table itself, not the card beside it.
    for cell in team.locator("tbody td").all()[:5]:
        cell.scroll_into_view_if_needed()
        box = cell.bounding_box()
        assert box is not None
        hit = page.evaluate(
            "([x, y]) => document.elementFromPoint(x, y)?.closest('section')?.getAttribute('aria-labelledby')",
            [box["x"] + min(box["width"] / 2, 10), box["y"] + box["height"] / 2],
        )
        assert hit == "team-heading", cell.inner_text()


def test_pages_used_on_a_home_visit_fit_a_phone_and_the_menu_folds(
    live_server: Any, live_town: Town, page: Any
) -> None:
    made = _town_with_records(live_town)
    family = made["family"]
    base = live_server.url
    page.set_viewport_size(PHONE)
    problems: list[str] = []
    pages = {
        "volunteer": {"concern": "/intakes/concerns/new/", "my-reports": "/intakes/concerns/mine/"},
        "csw_worker": {"inbox": "/inbox/"},
        "caseworker_north": {
            "household": f"/people/households/{family.household.pk}/",
            "person": f"/people/{family.mother.pk}/",
            "record-new": f"/support/households/{family.household.pk}/records/new/",
            "timeline": f"/support/households/{family.household.pk}/timeline/",
        },
    }
    for user, urls in pages.items():
        log_in(page, base, user)
        for name, url in urls.items():
            problems += _fits(page, base + url, f"390-{name}")
            header = page.locator(".site-header").bounding_box()
            assert header is not None
            if header["height"] > 0.15 * PHONE["height"]:
                problems.append(f"{url}: the header takes {header['height']:.0f} of {PHONE['height']} px")
    assert not problems, "\n".join(problems)

    # A table wider than the phone scrolls inside its box, which the keyboard reaches and scrolls; a table
    # that fits is no stop on the way (static/js/app.js).
    page.goto(f"{base}/people/households/{family.household.pk}/")
    members = page.get_by_role("region", name="現在の世帯員")
    expect(members).to_have_attribute("tabindex", "0")
    members.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0")
    members.blur()
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(members).not_to_have_attribute("tabindex", "0")
    page.set_viewport_size(PHONE)
    expect(members).to_have_attribute("tabindex", "0")

    # The menu is one button; opened, it lists every page of the navigation and can be used by keyboard.
    navigation = page.get_by_role("navigation", name="メインメニュー")
    expect(navigation.get_by_role("link", name="世帯")).to_be_hidden()
    menu = page.locator("summary", has_text="メニュー")
    menu.focus()
    page.keyboard.press("Enter")
    expect(navigation.get_by_role("link", name="世帯")).to_be_visible()
    page.screenshot(path=str(SHOTS / "390-menu-open.png"))
    page.keyboard.press("Escape")  # closes it, the focus back on the button
    expect(navigation.get_by_role("link", name="世帯")).to_be_hidden()
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    navigation.get_by_role("link", name="世帯").click()
    expect(page).to_have_url(f"{base}/people/households/")


def test_the_menu_is_a_bar_on_a_wide_screen(live_server: Any, live_town: Town, page: Any) -> None:
    log_in(page, live_server.url, "caseworker_north")
    expect(page.locator("summary", has_text="メニュー")).to_be_hidden()
    expect(page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="世帯")).to_be_visible()
    # Shown by CSS inside a closed <details>: Chromium's own accessibility tree, what a screen reader reads,
    # has the links too (Playwright's role queries compute roles themselves).
    tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]
    read_links = {
        node.get("name", {}).get("value")
        for node in tree
        if node.get("role", {}).get("value") == "link" and not node.get("ignored")
    }
    assert {"世帯", "受信箱", "ケース", "設定"} <= read_links, read_links
