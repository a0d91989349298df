"""Loading refuses what would silently break a city: a file cut short, NUL and stray bytes, runaway YAML.

A header-only export of town_blocks.csv used to exit 0 and deactivate every
town block; a NUL byte in a CSV ended in a traceback (PostgreSQL cannot store
it) and a byte that is not UTF-8 was reported without its column.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import translation

from tsunagiai.audit.models import AuditEvent
from tsunagiai.reference.actions import do_load_reference
from tsunagiai.reference.loading import ReferenceDataError, load_taxonomy
from tsunagiai.reference.models import IssueCategory, Municipality, Organisation, TownBlock
from tsunagiai.reference.tests.test_loading import line_number, remove_line


@pytest.fixture
def loaded(db: Any) -> None:
    do_load_reference(settings.REFERENCE_DATA_DIR, settings.TAXONOMY_FILE)


def load_command(data_dir: Path, taxonomy_file: Path, *extra: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("load_reference", "--dir", str(data_dir), "--taxonomy", str(taxonomy_file), *extra, stdout=out)
    return out.getvalue()


def refused(data_dir: Path, taxonomy_file: Path, *extra: str) -> str:
    with pytest.raises(CommandError) as error:
        load_command(data_dir, taxonomy_file, *extra)
    return str(error.value)


def keep_only_the_header(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line for line in lines if line.startswith(("#", "code,"))) + "\n", encoding="utf-8")


def active(model: Any) -> int:
    return int(model.objects.filter(active=True).count())


# --- mass deactivation -----------------------------------------------------------


def test_a_header_only_town_blocks_file_is_refused_and_deactivates_nothing(loaded, data_dir, taxonomy_file) -> None:
    before = active(TownBlock)
    keep_only_the_header(data_dir / "town_blocks.csv")

    message = refused(data_dir, taxonomy_file)

    assert "nothing was changed" in message
    assert (
        f"town_blocks.csv: the load would deactivate {before} of the {before} active town blocks (100%), "
        "more than the allowed 20%" in message
    )
    assert "--allow-mass-deactivation" in message
    assert active(TownBlock) == before


def test_the_flag_accepts_a_mass_deactivation_and_the_audit_says_so(loaded, data_dir, taxonomy_file) -> None:
    keep_only_the_header(data_dir / "town_blocks.csv")

    output = load_command(data_dir, taxonomy_file, "--allow-mass-deactivation")

    assert "town blocks: 0 created, 0 updated, 0 unchanged, 467 deactivated" in output
    assert active(TownBlock) == 0
    assert "mass deactivation allowed" in AuditEvent.objects.filter(action="reference.loaded").latest("sequence").note


def test_every_file_is_guarded_not_only_town_blocks(loaded, data_dir, taxonomy_file) -> None:
    keep_only_the_header(data_dir / "organisations.csv")
    lines = taxonomy_file.read_text(encoding="utf-8").splitlines()
    start = line_number(taxonomy_file, "issue_categories:")
    end = line_number(taxonomy_file, "household_patterns:")
    taxonomy_file.write_text(
        "\n".join([*lines[: start - 1], "issue_categories: []", *lines[end - 1 :]]) + "\n", encoding="utf-8"
    )

    message = refused(data_dir, taxonomy_file, "--dry-run")

    assert "organisations.csv: the load would deactivate" in message
    assert "taxonomy.yaml: issue_categories: the load would deactivate" in message
    assert active(Organisation) > 0 and active(IssueCategory) > 0


def test_more_than_the_share_is_refused_and_the_share_is_a_setting(loaded, data_dir, taxonomy_file) -> None:
    path = data_dir / "town_blocks.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [line for line in lines if line.startswith("tb-")]
    dropped = rows[: len(rows) // 4]  # a quarter of them: more than 20 %, less than 50 %
    path.write_text("\n".join(line for line in lines if line not in dropped) + "\n", encoding="utf-8")

    assert "more than the allowed 20%" in refused(data_dir, taxonomy_file)
    with override_settings(REFERENCE_MAX_DEACTIVATION_SHARE=0.5):
        output = load_command(data_dir, taxonomy_file)
    assert f"{len(dropped)} deactivated" in output


def test_a_few_rows_removed_are_an_ordinary_change(loaded, data_dir, taxonomy_file) -> None:
    remove_line(data_dir / "organisations.csv", "otasuke-sanage,")
    load_command(data_dir, taxonomy_file)
    assert Organisation.objects.get(code="otasuke-sanage").active is False


def test_load_taxonomy_alone_is_guarded_too(db, tmp_path) -> None:
    load_taxonomy(settings.TAXONOMY_FILE)
    text = Path(settings.TAXONOMY_FILE).read_text(encoding="utf-8")
    emptied = tmp_path / "taxonomy.yaml"
    start = text.index("issue_categories:")
    end = text.index("household_patterns:")
    emptied.write_text(text[:start] + "issue_categories: []\n" + text[end:], encoding="utf-8")
    with pytest.raises(ReferenceDataError) as error:
        load_taxonomy(emptied)
    assert error.value.problems[0].field == "issue_categories"
    assert IssueCategory.objects.filter(active=True).exists()


# --- bytes that do not belong in a text file -----------------------------------------


def write_bytes_into(path: Path, startswith: str, old: str, new: bytes) -> int:
    number = line_number(path, startswith)
    raw = path.read_bytes().split(b"\n")
    assert old.encode() in raw[number - 1]
    raw[number - 1] = raw[number - 1].replace(old.encode(), new, 1)
    path.write_bytes(b"\n".join(raw))
    return number


def test_a_nul_byte_in_a_csv_is_refused_with_file_line_and_column(db, data_dir, taxonomy_file) -> None:
    line = write_bytes_into(data_dir / "town_blocks.csv", "tb-motoshiro,", "元城町", "元城\x00町".encode())

    message = refused(data_dir, taxonomy_file)

    assert f"town_blocks.csv:{line}: name: contains a NUL byte" in message
    assert not TownBlock.objects.exists()


def test_a_control_character_is_refused_too(db, data_dir, taxonomy_file) -> None:
    line = write_bytes_into(
        data_dir / "organisations.csv", "otasuke-sanage,", "猿投お助け隊", "猿投\x1bお助け隊".encode()
    )
    assert f"organisations.csv:{line}: name: contains a control character (U+001B)" in refused(data_dir, taxonomy_file)


def test_a_byte_that_is_not_utf8_is_located_to_its_column(db, data_dir, taxonomy_file) -> None:
    line = write_bytes_into(data_dir / "organisations.csv", "otasuke-sanage,", "猿投お助け隊", b"\xff\xfe")

    message = refused(data_dir, taxonomy_file)

    assert f"organisations.csv:{line}: name: not UTF-8 text (byte 0xFF)" in message
    assert not Organisation.objects.exists()


def test_a_nul_byte_in_yaml_is_refused_with_its_line_and_key(db, data_dir, taxonomy_file) -> None:
    line = write_bytes_into(data_dir / "municipality.yaml", "name:", "豊田市", "豊田\x00市".encode())

    assert f"municipality.yaml:{line}: name: contains a NUL byte" in refused(data_dir, taxonomy_file)
    assert not Municipality.objects.exists()


def test_yaml_nested_a_hundred_thousand_deep_is_refused_cleanly(db, data_dir, taxonomy_file) -> None:
    (data_dir / "municipality.yaml").write_text("code: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")

    assert "municipality.yaml: malformed YAML: nested too deeply" in refused(data_dir, taxonomy_file)


def test_a_folder_that_is_a_file_is_a_clean_refusal(db, data_dir, taxonomy_file) -> None:
    message = refused(data_dir / "areas.csv", taxonomy_file)
    assert "municipality.yaml: cannot read the file" in message
