"""Japanese fonts for the PDF reports, cut down from the system's Noto Sans CJK (issue 14 item 5).

WeasyPrint copies the whole font file of every face it embeds before subsetting it: for
Noto Sans CJK (a 20 MB collection of 65,000 glyphs for five languages) that was ~31 MB of
memory per face, and the monthly PDF used three (Sans regular and bold, and Serif, which
the page header and footer fell back to). ``manage.py build_pdf_fonts`` writes once, under
``REPORTS_PDF_FONT_DIR`` (``var/fonts``), the Japanese face of Noto Sans CJK regular and
bold reduced to the characters of JIS X 0208/0213 and CP932 (kana, kanji, symbols, Latin):
the same outlines, metrics and default layout features, ~5 MB a face. The PDF templates name them first
(``{% pdf_font_faces %}``, family ``Tsunagiai PDF``) and the full Noto Sans CJK JP after
them, so a character outside the cut (a rare kanji in a name) still comes from the same
typeface; without the files the system fonts are used, as before.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

FAMILY = "Tsunagiai PDF"
# weight -> (file written, the system collection it is cut from)
FACES = {
    400: ("TsunagiaiPDF-Regular.otf", "NotoSansCJK-Regular.ttc"),
    700: ("TsunagiaiPDF-Bold.otf", "NotoSansCJK-Bold.ttc"),
}
SOURCE_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/opentype/noto-cjk", "/usr/local/share/fonts")
SOURCE_FACE = "Noto Sans CJK JP"

# Everything Japanese text in the reports uses, beyond the JIS/CP932 double-byte tables.
_RANGES = (
    (0x20, 0x7F),  # ASCII
    (0xA0, 0x100),  # Latin-1
    (0x2000, 0x2070),  # punctuation (–, —, …, ‐)
    (0x2100, 0x2200),  # letter-like, arrows
    (0x2460, 0x2600),  # enclosed numbers, box drawing, shapes
    (0x3000, 0x3100),  # CJK punctuation, hiragana, katakana
    (0x31F0, 0x3400),  # small katakana, enclosed CJK, squared units (㍻)
    (0xFF00, 0xFFF0),  # full and half width forms
)
_DOUBLE_BYTE_CODECS = ("cp932", "shift_jis_2004")


def font_dir() -> Path:
    return Path(getattr(settings, "REPORTS_PDF_FONT_DIR", Path(settings.VAR_DIR) / "fonts"))


def japanese_characters() -> set[int]:
    """The code points kept: the ranges above and every character of CP932 and JIS X 0213 (Shift_JIS-2004)."""
    chars = {code for start, end in _RANGES for code in range(start, end)}
    for codec in _DOUBLE_BYTE_CODECS:
        for high in (*range(0x81, 0xA0), *range(0xE0, 0xFD)):
            for low in range(0x40, 0xFD):
                try:
                    chars.update(ord(char) for char in bytes((high, low)).decode(codec))
                except UnicodeDecodeError:
                    continue
    return {code for code in chars if not 0xE000 <= code <= 0xF8FF}  # CP932's user-defined area: no glyphs


def source_file(name: str) -> Path | None:
    for folder in SOURCE_DIRS:
        path = Path(folder) / name
        if path.is_file():
            return path
    return None


def _japanese_face_index(path: Path) -> int:
    from fontTools.ttLib import TTCollection  # type: ignore[import-untyped]

    collection = TTCollection(str(path), lazy=True)
    for index, font in enumerate(collection.fonts):
        if font["name"].getDebugName(1) == SOURCE_FACE:
            return index
    raise ValueError(f"{path}: no face named {SOURCE_FACE!r}")


def build(target: Path | None = None, *, characters: Iterable[int] | None = None) -> list[Path]:
    """Write the cut-down faces (each through a temporary file, renamed when complete); the paths written."""
    from fontTools import subset  # type: ignore[import-untyped]
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # it reports every table at INFO
    target = target or font_dir()
    target.mkdir(parents=True, exist_ok=True)
    keep = set(characters) if characters is not None else japanese_characters()
    written = []
    for filename, source_name in FACES.values():
        source = source_file(source_name)
        if source is None:
            raise FileNotFoundError(f"{source_name} not found in {', '.join(SOURCE_DIRS)} (apt install fonts-noto-cjk)")
        font = TTFont(str(source), fontNumber=_japanese_face_index(source))
        options = subset.Options()  # fontTools' default layout features: those HarfBuzz applies by default
        options.name_IDs = ["*"]  # the licence (SIL OFL) and the names stay with the font
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=keep)
        subsetter.subset(font)
        handle, temporary = tempfile.mkstemp(dir=target, suffix=".part")
        os.close(handle)
        try:
            font.save(temporary)
            Path(temporary).chmod(0o644)  # read by the web server's user, maybe not the one who built them
            Path(temporary).replace(target / filename)
        finally:
            Path(temporary).unlink(missing_ok=True)
        written.append(target / filename)
    return written


def font_face_css() -> str:
    """``@font-face`` rules for the faces that have been built (none: the system fonts are used)."""
    rules = []
    for weight, (filename, _source) in sorted(FACES.items()):
        path = font_dir() / filename
        if path.is_file():
            rules.append(
                f'@font-face {{ font-family: "{FAMILY}"; src: url("{path.resolve().as_uri()}"); '
                f"font-weight: {weight}; font-style: normal; }}"
            )
    return "\n".join(rules)
