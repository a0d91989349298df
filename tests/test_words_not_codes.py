"""Words, not codes: every page of the demo, in Japanese, shows words a person reads (issue 16).

The demo data is generated (``demo_data``), then several roles walk every page
they reach (tests/walk.py). On each page's visible text — tags, scripts,
styles, attribute values, ``<code>``, ``<textarea>`` contents, URLs and e-mail
addresses left out — the test fails on

(a) a code of the reference or choice tables (``community_support_center``,
    ``csw``, ``requested``, ``in_progress``, …) standing as a word of its own,
(b) Django's ``---------`` empty choice,
(c) an ISO date (``2026-12-07``) or month (``2026-11``) where the page otherwise prints era dates,
(d) doubled brackets 「「 or 」」,
(e) an ASCII-only word that is not on the short allow-list below.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.utils import translation

from tests.walk import walk
from tsunagiai.reference.models import Term
from tsunagiai.testing import Town

ROLES = (
    "caseworker_north",
    # Left open: an English word ("name") still shows on /community/groups/ to the coordinator.
    "coordinator",
    "volunteer",
    "analyst",
    "admin",
)

# ASCII words a Japanese page may show, each for a reason.
ALLOWED_WORDS = {
    # Names of formats, standards and protocols, written so in Japanese too.
    "CSV",
    "PDF",
    "Excel",
    "HSDS",
    "API",
    "FHIR",
    "TOTP",
    "OIDC",
    "JSON",
    "URL",
    "ID",
    # The job titles and terms that Japanese welfare offices write in letters (glossary).
    "CSW",
    "DV",
    "LGBTQ",
    "NPO",
    "SOS",
    # The product's name, and the authenticator apps the two-factor page names.
    "Tsunagiai",
    "Google",
    "Microsoft",
    "Authenticator",
    # File formats and encodings, as the export menu names them (CSV (Shift_JIS), Excel (xlsx)).
    "UTF-8",
    "Shift_JIS",
    "xlsx",
    # Fiscal quarters, written so in Japanese offices too (analytics/grid.py).
    "Q1",
    "Q2",
    "Q3",
    "Q4",
    # The language switcher names each language in its own language.
    "English",
}

# Words one page may show: the HSDS languages field is typed as ISO 639 codes, and its help shows examples
# (the resource's own page shows the languages' names).
ALLOWED_ON_PAGE = {r"/resources/(new/|\d+/edit/)": {"ja", "pt", "en"}}

SKIPPED_TAGS = {"script", "style", "code", "textarea", "pre", "svg"}
URL_OR_EMAIL = re.compile(r"(?:https?://|/)[\w./?=&%#:-]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# A year and month (2026-11), not part of a longer number (a telephone number 0565-11-2222, a date).
ISO_MONTH = re.compile(r"(?<![\d-])(?:19|20)\d{2}-(?:0[1-9]|1[0-2])(?![\d-])")
ASCII_WORD = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z0-9_]*(?:[-_][A-Za-z0-9]+)*(?![\w-])")


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return URL_OR_EMAIL.sub(" ", " ".join(parser.parts))


def taxonomy_codes() -> set[str]:
    """The codes of the reference tables and of every choice field: words no page should show."""
    codes: set[str] = set()
    for model in apps.get_models():
        if issubclass(model, Term):
            codes.update(model._default_manager.values_list("code", flat=True))
        if not model.__module__.startswith("tsunagiai."):
            continue
        for model_field in model._meta.get_fields():
            choices = getattr(model_field, "choices", None)
            if isinstance(model_field, models.Field) and choices:
                codes.update(str(value) for value, _label in choices if isinstance(value, str) and value)
    # A code written in capitals or a number is a word or a figure, not a code (CSW, 8050).
    return {code for code in codes if re.fullmatch(r"[a-z][a-z0-9_]*", code)}


def names_people_carry() -> set[str]:
    """Sign-in names (shown where a user has no display name) and the words of people's own names (CARLOS)."""
    user_model = apps.get_model("accounts", "User")
    person_model = apps.get_model("people", "Person")
    words = set(user_model.objects.values_list("username", flat=True))
    for family, given in person_model.objects.values_list("family_name", "given_name"):
        words.update(f"{family} {given}".split())
    return words


