"""What every browser test does: sign in through the real login page."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tsunagiai.testing import PASSWORD


def log_in(page: Any, base: str, username: str) -> None:
    """Sign in as ``username`` (the test town's password) and wait until the login form has gone."""
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_label("ユーザー名")).to_have_count(0)
