"""Export writers over a simple table: headers and an iterable of rows.

- ``csv_stream(table, encoding="utf-8-sig" | "cp932")``: CSV for Excel (CRLF line ends,
  minimal quoting), produced row by row so an export of any size streams in constant memory.
  In CP932 (Windows Shift_JIS), a character the code page lacks is replaced by the fallback
  in data/reports/cp932_fallback.json (kanji variants to the standard form CP932 has,
  e.g. 𠮷→吉) or by 〓, and every replacement is LISTED in note rows at the end of the
  file (character, replacement, count, first rows): never a crash, never a silent loss.
- ``write_xlsx(table, fileobj)``: an Excel workbook streamed row by row into the zip file
  (constant memory; SpreadsheetML written directly, see the xlsx section), with a bold, filled, frozen header row,
  column widths, a validated Japanese sheet name, real dates (western) or era text (era).
- ``format_cell``: dates as ``令和7年4月1日`` (era) or a date value / ``2025/04/01`` (western).

A cell that starts with ``= + - @`` (text, not numbers) is prefixed with ``'`` in CSV so that
Excel does not evaluate it as a formula (CSV injection).

Never cut short silently: every file ends with a row giving the number of data rows written
(``#,行数: 40000`` in CSV, ``行数: 40000`` in the last row of the sheet), written only after the last
data row, so that a file whose end is missing (a dropped connection, a killed worker) shows it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import IO, Any, Literal
from xml.sax.saxutils import escape as xml_escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from tsunagiai.core.csvsafe import csv_safe
from tsunagiai.core.eras import DateStyle, format_date

CsvEncoding = Literal["utf-8-sig", "cp932"]
FALLBACK_FILE = Path(settings.BASE_DIR) / "data" / "reports" / "cp932_fallback.json"
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = frozenset("[]:*?/\\")
ROWS_PER_CHUNK = 500  # rows encoded together into one streamed chunk
NOTE_MARK = "#"
MAX_LISTED_ROWS = 10


@dataclass
class Table:
    """What every writer takes: column headers and rows (any iterable, e.g. a generator over
    ``queryset.iterator()``), the sheet name for xlsx and optional column widths (characters)."""

    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    sheet_name: str = ""  # empty: "Data", in the user's language
    widths: Sequence[int] | None = None
    notes: Sequence[str] = field(default_factory=tuple)  # lines written after the data (e.g. "<5: 秘匿")


class SheetNameError(ValueError):
    """A sheet name Excel would refuse (too long, a forbidden character, empty)."""


# The sheet is written as SpreadsheetML here (write_xlsx), so openpyxl is not needed to write it — and not
# imported, so that no process pays for it at start-up (the URLs load this module). Control characters that
# XML 1.0 does not allow (the same set as openpyxl's ILLEGAL_CHARACTERS_RE) are dropped from text cells.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def get_column_letter(index: int) -> str:
    """Excel's column name of a 1-based column number: 1 → A, 26 → Z, 27 → AA (openpyxl.utils' function)."""
    letters = ""
    while index > 0:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def validate_sheet_name(name: str) -> str:
    """Excel's rules for a sheet name: 1–31 characters, none of ``[ ] : * ? / \\``, no leading or
    trailing apostrophe. Raises ``SheetNameError`` (with a message in the user's language) otherwise."""
    if not name or not name.strip():
        raise SheetNameError(gettext("Sheet name: cannot be empty."))
    if len(name) > SHEET_NAME_MAX:
        raise SheetNameError(
            gettext("Sheet name: use %(max)s characters or fewer (%(length)s characters).")
            % {"max": SHEET_NAME_MAX, "length": len(name)}
        )
    bad = sorted({c for c in name if c in SHEET_NAME_FORBIDDEN})
    if bad:
        raise SheetNameError(
            gettext("Sheet name: contains characters that cannot be used (%(characters)s).")
            % {"characters": " ".join(bad)}
        )
    if name.startswith("'") or name.endswith("'"):
        raise SheetNameError(gettext("Sheet name: cannot start or end with an apostrophe."))
    return name


# --- cells ----------------------------------------------------------------------


@lru_cache(maxsize=8192)
def era_date(value: dt.date) -> str:
    """``令和7年4月1日``, remembered: an export repeats the same dates many times, and the era
    arithmetic is the costly part of a row."""
    return format_date(value, "era")


def era_datetime(local: dt.datetime) -> str:
    """``令和7年4月1日 9:05`` for a local time (``format_datetime``, with the date part remembered)."""
    return f"{era_date(local.date())} {local.hour}:{local.minute:02d}"


def row_count_line(label: str, count: int) -> str:
    """The trailer: ``行数: 40000`` (``label`` is the translated "Rows: %(count)s")."""
    return label % {"count": count}


def format_cell(value: Any, style: DateStyle) -> str:
    """A cell as CSV text: dates in the chosen style, booleans as ○/空, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "○" if value else ""
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        if style == "era":
            return era_datetime(local)
        return f"{local:%Y/%m/%d %H:%M}"
    if isinstance(value, dt.date):
        return era_date(value) if style == "era" else f"{value:%Y/%m/%d}"
    return str(value)


# --- CP932 fallback ---------------------------------------------------------------


@cache
def cp932_fallback() -> tuple[dict[str, str], str]:
    """The mapping (character → replacement) and the mark for characters it does not list."""
    data = json.loads(FALLBACK_FILE.read_text(encoding="utf-8"))
    return dict(data["map"]), str(data["unmapped"])


@dataclass
class Replacement:
    replacement: str
    count: int = 0
    rows: list[int] = field(default_factory=list)


class Cp932Encoder:
    """Encodes text to CP932, replacing what it lacks and remembering each replacement."""

    def __init__(self) -> None:
        self.mapping, self.unmapped = cp932_fallback()
        self.replaced: dict[str, Replacement] = {}
        # Translated now, in the request: the note rows are written at the end of a streamed
        # response, when the request's language may no longer be active.
        self.note_headings = [
            gettext("Characters CP932 cannot represent were replaced"),
            gettext("Character name"),
            gettext("Replaced with"),
            gettext("Count"),
            gettext("Rows (from the top)"),
        ]

    def encode(self, text: str, row_number: int) -> bytes:
        try:
            return text.encode("cp932")
        except UnicodeEncodeError:
            pass
        out: list[bytes] = []
        for char in text:
            try:
                out.append(char.encode("cp932"))
                continue
            except UnicodeEncodeError:
                pass
            replacement = self.mapping.get(char)
            if replacement is None:
                # A compatibility form CP932 has (e.g. a full-width or circled variant), else 〓.
                normalised = unicodedata.normalize("NFKC", char)
                replacement = normalised if normalised != char and _encodable(normalised) else self.unmapped
            record = self.replaced.setdefault(char, Replacement(replacement))
            record.count += 1
            if len(record.rows) < MAX_LISTED_ROWS and (not record.rows or record.rows[-1] != row_number):
                record.rows.append(row_number)
            out.append(replacement.encode("cp932"))
        return b"".join(out)

    def note_rows(self) -> list[list[str]]:
        """The rows listing every replacement (empty when nothing was replaced)."""
        if not self.replaced:
            return []
        rows = [[NOTE_MARK, *self.note_headings]]
        for char, record in sorted(self.replaced.items()):
            rows.append(
                [
                    NOTE_MARK,
                    f"U+{ord(char):04X}",
                    unicodedata.name(char, ""),
                    record.replacement,
                    str(record.count),
                    " ".join(str(n) for n in record.rows) + (" …" if record.count > len(record.rows) else ""),
                ]
            )
        return rows


def _encodable(text: str) -> bool:
    try:
        text.encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


# --- CSV --------------------------------------------------------------------------


def csv_stream(table: Table, *, encoding: CsvEncoding = "utf-8-sig", dates: DateStyle = "era") -> Iterator[bytes]:
    """The CSV file as byte chunks (CRLF, minimal quoting), one chunk per ``ROWS_PER_CHUNK`` rows.

    Row numbers in the replacement list count the header as row 1 (as Excel shows them)."""
    # Made here, not in the generator, so that its note headings are in the request's language.
    sjis = Cp932Encoder() if encoding == "cp932" else None
    return _csv_chunks(table, sjis, encoding, dates, gettext("Rows: %(count)s"))


def _csv_chunks(
    table: Table, sjis: Cp932Encoder | None, encoding: CsvEncoding, dates: DateStyle, count_label: str
) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)

    def flush(row_number: int) -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return sjis.encode(text, row_number) if sjis else text.encode("utf-8")

    if encoding == "utf-8-sig":
        yield "\ufeff".encode()
    writer.writerow(list(table.headers))
    yield flush(1)
    row_number = 1
    pending = 0
    for row in table.rows:
        row_number += 1
        writer.writerow([csv_safe(format_cell(value, dates), value) for value in row])
        if sjis:  # encode row by row so that the listed row numbers are exact
            yield flush(row_number)
            continue
        pending += 1
        if pending >= ROWS_PER_CHUNK:
            yield flush(row_number)
            pending = 0
    trailer = [[NOTE_MARK, note] for note in table.notes]
    if sjis:
        remaining = flush(row_number)
        if remaining:
            yield remaining
        trailer += sjis.note_rows()
    # Last, after every data row: the number of rows, so that a file cut short shows it.
    trailer.append([NOTE_MARK, row_count_line(count_label, row_number - 1)])
    writer.writerow([])
    for note_row in trailer:
        writer.writerow(note_row)
    tail = flush(row_number)
    if tail:
        yield tail


# --- xlsx -------------------------------------------------------------------------
#
# The sheet is written as SpreadsheetML text straight into the zip member (inline strings, four cell
# styles), row by row: constant memory, and some ten times faster than openpyxl's write-only worksheet,
# whose per-cell XML serialisation took 30 s of CPU for 40,000 intake rows. The file is read back by
# openpyxl in the tests (header style, frozen pane, widths, date cells) and opens in Excel.

HEADER_FILL_RGB = "FFDDEBF7"
DATE_FORMAT = "yyyy/mm/dd"
DATETIME_FORMAT = "yyyy/mm/dd hh:mm"
STYLE_HEADER, STYLE_DATE, STYLE_DATETIME = 1, 2, 3
EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # noqa: DTZ001 - Excel's serial dates count from here
XLSX_ROWS_PER_WRITE = 500
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTENT_TYPES = (
    _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL_NS}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
    ' Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG_REL_NS}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
    ' Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"'
    ' Target="styles.xml"/></Relationships>'
)
_STYLES = (
    _HEAD + f'<styleSheet xmlns="{_NS}">'
    f'<numFmts count="2"><numFmt numFmtId="164" formatCode="{DATE_FORMAT}"/>'
    f'<numFmt numFmtId="165" formatCode="{DATETIME_FORMAT}"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    f'<fill><patternFill patternType="solid"><fgColor rgb="{HEADER_FILL_RGB}"/><bgColor rgb="{HEADER_FILL_RGB}"/>'
    "</patternFill></fill></fills>"
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"'
    ' applyAlignment="1"><alignment vertical="center" wrapText="1"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def display_width(text: str) -> int:
    """Columns a text takes in Excel: East Asian wide characters count twice."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _xlsx_value(value: Any, style: DateStyle) -> tuple[Any, str | None]:
    """A cell's value as written, and its number format (dates in the western style are real dates)."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return ("○" if value else None), None
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        if style == "era":
            return era_datetime(local), None
        return local.replace(tzinfo=None), DATETIME_FORMAT
    if isinstance(value, dt.date):
        return (era_date(value), None) if style == "era" else (value, DATE_FORMAT)
    if isinstance(value, int | float):
        return value, None
    return ILLEGAL_CHARACTERS_RE.sub("", str(value)), None


def _text_cell(ref: str, text: str, style: int = 0) -> str:
    if not text:
        return ""
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}" t="inlineStr"{styled}><is><t{space}>{xml_escape(text)}</t></is></c>'


def _xlsx_cell(ref: str, value: Any, style: DateStyle) -> str:
    converted, number_format = _xlsx_value(value, style)
    if converted is None:
        return ""
    if number_format is not None:
        moment = converted if isinstance(converted, dt.datetime) else dt.datetime.combine(converted, dt.time())
        delta = moment - EXCEL_EPOCH
        serial = delta.days + delta.seconds / 86400
        kind = STYLE_DATETIME if number_format == DATETIME_FORMAT else STYLE_DATE
        return f'<c r="{ref}" s="{kind}"><v>{serial:.10g}</v></c>'
    if isinstance(converted, int | float) and not isinstance(converted, bool):
        return f'<c r="{ref}"><v>{converted!r}</v></c>'
    return _text_cell(ref, str(converted))


def write_xlsx(table: Table, fileobj: IO[bytes], *, dates: DateStyle = "era") -> None:
    """Write the table as one sheet of a workbook to ``fileobj`` (streamed: constant memory)."""
    sheet_name = validate_sheet_name(table.sheet_name or gettext("Data"))
    count_label = gettext("Rows: %(count)s")
    headers = [str(header) for header in table.headers]
    widths = list(table.widths or [])
    columns = [get_column_letter(index) for index in range(1, max(len(headers), 1) + 1)]
    cols = "".join(
        f'<col min="{index}" max="{index}" width="{width}" customWidth="1"/>'
        for index, width in enumerate(
            (widths[i] if i < len(widths) else max(10, display_width(h) + 4) for i, h in enumerate(headers)), start=1
        )
    )
    with zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        archive.writestr(
            "xl/workbook.xml",
            _HEAD + f'<workbook xmlns="{_NS}" xmlns:r="{_REL_NS}"><sheets>'
            f'<sheet name="{xml_escape(sheet_name, {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>",
        )
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                (
                    _HEAD + f'<worksheet xmlns="{_NS}" xmlns:r="{_REL_NS}"><sheetViews><sheetView workbookViewId="0">'
                    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                    f'<sheetFormatPr defaultRowHeight="15"/>{f"<cols>{cols}</cols>" if cols else ""}<sheetData>'
                    '<row r="1">'
                    + "".join(_text_cell(f"{columns[i]}1", h, STYLE_HEADER) for i, h in enumerate(headers))
                    + "</row>"
                ).encode()
            )
            number = 1
            pending: list[str] = []
            for row in table.rows:
                number += 1
                pending.append(f'<row r="{number}">')
                for index, value in enumerate(row):
                    column = columns[index] if index < len(columns) else get_column_letter(index + 1)
                    pending.append(_xlsx_cell(f"{column}{number}", value, dates))
                pending.append("</row>")
                if number % XLSX_ROWS_PER_WRITE == 0:
                    sheet.write("".join(pending).encode())
                    pending.clear()
            count = number - 1
            number += 1  # an empty row, then the notes and, last, the number of rows
            for line in [*table.notes, row_count_line(count_label, count)]:
                number += 1
                pending.append(
                    f'<row r="{number}">{_text_cell(f"A{number}", ILLEGAL_CHARACTERS_RE.sub("", line))}</row>'
                )
            pending.append("</sheetData></worksheet>")
            sheet.write("".join(pending).encode())
