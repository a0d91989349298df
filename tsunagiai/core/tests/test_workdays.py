"""Working days and the municipality's settings are read once, in core, and nowhere else."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path
from unittest import mock

import pytest
import yaml
from django.test import override_settings

from tsunagiai.core import municipality, workdays

TSUNAGIAI = Path(__file__).resolve().parents[2]


def _write(directory: Path, text: str) -> None:
    (directory / "municipality.yaml").write_text(text, encoding="utf-8")


def test_the_municipality_file_is_read_once_for_a_year_of_working_days(tmp_path: Path) -> None:
    _write(tmp_path, "code: '99997'\nyear_end_closure: [[12, 28], [1, 4]]\n")
    with (
        override_settings(REFERENCE_DATA_DIR=tmp_path),
        mock.patch.object(yaml, "safe_load", wraps=yaml.safe_load) as load,
    ):
        days = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(365)]
        working = [day for day in days if workdays.is_working_day(day)]
        assert municipality.municipality_settings()["code"] == "99997"
    assert load.call_count == 1
    assert dt.date(2026, 12, 28) not in working and dt.date(2026, 1, 5) in working
    assert dt.date(2026, 11, 23) not in working  # 勤労感謝の日


def test_another_reference_folder_is_read_afresh(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    _write(first, "code: '1'\n")
    _write(second, "code: '2'\n")
    with override_settings(REFERENCE_DATA_DIR=first):
        assert municipality.municipality_settings()["code"] == "1"
    with override_settings(REFERENCE_DATA_DIR=second):
        assert municipality.municipality_settings()["code"] == "2"


@pytest.mark.parametrize(
    "text",
    ["code: [unclosed\n", "- a list\n- not a mapping\n", "\x00", "code: " + "[" * 5_000 + "]" * 5_000 + "\n"],
    ids=["malformed", "not-a-mapping", "nul", "nested"],
)
def test_an_unreadable_municipality_file_means_the_defaults_and_a_warning(
    tmp_path: Path, text: str, caplog: pytest.LogCaptureFixture
) -> None:
    _write(tmp_path, text)
    with override_settings(REFERENCE_DATA_DIR=tmp_path), caplog.at_level(logging.WARNING):
        assert dict(municipality.municipality_settings()) == {}
        assert workdays.year_end_closure() == workdays.DEFAULT_YEAR_END_CLOSURE
    if text.startswith("-"):
        return  # valid YAML that is simply not a mapping of settings
    assert "municipality.yaml" in caplog.text


def test_a_missing_municipality_file_means_the_defaults(tmp_path: Path) -> None:
    with override_settings(REFERENCE_DATA_DIR=tmp_path / "nowhere"):
        assert dict(municipality.municipality_settings()) == {}
        assert not workdays.is_working_day(dt.date(2026, 12, 29))


def _sources() -> list[Path]:
    return [path for path in TSUNAGIAI.rglob("*.py") if "tests" not in path.relative_to(TSUNAGIAI).parts]


def test_only_core_reads_the_municipality_file_and_the_holiday_calendar() -> None:
    """One place decides what a working day is; the reference loader validates and loads the folder."""
    holidays_users = sorted(
        str(path.relative_to(TSUNAGIAI))
        for path in _sources()
        if re.search(r"^\s*(import holidays|from holidays)", path.read_text(encoding="utf-8"), re.MULTILINE)
    )
    assert holidays_users == ["core/workdays.py"]
    readers = sorted(
        str(path.relative_to(TSUNAGIAI))
        for path in _sources()
        if re.search(r"[\"']municipality\.yaml[\"']", path.read_text(encoding="utf-8"))
    )
    assert readers == ["core/municipality.py", "reference/loading.py"]
