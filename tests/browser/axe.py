"""axe-core in the browser tests: a page fails on any violation of impact serious or critical.

axe-core's script comes from the pinned ``axe-playwright-python`` package (requirements-dev.txt), which ships
axe.min.js inside the wheel: nothing is downloaded when the tests run. ``AxeWalk`` remembers every page the
browser loaded and every page axe checked, so a test can show that it checked all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe

BLOCKING_IMPACTS = frozenset({"serious", "critical"})
_axe = Axe()


def blocking_violations(page: Any) -> list[str]:
    """Each serious or critical violation on the page as it is now: rule, impact, the elements it names."""
    results = _axe.run(page, options={"resultTypes": ["violations"]})
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") not in BLOCKING_IMPACTS:
            continue
        targets = ", ".join(" ".join(map(str, node["target"])) for node in violation["nodes"])
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return found


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class AxeWalk:
    """Follows one page (tab) through a test: every document it loads, and the ones axe has checked."""

    page: Any
    base: str
    loaded: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    not_html: set[str] = field(default_factory=set)  # paths of PDFs and downloads the browser opened

    def __post_init__(self) -> None:
        self.page.on("load", lambda: self.loaded.append(_path(self.page.url)))

    def check(self, what: str = "") -> None:
        """Run axe on the page as it is now; fail with the rules, the elements and the page."""
        self.page.wait_for_load_state("load")
        problems = blocking_violations(self.page)
        self.checked.add(_path(self.page.url))
        where = f"{_path(self.page.url)}{f' ({what})' if what else ''}"
        assert not problems, f"axe-core found serious/critical problems on {where}:\n" + "\n".join(problems)

    def visit(self, path: str) -> None:
        """Go to a page the way a user opens a bookmark, then check it: a path, or an address the test kept."""
        self.page.goto(path if path.startswith(self.base) else f"{self.base}{path}")
        self.check()

    def unchecked(self) -> list[str]:
        """Pages the browser loaded that axe never saw (the login page is checked once, by ``check_login``)."""
        return sorted(
            {
                path
                for path in self.loaded
                if path not in self.checked and path != "/login/" and urlsplit(path).path not in self.not_html
            }
        )
