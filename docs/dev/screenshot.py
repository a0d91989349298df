"""Take screenshots of pages of a running server (for the README and for reviewing the UI).

Usage: python docs/dev/screenshot.py BASE_URL USERNAME PASSWORD OUT_DIR PATH [PATH ...]
Each PATH is saved as OUT_DIR/<slug>.png (full page). Uses Debian's Chromium.
"""

import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main() -> None:
    base, username, password, out_dir, *paths = sys.argv[1:]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
        page = browser.new_page(locale="ja-JP", viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        for path in paths:
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
            page.screenshot(path=str(out / f"{slug}.png"), full_page=True)
            print(out / f"{slug}.png")
        browser.close()


if __name__ == "__main__":
    main()
