"""What the browser tests share: signing in, the people a test starts from, finding a person, sending a referral."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tsunagiai.people.actions import do_create_household, do_create_person
from tsunagiai.people.models import Person
from tsunagiai.testing import PASSWORD, Town

if TYPE_CHECKING:
    from tests.browser.axe import AxeWalk


def log_in(page: Any, base: str, username: str) -> None:
    """Sign in as ``username`` (the test town's password) and wait until the login form has gone."""
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_label("ユーザー名")).to_have_count(0)


def log_in_walking(walk: AxeWalk, username: str) -> None:
    """Sign in as ``username`` on the walk's page, and have axe check the home page the login leads to."""
    log_in(walk.page, walk.base, username)
    walk.check(f"{username}'s home page")


def register_person(town: Town, name: str, kana: str, birth_date: dt.date) -> Person:
    """A person registered by the north branch office's caseworker: ``name`` and ``kana`` as "氏 名"."""
    family_name, given_name = name.split(" ")
    family_name_kana, given_name_kana = kana.split(" ")
    return do_create_person(
        acting_user=town.users["caseworker_north"],
        organisation=town.orgs["branch_north"],
        family_name=family_name,
        given_name=given_name,
        family_name_kana=family_name_kana,
        given_name_kana=given_name_kana,
        birth_date=birth_date,
    )


def register_household(town: Town, name: str, members: list[tuple[Person, str]]) -> None:
    """A household of ``members`` ((person, relationship) pairs), registered by the north branch office."""
    do_create_household(
        acting_user=town.users["caseworker_north"], organisation=town.orgs["branch_north"], name=name, members=members
    )


def choose_found_person(page: Any, typed: str, person: str, household: str) -> None:
    """Search for a registered person as staff type (``#person-search``) and choose them from the results."""
    search = page.locator("#person-search")
    found = page.locator("#person-results").get_by_role("button", name=re.compile(re.escape(person)))
    search.fill(typed)
    try:
        found.wait_for(timeout=10_000)
    except PlaywrightTimeoutError:
        # On a loaded CI machine the one search request of a single fill() was now and then lost; a person
        # typing sends one per pause. Ask again the way a person would: Enter fires the search event.
        search.press("Enter")
    found.click(timeout=30_000)
    expect(page.locator("#chosen-person")).to_contain_text(household)


def send_referral(
    page: Any,
    intake_url: str,
    *,
    agency_type: str,
    organisation: str,
    reason: str,
    request: str,
    walk: AxeWalk | None = None,
) -> None:
    """From the intake page: つなぐ, narrow to ``agency_type`` (a value or a label), fill in the referral and send.

    The concern is shared, on the person's recorded consent; the caller checks what the page answered.
    With ``walk``, axe checks the form as it opens and after narrowing.
    """
    page.goto(intake_url)
    page.get_by_role("link", name="つなぐ").click()
    if walk:
        walk.check()
    page.get_by_label("機関種別").select_option(agency_type)
    page.get_by_role("button", name="絞り込む").click()
    if walk:
        walk.check("filtered")
    page.get_by_label("紹介先").select_option(label=organisation)
    page.get_by_label("紹介の理由").fill(reason)
    page.get_by_label("依頼内容").fill(request)
    page.get_by_label("相談内容").check()
    page.get_by_label("本人の同意（記録あり）").check()
    page.get_by_role("button", name="紹介を送る").click()