def problems_on(text: str, codes: set[str], allowed: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    found: list[str] = []
    if "---------" in text:
        found.append("---------")
    found.extend(f"date {date}" for date in ISO_DATE.findall(text))
    found.extend(f"month {month}" for month in ISO_MONTH.findall(text))
    found.extend(f"brackets {pair}" for pair in ("「「", "」」") if pair in text)
    for word in ASCII_WORD.findall(text):
        if word in ALLOWED_WORDS or word in allowed:
            continue
        if word in codes:
            found.append(f"code {word}")
        else:
            found.append(f"word {word}")
    return sorted(set(found))


def test_the_checks_catch_what_the_testers_saw() -> None:
    codes = {"csw", "community_support_center", "requested"}
    text = visible_text(
        "<p>主導役: csw　つなぐ先の機関: community_support_center</p><p>送付済み（FHIR Task: requested）</p>"
        "<select><option>---------</option></select><p>2026-12-07 「「相談」」</p><p>2026-11 0565-11-2222</p>"
        '<p><a href="/people/1/">ID</a> <code>in_progress</code> <input value="2026-12-07"> a@b.jp CSW 8050</p>'
    )
    assert problems_on(text, codes) == [
        "---------",
        "brackets 「「",
        "brackets 」」",
        "code community_support_center",
        "code csw",
        "code requested",
        "date 2026-12-07",
        "month 2026-11",
        "word Task",
    ]


@pytest.fixture
def demo(town: Town) -> Town:
    call_command("demo_data", "--people", "40", "--intakes", "30", stdout=io.StringIO())
    return town


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_demo_shows_words_not_codes(client: Any, demo: Town, role: str) -> None:
    codes, names = taxonomy_codes(), names_people_carry()
    client.force_login(demo.users[role])
    with translation.override("ja"):
        result = walk(client, limit=400)
    assert len(result.pages) > 3
    failures: dict[str, list[str]] = {}
    for url, response in result.pages.items():
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        allowed = names.union(*(words for page, words in ALLOWED_ON_PAGE.items() if re.fullmatch(page, url)))
        found = problems_on(visible_text(response.content.decode()), codes, allowed)
        if found:
            failures[url] = found
    assert failures == {}


# Models whose text no page shows: the analytics rollup's own rows and the audit log's entries (the auditor's
# pages show an entry's fields, each in words). Every other model's text can reach a person: the audit log
# keeps str(obj) as the record's name, inbox titles quote it.
INTERNAL_MODEL_TEXT = {"RollupRow", "RollupMonth", "RollupHouseholdSpan", "RollupState", "AuditEvent"}
MACHINE_DATE = re.compile(r"isoformat\(|strftime\(|:%[Ymd]|\{self\.\w+_(?:on|at)\}")


def test_the_text_of_a_model_shows_dates_as_people_read_them() -> None:
    """A model's ``__str__`` formats its dates with core.eras (令和8年12月7日), never as 2026-12-07."""
    import ast
    from pathlib import Path

    from django.conf import settings

    found = []
    for path in sorted(Path(settings.BASE_DIR, "tsunagiai").glob("*/models.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.ClassDef) or node.name in INTERNAL_MODEL_TEXT:
                continue
            for method in node.body:
                text = ast.get_source_segment(source, method) if isinstance(method, ast.FunctionDef) else None
                if text and method.name == "__str__" and MACHINE_DATE.search(text):  # type: ignore[attr-defined]
                    found.append(f"{path.parent.name}.{node.name}")
    assert found == []
