"""Loading the reference files: the shipped Toyota data, idempotence, deactivation, and refusals."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

from tsunagiai.reference.actions import do_load_reference
from tsunagiai.reference.loading import ReferenceDataError, load_taxonomy, read_reference_data
from tsunagiai.reference.models import AgencyType, Area, Municipality, Organisation, TownBlock


def line_number(path: Path, startswith: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith(startswith):
            return number
    raise AssertionError(f"no line starting with {startswith!r} in {path}")


def replace_line(path: Path, startswith: str, new: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    number = line_number(path, startswith)
    lines[number - 1] = new
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return number


def remove_line(path: Path, startswith: str) -> None:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith(startswith)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def append_line(path: Path, line: str) -> int:
    text = path.read_text(encoding="utf-8")
    path.write_text(text + line + "\n", encoding="utf-8")
    return len(text.splitlines()) + 1


def database_state() -> dict[str, Any]:
    """Counts and a few rows, to prove a refused load wrote nothing."""
    coordination = Organisation.objects.get(code="coordination")
    sukakan = Area.objects.get(code="jh-sukakan")
    block = TownBlock.objects.get(code="tb-motoshiro")
    return {
        "areas": Area.objects.count(),
        "active_areas": Area.objects.filter(active=True).count(),
        "blocks": TownBlock.objects.count(),
        "organisations": Organisation.objects.count(),
        "active_organisations": Organisation.objects.filter(active=True).count(),
        "agency_types": AgencyType.objects.count(),
        "municipalities": list(Municipality.objects.values_list("code", "name")),
        "coordination": (
            coordination.name,
            coordination.parent_id,
            sorted(coordination.covered_areas.values_list("code", flat=True)),
        ),
        "sukakan": (sukakan.name, sukakan.parent_id, sukakan.active),
        "block": (block.name, block.branch_area_id, block.neighbourhood_association_id),
    }


def load(directory: Path, taxonomy: Path, **kwargs: Any) -> Any:
    return do_load_reference(directory, taxonomy, **kwargs)


@pytest.fixture
def loaded(db: Any) -> None:
    do_load_reference(settings.REFERENCE_DATA_DIR, settings.TAXONOMY_FILE)


def test_shipped_toyota_files_load_in_well_under_five_seconds_and_reload_changes_nothing(db) -> None:
    started = time.monotonic()
    first = do_load_reference(settings.REFERENCE_DATA_DIR, settings.TAXONOMY_FILE)
    second = do_load_reference(settings.REFERENCE_DATA_DIR, settings.TAXONOMY_FILE)
    elapsed = time.monotonic() - started

    assert elapsed < 5
    assert first.changed
    assert not second.changed
    totals = second.totals()
    assert (len(totals.created), len(totals.updated), len(totals.deactivated)) == (0, 0, 0)
    assert totals.unchanged == len(first.totals().created)


def test_toyota_has_its_twelve_branch_areas_and_twenty_eight_junior_high_districts(loaded) -> None:
    assert Municipality.objects.get().name == "豊田市"
    branches = list(Area.objects.filter(level=Area.Level.BRANCH_AREA).values_list("name", flat=True))
    assert branches == [
        f"{name}地区"
        for name in ("挙母", "高橋", "上郷", "高岡", "猿投", "松平", "藤岡", "小原", "足助", "下山", "旭", "稲武")
    ]
    assert Area.objects.filter(level=Area.Level.JUNIOR_HIGH_DISTRICT).count() == 28
    assert Area.objects.filter(level=Area.Level.ELEMENTARY_DISTRICT).count() == 75
    assert Area.objects.filter(level=Area.Level.NEIGHBOURHOOD_ASSOCIATION).count() >= 150
    # Real names are not marked as samples; unverified ones are.
    assert not Area.objects.get(code="jh-sukakan").is_sample
    assert Area.objects.get(code="jh-masutomi").is_sample
    assert Organisation.objects.filter(agency_type_id="branch_office").count() == 12
    assert not Organisation.objects.get(code="guardianship").is_sample


def test_town_block_ancestors_are_derived_from_its_neighbourhood_association(loaded) -> None:
    block = TownBlock.objects.select_related(
        "neighbourhood_association", "elementary_district", "junior_high_district", "branch_area"
    ).get(code="tb-motoshiro")

    assert block.name == "元城町"
    assert block.elementary_district == block.neighbourhood_association.parent
    assert block.junior_high_district.code == "jh-sukakan"
    assert block.branch_area.code == "br-koromo"
    assert block.fire_station_area is not None
    assert block.disability_block is not None


def test_organisation_parent_and_covered_areas_come_from_the_file(loaded) -> None:
    csw = Organisation.objects.get(code="csw")
    assert csw.parent is not None
    assert csw.parent.code == "shakyo"
    assert csw.covered_areas.filter(level=Area.Level.BRANCH_AREA).count() == 12
    assert list(Organisation.objects.get(code="branch-asuke").covered_areas.values_list("code", flat=True)) == [
        "br-asuke"
    ]


def test_rows_removed_from_the_files_are_deactivated_not_deleted(loaded, data_dir, taxonomy_file) -> None:
    remove_line(data_dir / "organisations.csv", "otasuke-sanage,")
    remove_line(data_dir / "town_blocks.csv", "tb-motoshiro,")

    report = load(data_dir, taxonomy_file)

    assert report.for_model(Organisation).deactivated == ["otasuke-sanage"]
    assert report.for_model(TownBlock).deactivated == ["tb-motoshiro"]
    assert Organisation.objects.get(code="otasuke-sanage").active is False
    assert TownBlock.objects.get(code="tb-motoshiro").active is False
    # Put back, it is active again and reported as updated.
    again = do_load_reference(settings.REFERENCE_DATA_DIR, settings.TAXONOMY_FILE)
    assert again.for_model(Organisation).updated == ["otasuke-sanage"]
    assert Organisation.objects.get(code="otasuke-sanage").active is True


def test_a_changed_name_and_changed_covered_areas_are_reported_as_updates(loaded, data_dir, taxonomy_file) -> None:
    path = data_dir / "organisations.csv"
    text = path.read_text(encoding="utf-8")
    text = text.replace("otasuke-sanage,猿投お助け隊,", "otasuke-sanage,猿投お助け隊 (改称),")
    text = text.replace(
        "kodomo-shokudo-sakura,さくら子ども食堂,,npo,,jh-homi,",
        "kodomo-shokudo-sakura,さくら子ども食堂,,npo,,jh-homi;jh-sanage,",
    )
    path.write_text(text, encoding="utf-8")

    report = load(data_dir, taxonomy_file)

    changes = report.for_model(Organisation)
    assert sorted(changes.updated) == ["kodomo-shokudo-sakura", "otasuke-sanage"]
    assert changes.created == []
    assert changes.unchanged == Organisation.objects.count() - 2
    assert Organisation.objects.get(code="otasuke-sanage").name == "猿投お助け隊 (改称)"
    assert sorted(
        Organisation.objects.get(code="kodomo-shokudo-sakura").covered_areas.values_list("code", flat=True)
    ) == [
        "jh-homi",
        "jh-sanage",
    ]


def test_dry_run_reports_the_changes_and_saves_none(loaded, data_dir, taxonomy_file) -> None:
    remove_line(data_dir / "organisations.csv", "otasuke-sanage,")
    before = database_state()

    report = load(data_dir, taxonomy_file, dry_run=True)

    assert report.for_model(Organisation).deactivated == ["otasuke-sanage"]
    assert database_state() == before


def _csv_bad_quote(d: Path, t: Path) -> tuple[str, int, str]:
    line = append_line(d / "areas.csv", 'el-broken,elementary_district,"壊れた"行,,jh-sukakan,1,,')
    return "areas.csv", line, "malformed CSV"


def _csv_wrong_field_count(d: Path, t: Path) -> tuple[str, int, str]:
    line = append_line(d / "areas.csv", "el-short,elementary_district,短い行")
    return "areas.csv", line, "expected 8 fields, found 3"


def _unknown_parent(d: Path, t: Path) -> tuple[str, int, str]:
    line = append_line(d / "areas.csv", "el-orphan,elementary_district,孤児小学校区,,jh-nowhere,1,,")
    return "areas.csv", line, "parent: unknown area code “jh-nowhere”"


def _wrong_level(d: Path, t: Path) -> tuple[str, int, str]:
    line = append_line(d / "areas.csv", "el-misplaced,elementary_district,迷子小学校区,,br-koromo,1,,")
    return "areas.csv", line, "parent: must be a junior-high district, but “br-koromo” is a branch-office area"


def _duplicate_code(d: Path, t: Path) -> tuple[str, int, str]:
    first = line_number(d / "organisations.csv", "csw,")
    line = append_line(d / "organisations.csv", "csw,二つ目のCSW,,csw,,,,,1,,")
    return "organisations.csv", line, f"code: duplicate code; first on line {first}"


def _missing_column(d: Path, t: Path) -> tuple[str, int, str]:
    path = d / "organisations.csv"
    header = line_number(path, "code,name,")
    text = path.read_text(encoding="utf-8").replace("code,name,kana,agency_type,", "code,name,kana,type_of_agency,", 1)
    path.write_text(text, encoding="utf-8")
    return "organisations.csv", header, "agency_type: required column is missing"


def _unknown_column(d: Path, t: Path) -> tuple[str, int, str]:
    path = d / "town_blocks.csv"
    header = line_number(path, "code,name,")
    text = path.read_text(encoding="utf-8").replace("code,name,kana,", "code,name,yomi,", 1)
    path.write_text(text, encoding="utf-8")
    return "town_blocks.csv", header, "yomi: unknown column"


def _bad_yaml(d: Path, t: Path) -> tuple[str, int, str]:
    line = replace_line(t, "urgency_levels:", "urgency_levels: [unclosed")
    return "taxonomy.yaml", line + 1, "malformed YAML"


def _yaml_unknown_key(d: Path, t: Path) -> tuple[str, int, str]:
    line = append_line(d / "municipality.yaml", "mayor: 誰か")
    return "municipality.yaml", line, "mayor: unknown key"


def _yaml_duplicate_key(d: Path, t: Path) -> tuple[str, int, str]:
    line = append_line(d / "municipality.yaml", "name: 別の市")
    first = line_number(d / "municipality.yaml", "name:")
    return "municipality.yaml", line, f"name: key appears twice; first on line {first}"


def _unknown_agency_type(d: Path, t: Path) -> tuple[str, int, str]:
    line = append_line(d / "organisations.csv", "mystery,謎の機関,,secret_service,,,,,1,,")
    return "organisations.csv", line, "agency_type: unknown agency type “secret_service”"


def _parent_cycle(d: Path, t: Path) -> tuple[str, int, str]:
    line = append_line(d / "organisations.csv", "loop-a,ループA,,npo,loop-b,,,,1,,")
    append_line(d / "organisations.csv", "loop-b,ループB,,npo,loop-a,,,,1,,")
    return "organisations.csv", line, "parent: the parent chain loops: loop-a → loop-b → loop-a"


def _bad_boolean(d: Path, t: Path) -> tuple[str, int, str]:
    line = append_line(d / "organisations.csv", "maybe,たぶん,,npo,,,,,perhaps,,")
    return "organisations.csv", line, "sample: expected 0 or 1, found “perhaps”"


def _over_long(d: Path, t: Path) -> tuple[str, int, str]:
    line = append_line(d / "areas.csv", f"fs-long,fire_station_area,{'長' * 101},,,1,,")
    return "areas.csv", line, "name: at most 100 characters (found 101)"


def _block_in_wrong_level(d: Path, t: Path) -> tuple[str, int, str]:
    line = append_line(d / "town_blocks.csv", "tb-odd,変な町,,,jh-sukakan,,,1,,")
    return (
        "town_blocks.csv",
        line,
        "neighbourhood_association: must be a neighbourhood association, but “jh-sukakan” is a junior-high district",
    )


def _non_ascii_code(d: Path, t: Path) -> tuple[str, int, str]:
    line = append_line(d / "organisations.csv", "機関,漢字コード,,npo,,,,,1,,")
    return "organisations.csv", line, "code: codes use only ASCII letters"


def _not_utf8(d: Path, t: Path) -> tuple[str, int, str]:
    path = d / "organisations.csv"
    lines = path.read_text(encoding="utf-8").count("\n")
    path.write_bytes(path.read_bytes() + "shift-jis,シフトJIS,,npo,,,,,1,,\n".encode("cp932"))
    return "organisations.csv", lines + 1, "name: not UTF-8 text (byte 0x83)"


MALFORMED = [
    _csv_bad_quote,
    _csv_wrong_field_count,
    _unknown_parent,
    _wrong_level,
    _duplicate_code,
    _missing_column,
    _unknown_column,
    _bad_yaml,
    _yaml_unknown_key,
    _yaml_duplicate_key,
    _unknown_agency_type,
    _parent_cycle,
    _bad_boolean,
    _over_long,
    _block_in_wrong_level,
    _non_ascii_code,
    _not_utf8,
]


@pytest.mark.parametrize("break_files", MALFORMED, ids=lambda f: f.__name__.strip("_"))
def test_a_malformed_file_is_refused_with_file_line_and_field_and_the_database_is_untouched(
    loaded, data_dir, taxonomy_file, break_files
) -> None:
    file, line, expected = break_files(data_dir, taxonomy_file)
    before = database_state()

    with translation.override("en"), pytest.raises(ReferenceDataError) as refused:
        load(data_dir, taxonomy_file)

    messages = [str(problem) for problem in refused.value.problems]
    assert any(message.startswith(f"{file}:{line}: ") and expected in message for message in messages), messages
    assert database_state() == before


def test_every_problem_in_every_file_is_reported_at_once(db, data_dir, taxonomy_file) -> None:
    _unknown_parent(data_dir, taxonomy_file)
    _unknown_agency_type(data_dir, taxonomy_file)
    _yaml_unknown_key(data_dir, taxonomy_file)

    with pytest.raises(ReferenceDataError) as refused:
        read_reference_data(data_dir, taxonomy_file)

    assert {problem.file for problem in refused.value.problems} == {
        "areas.csv",
        "organisations.csv",
        "municipality.yaml",
    }
    assert Area.objects.count() == 0


def test_problems_are_explained_in_japanese_by_default(db, data_dir, taxonomy_file) -> None:
    line = append_line(data_dir / "areas.csv", "el-orphan,elementary_district,孤児小学校区,,jh-nowhere,1,,")

    with translation.override("ja"), pytest.raises(ReferenceDataError) as refused:
        read_reference_data(data_dir, taxonomy_file)

    assert str(refused.value) == f"areas.csv:{line}: parent: 地域コード「jh-nowhere」が見つかりません。"


def test_a_missing_file_is_named(db, data_dir, taxonomy_file) -> None:
    (data_dir / "town_blocks.csv").unlink()

    with translation.override("en"), pytest.raises(ReferenceDataError) as refused:
        read_reference_data(data_dir, taxonomy_file)

    assert "town_blocks.csv: file not found" in str(refused.value)


def test_load_taxonomy_alone_fills_the_vocabulary_and_is_idempotent(db) -> None:
    first = load_taxonomy(settings.TAXONOMY_FILE)
    second = load_taxonomy(settings.TAXONOMY_FILE)

    assert AgencyType.objects.filter(code="coordination_section").exists()
    assert first.changed
    assert not second.changed


def test_reference_files_live_inside_the_repository() -> None:
    base = Path(settings.BASE_DIR).resolve()
    for path in (Path(settings.REFERENCE_DATA_DIR), Path(settings.TAXONOMY_FILE)):
        assert path.resolve().is_relative_to(base), path
