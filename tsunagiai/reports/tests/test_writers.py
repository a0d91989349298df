"""The export writers: CSV (UTF-8 with BOM, CP932 with a listed fallback), xlsx, constant memory."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from openpyxl import load_workbook

from tsunagiai.reports.writers import (
    SheetNameError,
    Table,
    cp932_fallback,
    csv_stream,
    validate_sheet_name,
    write_xlsx,
)


def _csv(table: Table, **kwargs: Any) -> bytes:
    return b"".join(csv_stream(table, **kwargs))


def _table(*rows: list[Any], **kwargs: Any) -> Table:
    return Table(headers=["氏名", "受付日", "メモ"], rows=list(rows), **kwargs)


def test_utf8_csv_starts_with_a_bom_uses_crlf_and_quotes_what_needs_it() -> None:
    data = _csv(_table(["山田 太郎", dt.date(2025, 4, 1), 'カンマ,と"引用"\n改行']), dates="western")
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.startswith("氏名,受付日,メモ\r\n")
    assert list(csv.reader(io.StringIO(text))) == [
        ["氏名", "受付日", "メモ"],
        ["山田 太郎", "2025/04/01", 'カンマ,と"引用"\n改行'],
        [],
        ["#", "行数: 1"],
    ]


def test_dates_follow_the_chosen_style() -> None:
    row = ["a", dt.date(2025, 4, 1), dt.date(2019, 5, 1)]
    assert "令和7年4月1日,令和元年5月1日" in _csv(_table(row), dates="era").decode("utf-8-sig")
    assert "2025/04/01,2019/05/01" in _csv(_table(row), dates="western").decode("utf-8-sig")


def test_a_cell_that_looks_like_a_formula_is_not_evaluated_by_excel() -> None:
    text = _csv(_table(['=HYPERLINK("x")', "@SUM(A1)", -5])).decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert "'@SUM" in text
    assert ",-5\r\n" in text  # numbers stay numbers


def test_cp932_csv_replaces_missing_characters_and_lists_every_replacement() -> None:
    data = _csv(_table(["𠮷田 髙子", "", "𩸽定食 😀"], ["𠮷野", "", "ふつう"]), encoding="cp932")
    text = data.decode("cp932")  # decodes: nothing the code page lacks was written
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == "吉田 髙子"  # 𠮷 → 吉 (the mapping); 髙 is in CP932 and stays
    assert rows[1][2] == "〓定食 〓"  # no CP932 form: the geta mark
    assert rows[2][0] == "吉野"
    notes = {row[1]: row for row in rows if row and row[0] == "#" and row[1].startswith("U+")}
    assert set(notes) == {"U+20BB7", "U+29E3D", "U+1F600"}
    assert notes["U+20BB7"][3:] == ["吉", "2", "2 3"]  # replacement, count, rows (the header is row 1)
    assert notes["U+29E3D"][3] == "〓"


def test_cp932_csv_without_missing_characters_has_no_note_rows_but_the_row_count() -> None:
    text = _csv(_table(["髙橋", "", "～"]), encoding="cp932").decode("cp932")
    assert "U+" not in text
    assert text.endswith("髙橋,,～\r\n\r\n#,行数: 1\r\n")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_every_csv_ends_with_the_number_of_rows_after_the_notes(encoding: Any) -> None:
    table = _table(*([f"𠮷{n}", "", ""] for n in range(2500)), notes=["期間: 令和7年度"])
    rows = list(csv.reader(io.StringIO(_csv(table, encoding=encoding).decode(encoding))))
    assert rows[-1] == ["#", "行数: 2500"]
    assert ["#", "期間: 令和7年度"] in rows
    assert len([row for row in rows if row and row[0].startswith(("𠮷", "吉"))]) == 2500


def test_a_csv_cut_short_has_no_row_count() -> None:
    def failing() -> Iterator[list[Any]]:
        yield ["a"]
        raise RuntimeError("connection lost")

    received = b""
    with pytest.raises(RuntimeError):
        for chunk in csv_stream(Table(["氏名"], failing())):
            received += chunk
    assert "行数".encode() not in received


def test_every_fallback_maps_a_character_cp932_lacks_to_one_it_has() -> None:
    mapping, unmapped = cp932_fallback()
    assert unmapped.encode("cp932")
    for source, target in mapping.items():
        with pytest.raises(UnicodeEncodeError):
            source.encode("cp932")
        assert target.encode("cp932")


@pytest.mark.parametrize("name", ["", "あ" * 32, "a[b]", "集計:月", "a/b", "x*y", "なぜ?", "'quoted'", "a\\b"])
def test_an_invalid_sheet_name_is_refused_with_a_japanese_message(name: str) -> None:
    with pytest.raises(SheetNameError, match="シート名"):
        validate_sheet_name(name)


def test_a_japanese_sheet_name_of_31_characters_is_accepted() -> None:
    assert validate_sheet_name("相" * 31) == "相" * 31


def test_xlsx_has_a_formatted_frozen_header_japanese_sheet_name_and_real_dates() -> None:
    out = io.BytesIO()
    table = _table(["𠮷田", dt.date(2025, 4, 1), "x\x01y"], sheet_name="受付一覧")
    write_xlsx(table, out, dates="western")
    sheet = load_workbook(io.BytesIO(out.getvalue()))["受付一覧"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "氏名"
    assert sheet["A1"].font.b
    assert sheet["A1"].fill.fgColor.rgb == "FFDDEBF7"
    assert sheet.column_dimensions["A"].width >= 8
    assert sheet["A2"].value == "𠮷田"  # xlsx is Unicode: nothing replaced
    assert sheet["B2"].value == dt.datetime(2025, 4, 1)  # noqa: DTZ001 - a date cell
    assert sheet["B2"].number_format == "yyyy/mm/dd"
    assert sheet["C2"].value == "xy"  # control characters Excel refuses are dropped


def test_xlsx_text_is_escaped_and_kept_as_typed() -> None:
    out = io.BytesIO()
    write_xlsx(Table(["A&B <x>", "数"], [[" 前後に空白 ", 1.5], ['"引用" & <タグ>', -3]], sheet_name="R&D 受付"), out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["R&D 受付"]
    assert [sheet["A1"].value, sheet["A2"].value, sheet["B2"].value] == ["A&B <x>", " 前後に空白 ", 1.5]
    assert [sheet["A3"].value, sheet["B3"].value] == ['"引用" & <タグ>', -3]


def test_the_xlsx_ends_with_the_number_of_rows() -> None:
    out = io.BytesIO()
    write_xlsx(_table(["a", None, ""], ["b", None, ""], notes=["注記"]), out)
    rows = list(load_workbook(io.BytesIO(out.getvalue())).active.values)  # type: ignore[union-attr]
    assert rows[-1][0] == "行数: 2"
    assert rows[-2][0] == "注記"


def test_xlsx_dates_are_era_text_when_the_user_chose_the_era() -> None:
    out = io.BytesIO()
    write_xlsx(_table(["a", dt.date(2025, 4, 1), ""]), out, dates="era")
    assert load_workbook(io.BytesIO(out.getvalue())).active["B2"].value == "令和7年4月1日"  # type: ignore[index]


# --- constant memory --------------------------------------------------------------


def _generated(count: int) -> Iterator[list[Any]]:
    start = dt.date(2020, 1, 1)
    for n in range(count):
        yield [f"相談者{n:06d}" + (" 𠮷" if n % 100 == 0 else ""), start + dt.timedelta(days=n % 2000), f"メモ{n}", n]


def _peak_bytes(count: int, consume: Any) -> int:
    tracemalloc.start()
    try:
        consume(Table(headers=["氏名", "日付", "メモ", "番号"], rows=_generated(count)))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _drain_csv(encoding: Any) -> Any:
    def consume(table: Table) -> None:
        total = 0
        for chunk in csv_stream(table, encoding=encoding):
            total += len(chunk)
        assert total > 0

    return consume


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_csv_of_100000_rows_streams_in_constant_memory(encoding: str) -> None:
    small = _peak_bytes(20_000, _drain_csv(encoding))
    large = _peak_bytes(100_000, _drain_csv(encoding))
    # Five times the rows: the peak stays where it was (a buffer of rows, not the file).
    assert large < small * 1.5 + 256 * 1024


def test_xlsx_is_written_in_constant_memory(tmp_path: Any) -> None:
    """The same shape at a fifth of the size (openpyxl under tracemalloc is slow; the suite stays
    fast): five times the rows, the same peak."""

    def consume(table: Table) -> None:
        with (tmp_path / "out.xlsx").open("wb") as handle:
            write_xlsx(table, handle, dates="western")

    small = _peak_bytes(4_000, consume)
    large = _peak_bytes(20_000, consume)
    assert large < small * 1.5 + 512 * 1024


def test_the_xlsx_helpers_agree_with_openpyxl() -> None:
    """writers keeps its own column names and XML-illegal characters (so the URLs never import openpyxl):
    they must be openpyxl's."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as OPENPYXL_ILLEGAL
    from openpyxl.utils import get_column_letter as openpyxl_letter

    from tsunagiai.reports import writers

    assert [writers.get_column_letter(n) for n in range(1, 18279)] == [openpyxl_letter(n) for n in range(1, 18279)]
    every_control = "".join(chr(code) for code in range(0, 0x80))
    assert writers.ILLEGAL_CHARACTERS_RE.sub("", every_control) == OPENPYXL_ILLEGAL.sub("", every_control)
