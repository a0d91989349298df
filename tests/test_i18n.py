"""Every screen speaks Japanese: each catalogue is complete and compiled."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from tsunagiai.core.management.commands.compile_messages_py import project_po_files

PO_FILES = project_po_files()


def test_there_are_japanese_catalogues() -> None:
    assert any(path.parts[-3] == "ja" for path in PO_FILES)


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_catalogue_is_fully_translated(po_path: Path) -> None:
    catalogue = polib.pofile(str(po_path))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == [], f"untranslated in {po_path}"
    assert fuzzy == [], f"fuzzy in {po_path}"


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_each_translation_carries_the_placeholders_of_its_english(po_path: Path) -> None:
    """A translation with other placeholders is another sentence: 「Login (username)」 once read
    「%(name)sさんの候補」 on the volunteer groups page (found by tests/test_words_not_codes.py)."""
    wrong = []
    for entry in polib.pofile(str(po_path)):
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        expected = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        wrong += [(entry.msgid, text) for text in translations if sorted(PLACEHOLDER.findall(text)) != expected]
    assert wrong == [], f"placeholders differ in {po_path}"


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: str(p.relative_to(settings.BASE_DIR)))
def test_compiled_catalogue_matches_source(po_path: Path) -> None:
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing: run `manage.py compile_messages_py`"
    with mo_path.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in polib.pofile(str(po_path)).translated_entries():
        if entry.msgid_plural:
            continue
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        assert compiled._catalog.get(key) == entry.msgstr, f"{mo_path} is stale: run compile_messages_py"  # type: ignore[attr-defined]


def test_english_is_available() -> None:
    with translation.override("en"):
        assert translation.gettext("Log in") == "Log in"
    with translation.override("ja"):
        assert translation.gettext("Log in") != "Log in"


def test_one_english_string_has_one_japanese_translation() -> None:
    """Django merges the catalogues and the first one wins: a string translated
    two ways would show whichever loads first. Use a context (pgettext) where
    the meanings really differ."""
    seen: dict[tuple[str | None, str], dict[str, str]] = {}
    for po_path in PO_FILES:
        if po_path.parts[-3] != "ja":
            continue
        for entry in polib.pofile(str(po_path)).translated_entries():
            if not entry.msgid_plural:
                seen.setdefault((entry.msgctxt, entry.msgid), {})[str(po_path)] = entry.msgstr
    clashes = {key: found for key, found in seen.items() if len(set(found.values())) > 1}
    assert clashes == {}


def test_every_string_in_the_code_is_extracted_with_its_japanese(tmp_path: Path) -> None:
    """Extract the strings afresh into a copy of the project: a string never extracted into its own catalogue
    (its Japanese living only in another app's catalogue, or nowhere) shows up here as untranslated."""
    import os
    import shutil
    import subprocess
    import sys

    root = Path(settings.BASE_DIR)
    copy = tmp_path / "project"
    skip = shutil.ignore_patterns("__pycache__", "*.mo", "tests", "migrations")
    for folder in ("tsunagiai", "templates", "config", "locale"):
        if (root / folder).is_dir():
            shutil.copytree(root / folder, copy / folder, ignore=skip)
    (copy / "docs" / "dev").mkdir(parents=True)
    shutil.copy(root / "docs" / "dev" / "makemessages.py", copy / "docs" / "dev" / "makemessages.py")
    # makemessages needs no settings; the test run's DJANGO_SETTINGS_MODULE would not import from the copy.
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(  # noqa: S603 - our own script, with this interpreter
        [sys.executable, str(copy / "docs" / "dev" / "makemessages.py")],
        check=True,
        capture_output=True,
        cwd=copy,
        env=env,
    )
    missing = {
        str(po.relative_to(copy)): [
            e.msgid
            for e in polib.pofile(str(po))
            if e.msgid and not e.obsolete and (not e.translated() or "fuzzy" in e.flags)
        ]
        for po in copy.glob("**/locale/ja/LC_MESSAGES/django.po")
    }
    assert {path: ids for path, ids in missing.items() if ids} == {}
