"""A real headless Chromium (Debian's package) driven by Playwright.

No browser is downloaded: Playwright starts /usr/bin/chromium (or
$CHROMIUM_PATH). The network flags keep Chromium from calling out; every
request goes to the live test server on 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler

from tsunagiai.testing import Town, build_town

# The live server answers one request at a time. On SQLite the test database is in memory and the live
# server's threads share the test's one connection; the intake form sends several requests at once (person
# search, draft autosave, the triage panel), and concurrent use of that connection failed now and then (a
# session read twice, a 500). A city's server uses a real database; these tests check the pages, not the
# server's concurrency (the PostgreSQL concurrency tests do that).
_one_at_a_time = threading.Lock()
_handle = WSGIHandler.__call__


def _serialised(self: WSGIHandler, environ: Any, start_response: Any) -> Any:
    with _one_at_a_time:
        return _handle(self, environ, start_response)


WSGIHandler.__call__ = _serialised  # type: ignore[method-assign]

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail(
            "Chromium is needed for the browser tests: install Debian's package (apt-get install chromium) "
            "or set CHROMIUM_PATH."
        )
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; the Django ORM
    # calls made by fixtures in the same thread are safe (nothing is async).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def live_town(transactional_db: Any) -> Town:
    # The intake form asks the triage engine as staff type: load its dictionary and model now, so that the
    # first keystroke's request does not wait for them while the test waits for the page (a busy CI machine
    # made a search-as-you-type result miss its 15 s).
    from tsunagiai.triage.engine import triage

    triage("母の介護のことで相談です。")
    return build_town()
