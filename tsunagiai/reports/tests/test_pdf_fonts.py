"""The PDF reports' fonts (issue 14 item 5): the Japanese cut of Noto Sans CJK when it has been built,
the system's Noto Sans CJK JP otherwise, for the page header and footer too (not Noto Serif)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from tsunagiai.reports import pdffonts
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db

# Whether the system has the Noto Sans CJK collections, found independently of pdffonts.source_file (the code
# under test): a lookup that breaks must fail test_the_system_fonts_are_found below, not skip everything.
SYSTEM_FONTS = {source: sorted(Path("/usr/share/fonts").rglob(source)) for _name, source in pdffonts.FACES.values()}
needs_system_fonts = pytest.mark.skipif(
    not all(SYSTEM_FONTS.values()),
    reason="fonts-noto-cjk is not installed (no NotoSansCJK-*.ttc under /usr/share/fonts); .ci/run installs it",
)


def test_the_system_fonts_are_found_wherever_the_system_has_them() -> None:
    """Never skipped: where the collections are on the system, the PDF's lookup finds each one."""
    for source, found in SYSTEM_FONTS.items():
        if found:
            assert pdffonts.source_file(source) in found, f"{source} is at {found[0]} but SOURCE_DIRS misses it"
        else:
            assert pdffonts.source_file(source) is None


def _fonts(pdf: bytes) -> set[str]:
    """Every font the PDF embeds, by its base name without the subset tag."""
    names: set[str] = set()

    def walk(resources: Any) -> None:
        resources = resources.get_object() if resources is not None else {}
        for font in (resources.get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
        for xobject in (resources.get("/XObject") or {}).values():
            walk(xobject.get_object().get("/Resources"))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        walk(page.get("/Resources"))
    return names


def _monthly(client: Client, town: Town) -> tuple[bytes, str]:
    client.force_login(town.users["coordinator"])
    response = client.get(reverse("reports:monthly_report"), {"month": "2025-05"})
    assert response.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return response.content, text


@needs_system_fonts
def test_without_built_fonts_the_whole_page_is_set_in_the_system_sans(
    client: Client, town: Town, settings: Any, tmp_path: Path
) -> None:
    settings.REPORTS_PDF_FONT_DIR = tmp_path
    assert pdffonts.font_face_css() == ""
    pdf, text = _monthly(client, town)
    fonts = _fonts(pdf)
    assert fonts, "no font found in the PDF"
    assert all(name.startswith("Noto-Sans-CJK-JP") for name in fonts), fonts  # header and footer: no Serif
    assert "月次報告" in text


@needs_system_fonts
def test_built_fonts_are_embedded_and_the_text_is_the_same(
    client: Client, town: Town, settings: Any, tmp_path: Path
) -> None:
    settings.REPORTS_PDF_FONT_DIR = tmp_path / "none"
    _pdf, text_before = _monthly(client, town)
    # A cut with only some characters (the real one has JIS X 0213 and CP932): the rest comes from the system font.
    written = pdffonts.build(tmp_path / "fonts", characters=(ord(char) for char in "月次報告作成日担当者0123456789 /"))
    assert [path.name for path in written] == ["TsunagiaiPDF-Regular.otf", "TsunagiaiPDF-Bold.otf"]
    assert not list((tmp_path / "fonts").glob("*.part"))
    settings.REPORTS_PDF_FONT_DIR = tmp_path / "fonts"
    css = pdffonts.font_face_css()
    assert css.count("@font-face") == 2
    assert (tmp_path / "fonts" / "TsunagiaiPDF-Bold.otf").resolve().as_uri() in css
    pdf, text = _monthly(client, town)
    fonts = _fonts(pdf)
    assert any(name.startswith("Tsunagiai-PDF") for name in fonts), fonts
    assert any(name.startswith("Noto-Sans-CJK-JP") for name in fonts), fonts  # what the cut does not hold
    assert not any("Serif" in name for name in fonts), fonts
    assert text == text_before


def test_the_japanese_cut_keeps_kana_kanji_of_both_jis_levels_and_vendor_forms_but_no_private_use() -> None:
    kept = pdffonts.japanese_characters()
    for char in "あア髙﨑剝𠀋𪚲ｱ①㍻―〜ー、。・Ａa":  # 剝𠀋𪚲: JIS X 0213 only
        assert ord(char) in kept, char
    assert not any(0xE000 <= code <= 0xF8FF for code in kept)
