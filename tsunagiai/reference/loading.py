"""Reading the reference data files, validating them whole, and applying them in one transaction.

A municipality describes itself in a folder of plain files (docs/reference-data.md)::

    municipality.yaml   code, name, prefecture, sources
    areas.csv           支所区域 → 中学校区 → 小学校区 → 自治区, fire-station areas, disability blocks
    town_blocks.csv     町字 → its neighbourhood association (and fire / disability areas)
    organisations.csv   所属・機関 with agency type, parent and covered areas

and the shared vocabulary is taxonomy.yaml. Loading happens in two steps:

1. ``read_reference_data`` parses and checks every file before anything is
   written. Every problem is collected as ``file:line: field: message``; if
   there is any, ``ReferenceDataError`` is raised and the database is not
   touched.
2. ``apply_reference_data`` upserts by code in one transaction. Rows that are
   no longer in the files are deactivated (``active=False``), never deleted:
   people, intakes and memberships may still point at them. A load that would
   deactivate more than ``REFERENCE_MAX_DEACTIVATION_SHARE`` of the active
   rows of any kind (a file cut short, a header-only export) is refused unless
   ``allow_mass_deactivation`` is given.

A file is text: bytes that are not UTF-8, a NUL byte or another control
character are refused with the file, line and field (PostgreSQL cannot store
a NUL, and none belongs in a name).

Nothing here knows about any particular city: Toyota is only the default
folder named by ``settings.REFERENCE_DATA_DIR``.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tsunagiai.reference.models import Area, Municipality, Organisation, TownBlock
from tsunagiai.reference.taxonomy import VOCABULARIES

MUNICIPALITY_FILE = "municipality.yaml"
AREAS_FILE = "areas.csv"
TOWN_BLOCKS_FILE = "town_blocks.csv"
ORGANISATIONS_FILE = "organisations.csv"

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
POSTAL_CODE_PATTERN = re.compile(r"^\d{3}-?\d{4}$")
MUNICIPALITY_CODE_PATTERN = re.compile(r"^\d{5,6}$")
TRUE_VALUES = frozenset({"1", "true", "yes"})
FALSE_VALUES = frozenset({"", "0", "false", "no"})
# Areas that are not part of the tree: flat divisions without a parent.
FLAT_LEVELS = frozenset(level for level in Area.Level if level not in Area.HIERARCHY)
# Control characters refused in every value (tab, line feed and carriage return are layout).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bytes that were not UTF-8, kept by the "surrogateescape" decoder to be located.
UNDECODABLE = re.compile(r"[\udc80-\udcff]")
# Deactivating fewer rows than this is never a mass deactivation (a small vocabulary losing a term).
MASS_DEACTIVATION_MIN_ROWS = 3
YAML_KEY_ON_LINE = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][\w.-]*)\s*:")


# --- problems ----------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file, located as precisely as the file allows."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ReferenceDataError(Exception):
    """The files were refused; ``problems`` says where and why. Nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class _Collector:
    """Problems found so far, all reported together."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, line: int | None, field: str, message: str) -> None:
        self.problems.append(Problem(file, line, field, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ReferenceDataError(self.problems)


# --- what the files say ------------------------------------------------------


@dataclass(frozen=True)
class TermRow:
    code: str
    label: str
    description: str
    sort_order: int
    line: int


@dataclass(frozen=True)
class MunicipalityRow:
    code: str
    name: str
    prefecture: str


@dataclass(frozen=True)
class AreaRow:
    code: str
    level: str
    name: str
    kana: str
    parent: str
    is_sample: bool
    source: str
    note: str
    sort_order: int
    line: int


@dataclass(frozen=True)
class TownBlockRow:
    code: str
    name: str
    kana: str
    postal_code: str
    neighbourhood_association: str
    fire_station_area: str
    disability_block: str
    is_sample: bool
    source: str
    note: str
    line: int


@dataclass(frozen=True)
class OrganisationRow:
    code: str
    name: str
    kana: str
    agency_type: str
    parent: str
    covered_areas: tuple[str, ...]
    phone: str
    address: str
    is_sample: bool
    source: str
    note: str
    line: int


Taxonomy = dict[str, tuple[TermRow, ...]]


@dataclass(frozen=True)
class ReferenceData:
    """Everything the files say, checked and consistent."""

    taxonomy: Taxonomy
    municipality: MunicipalityRow
    areas: tuple[AreaRow, ...]
    town_blocks: tuple[TownBlockRow, ...]
    organisations: tuple[OrganisationRow, ...]
    taxonomy_file: str = "taxonomy.yaml"


# --- the change report ---------------------------------------------------------


@dataclass
class ModelChanges:
    """What one load did to one model: codes created, updated and deactivated."""

    name: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    deactivated: list[str] = field(default_factory=list)
    # For the mass-deactivation guard: the active rows before the load, and the file (and key) they come from.
    active_before: int = 0
    source: tuple[str, str] = ("", "")

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deactivated)

    def summary(self) -> str:
        return _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged, %(deactivated)d deactivated") % {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "deactivated": len(self.deactivated),
        }


@dataclass
class LoadReport:
    """Per model, what a load created, updated, left alone and deactivated."""

    per_model: dict[str, ModelChanges] = field(default_factory=dict)
    dry_run: bool = False

    def for_model(self, model: type[models.Model]) -> ModelChanges:
        key = model._meta.label_lower
        if key not in self.per_model:
            self.per_model[key] = ModelChanges(name=str(model._meta.verbose_name_plural))
        return self.per_model[key]

    @property
    def changed(self) -> bool:
        return any(changes.changed for changes in self.per_model.values())

    def totals(self) -> ModelChanges:
        total = ModelChanges(name=pgettext("load report", "Total"))
        for changes in self.per_model.values():
            total.created += changes.created
            total.updated += changes.updated
            total.unchanged += changes.unchanged
            total.deactivated += changes.deactivated
        return total

    def lines(self, *, max_codes: int = 20) -> list[str]:
        """The report as text: one summary line per model, then the codes that changed."""
        result = []
        for changes in self.per_model.values():
            result.append(f"{changes.name}: {changes.summary()}")
            for label, codes in (
                (pgettext("load report", "created"), changes.created),
                (pgettext("load report", "updated"), changes.updated),
                (pgettext("load report", "deactivated"), changes.deactivated),
            ):
                if codes:
                    shown = ", ".join(codes[:max_codes])
                    more = (
                        _(" … and %(count)d more") % {"count": len(codes) - max_codes} if len(codes) > max_codes else ""
                    )
                    result.append(f"  {label}: {shown}{more}")
        total = self.totals()
        result.append(f"{total.name}: {total.summary()}")
        return result

    def as_audit_changes(self) -> dict[str, Any]:
        return {
            key: {
                "created": len(c.created),
                "updated": len(c.updated),
                "unchanged": c.unchanged,
                "deactivated": len(c.deactivated),
            }
            for key, c in self.per_model.items()
            if c.changed
        }


# --- YAML with line numbers ------------------------------------------------------


class _LineMap(dict[Any, Any]):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    """PyYAML's safe loader, keeping the composer's node marks for error messages."""

    duplicate_keys: list[tuple[str, int, int]]


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineMap:
    loader.flatten_mapping(node)
    data = _LineMap()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, "found unhashable key", key_node.start_mark
            )
        line = key_node.start_mark.line + 1
        if key in data:
            loader.duplicate_keys.append((str(key), line, data.key_lines.get(str(key), 0)))
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[str(key)] = line
    return data


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)  # type: ignore[arg-type]


def _read_text(path: Path, problems: _Collector, *, keep_undecodable: bool = False) -> str | None:
    """The file's text; bytes that are not UTF-8 are refused (or, for CSV, kept as surrogates to be located)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.add(path.name, None, "", _("file not found"))
        return None
    except OSError as error:
        problems.add(path.name, None, "", _("cannot read the file: %(error)s") % {"error": error.strerror})
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if keep_undecodable:
            return raw.decode("utf-8-sig", errors="surrogateescape")
        line = raw[: error.start].count(b"\n") + 1
        problems.add(path.name, line, "", _("the file is not UTF-8 text"))
        return None


def _character_problem(value: str) -> str | None:
    """Why a value read from a file cannot be stored (bytes that are not UTF-8, control characters), or None."""
    undecodable = UNDECODABLE.search(value)
    if undecodable is not None:
        byte = ord(undecodable.group()) - 0xDC00
        return _("not UTF-8 text (byte 0x%(byte)02X)") % {"byte": byte}
    control = CONTROL_CHARACTERS.search(value)
    if control is not None:
        if control.group() == "\x00":
            return _("contains a NUL byte")
        return _("contains a control character (U+%(code)04X)") % {"code": ord(control.group())}
    return None


def _read_yaml(path: Path, problems: _Collector) -> Any:
    text = _read_text(path, problems)
    if text is None:
        return None
    found = False
    for number, text_line in enumerate(text.splitlines(), start=1):
        problem = _character_problem(text_line)
        if problem is not None:
            key_match = YAML_KEY_ON_LINE.match(text_line)
            problems.add(path.name, number, key_match.group(1) if key_match else "", problem)
            found = True
    if found:
        return None
    loader = _LineLoader(text)
    loader.duplicate_keys = []
    try:
        data = loader.get_single_data()
    except RecursionError:
        problems.add(path.name, None, "", _("malformed YAML: nested too deeply"))
        return None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problems.add(path.name, line, "", _("malformed YAML: %(error)s") % {"error": error.problem or error.context})
        return None
    except yaml.YAMLError as error:
        problems.add(path.name, None, "", _("malformed YAML: %(error)s") % {"error": error})
        return None
    finally:
        loader.dispose()
    for key, line, first_line in loader.duplicate_keys:
        problems.add(path.name, line, key, _("key appears twice; first on line %(line)d") % {"line": first_line})
    return data


def _line_of(mapping: Any, key: str | None = None) -> int | None:
    if isinstance(mapping, _LineMap):
        if key is not None and key in mapping.key_lines:
            return mapping.key_lines[key]
        return mapping.line
    return None


# --- CSV with line numbers -------------------------------------------------------


@dataclass(frozen=True)
class _CsvRow:
    line: int
    values: dict[str, str]


def _read_csv(path: Path, required: Iterable[str], optional: Iterable[str], problems: _Collector) -> list[_CsvRow]:
    """The data rows of a CSV file (UTF-8, header row first; ``#`` lines are comments)."""
    text = _read_text(path, problems, keep_undecodable=True)
    if text is None:
        return []
    required = list(required)
    known = set(required) | set(optional)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[_CsvRow] = []
    start = 1
    try:
        for record in reader:
            line, start = start, reader.line_num + 1
            if not record or all(not cell.strip() for cell in record):
                continue
            if record[0].lstrip().startswith("#"):
                problem = _character_problem(",".join(record))
                if problem is not None:
                    problems.add(path.name, line, "", problem)
                continue
            names = header if header is not None and len(record) == len(header) else [""] * len(record)
            bad_cells = [(name, _character_problem(cell)) for name, cell in zip(names, record, strict=True)]
            for name, problem in bad_cells:
                if problem is not None:
                    problems.add(path.name, line, name, problem)
            if any(problem is not None for _name, problem in bad_cells):
                if header is None:
                    return []
                continue
            if header is None:
                header = [cell.strip() for cell in record]
                seen: set[str] = set()
                for name in header:
                    if name in seen:
                        problems.add(path.name, line, name, _("column appears twice"))
                    elif name not in known:
                        problems.add(path.name, line, name, _("unknown column"))
                    seen.add(name)
                missing = [name for name in required if name not in seen]
                for name in missing:
                    problems.add(path.name, line, name, _("required column is missing"))
                if missing:
                    return []
                continue
            if len(record) != len(header):
                problems.add(
                    path.name,
                    line,
                    "",
                    _("expected %(expected)d fields, found %(found)d")
                    % {"expected": len(header), "found": len(record)},
                )
                continue
            rows.append(_CsvRow(line, {name: cell.strip() for name, cell in zip(header, record, strict=True)}))
    except csv.Error as error:
        problems.add(path.name, reader.line_num or start, "", _("malformed CSV: %(error)s") % {"error": error})
        return []
    if header is None:
        problems.add(path.name, None, "", _("the header row is missing"))
    return rows


# --- field checks ---------------------------------------------------------------


def _max_length(model: type[models.Model], name: str) -> int | None:
    model_field = model._meta.get_field(name)
    return getattr(model_field, "max_length", None)


class _RowChecker:
    """Checks the values of one row, reporting problems against its file and line."""

    def __init__(self, file: str, line: int | None, values: Mapping[str, Any], problems: _Collector) -> None:
        self.file = file
        self.line = line
        self.values = values
        self.problems = problems
        self.ok = True

    def fail(self, column: str, message: str, line: int | None = None) -> None:
        self.ok = False
        self.problems.add(self.file, line or self.line, column, message)

    def text(
        self,
        column: str,
        model: type[models.Model],
        model_field: str | None = None,
        *,
        required: bool = False,
        line: int | None = None,
    ) -> str:
        value = self.values.get(column, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            if isinstance(value, bool | dict | list):
                self.fail(column, _("must be text"), line)
                return ""
            value = str(value)
        value = value.strip()
        if required and not value:
            self.fail(column, _("this field is required"), line)
            return ""
        limit = _max_length(model, model_field or column)
        if limit is not None and len(value) > limit:
            self.fail(
                column, _("at most %(max)d characters (found %(length)d)") % {"max": limit, "length": len(value)}, line
            )
            return value[:limit]
        return value

    def code(
        self, column: str, model: type[models.Model], model_field: str = "code", *, line: int | None = None
    ) -> str:
        value = self.values.get(column, "")
        if not isinstance(value, str):
            self.fail(column, _("must be text"), line)
            return ""
        value = self.text(column, model, model_field, required=True, line=line)
        if value and not CODE_PATTERN.match(value):
            self.fail(
                column,
                _("codes use only ASCII letters, digits, '-', '_' and '.' (found “%(value)s”)") % {"value": value},
                line,
            )
        return value

    def boolean(self, column: str) -> bool:
        value = str(self.values.get(column, "")).strip().lower()
        if value in TRUE_VALUES:
            return True
        if value not in FALSE_VALUES:
            self.fail(column, _("expected 0 or 1, found “%(value)s”") % {"value": value})
        return False


def _check_unique(file: str, rows: Iterable[tuple[str, int]], problems: _Collector) -> None:
    first: dict[str, int] = {}
    for code, line in rows:
        if not code:
            continue
        if code in first:
            problems.add(file, line, "code", _("duplicate code; first on line %(line)d") % {"line": first[code]})
        else:
            first[code] = line


# --- reading each file ------------------------------------------------------------


def _parse_taxonomy(path: Path, problems: _Collector) -> Taxonomy:
    data = _read_yaml(path, problems)
    taxonomy: Taxonomy = {key: () for key in VOCABULARIES}
    if data is None:
        return taxonomy
    if not isinstance(data, dict):
        problems.add(path.name, _line_of(data), "", _("must be a mapping (key: value)"))
        return taxonomy
    for key in data:
        if key != "version" and key not in VOCABULARIES:
            problems.add(path.name, _line_of(data, str(key)), str(key), _("unknown key"))
    for key, (model, description_key) in VOCABULARIES.items():
        if key not in data:
            problems.add(path.name, _line_of(data), key, _("required key is missing"))
            continue
        items = data[key]
        if not isinstance(items, list):
            problems.add(path.name, _line_of(data, key), key, _("must be a list"))
            continue
        allowed = {"code", "label"} | ({description_key} if description_key else set())
        terms: list[TermRow] = []
        for order, item in enumerate(items):
            where = f"{key}[{order}]"
            if not isinstance(item, dict):
                problems.add(path.name, _line_of(data, key), where, _("must be a mapping (key: value)"))
                continue
            line = _line_of(item) or 0
            for item_key in item:
                if item_key not in allowed:
                    problems.add(path.name, _line_of(item, str(item_key)), f"{where}.{item_key}", _("unknown key"))
            check = _RowChecker(path.name, line, {f"{where}.{k}": v for k, v in item.items()}, problems)
            code = check.code(f"{where}.code", model, "code", line=_line_of(item, "code"))
            label = check.text(f"{where}.label", model, "label", required=True, line=_line_of(item, "label"))
            description = (
                check.text(f"{where}.{description_key}", model, "description", line=_line_of(item, description_key))
                if description_key
                else ""
            )
            terms.append(TermRow(code, label, description, order, line))
        _check_unique(path.name, ((t.code, t.line) for t in terms), problems)
        taxonomy[key] = tuple(terms)
    return taxonomy


def _parse_municipality(path: Path, problems: _Collector) -> MunicipalityRow:
    empty = MunicipalityRow("", "", "")
    data = _read_yaml(path, problems)
    if data is None:
        return empty
    if not isinstance(data, dict):
        problems.add(path.name, _line_of(data), "", _("must be a mapping (key: value)"))
        return empty
    allowed = {"code", "name", "prefecture", "sources", "note"}
    for key in data:
        if key not in allowed:
            problems.add(path.name, _line_of(data, str(key)), str(key), _("unknown key"))
    for key in ("code", "name", "prefecture"):
        if key not in data:
            problems.add(path.name, _line_of(data), key, _("required key is missing"))
    values = dict(data)
    if isinstance(values.get("code"), int) and not isinstance(values.get("code"), bool):
        values["code"] = str(values["code"])
    check = _RowChecker(path.name, _line_of(data), values, problems)
    code = check.text("code", Municipality, required=True, line=_line_of(data, "code"))
    if code and not MUNICIPALITY_CODE_PATTERN.match(code):
        check.fail("code", _("must be a municipality code of 5 or 6 digits"), _line_of(data, "code"))
    name = check.text("name", Municipality, required=True, line=_line_of(data, "name"))
    prefecture = check.text("prefecture", Municipality, required=True, line=_line_of(data, "prefecture"))
    sources = data.get("sources")
    if sources is not None and not isinstance(sources, list):
        problems.add(path.name, _line_of(data, "sources"), "sources", _("must be a list"))
    return MunicipalityRow(code, name, prefecture)


AREA_COLUMNS = (("code", "level", "name", "parent"), ("kana", "sample", "source", "note"))
TOWN_BLOCK_COLUMNS = (
    ("code", "name", "neighbourhood_association"),
    ("kana", "postal_code", "fire_station_area", "disability_block", "sample", "source", "note"),
)
ORGANISATION_COLUMNS = (
    ("code", "name", "agency_type"),
    ("kana", "parent", "covered_areas", "phone", "address", "sample", "source", "note"),
)


def _level_label(level: str) -> str:
    return str(Area.Level(level).label) if level in Area.Level.values else level


def _parse_areas(path: Path, problems: _Collector) -> tuple[AreaRow, ...]:
    rows = _read_csv(path, *AREA_COLUMNS, problems)
    areas: list[AreaRow] = []
    position: dict[str, int] = {}
    for row in rows:
        check = _RowChecker(path.name, row.line, row.values, problems)
        code = check.code("code", Area)
        level = row.values["level"]
        if level not in Area.Level.values:
            check.fail(
                "level",
                _("unknown level “%(value)s”; expected one of: %(choices)s")
                % {"value": level, "choices": ", ".join(Area.Level.values)},
            )
        order = position.get(level, 0)
        position[level] = order + 1
        areas.append(
            AreaRow(
                code=code,
                level=level,
                name=check.text("name", Area, required=True),
                kana=check.text("kana", Area),
                parent=row.values["parent"],
                is_sample=check.boolean("sample"),
                source=check.text("source", Area),
                note=check.text("note", Area),
                sort_order=order,
                line=row.line,
            )
        )
    _check_unique(path.name, ((a.code, a.line) for a in areas), problems)
    by_code = {a.code: a for a in areas}
    for area in areas:
        if area.level not in Area.Level.values:
            continue
        if area.level in FLAT_LEVELS or area.level == Area.HIERARCHY[0]:
            if area.parent:
                problems.add(
                    path.name,
                    area.line,
                    "parent",
                    _("must be empty for a %(level)s") % {"level": _level_label(area.level)},
                )
            continue
        expected = Area.HIERARCHY[Area.HIERARCHY.index(Area.Level(area.level)) - 1]
        if not area.parent:
            problems.add(path.name, area.line, "parent", _("this field is required"))
            continue
        parent = by_code.get(area.parent)
        if parent is None:
            problems.add(path.name, area.line, "parent", _("unknown area code “%(value)s”") % {"value": area.parent})
        elif parent.level != expected:
            problems.add(
                path.name,
                area.line,
                "parent",
                _("must be a %(expected)s, but “%(value)s” is a %(found)s")
                % {"expected": _level_label(expected), "value": area.parent, "found": _level_label(parent.level)},
            )
    return tuple(areas)


def _check_area_reference(
    check: _RowChecker, column: str, value: str, level: str, areas: Mapping[str, AreaRow], *, required: bool = False
) -> None:
    if not value:
        if required:
            check.fail(column, _("this field is required"))
        return
    area = areas.get(value)
    if area is None:
        check.fail(column, _("unknown area code “%(value)s”") % {"value": value})
    elif area.level != level:
        check.fail(
            column,
            _("must be a %(expected)s, but “%(value)s” is a %(found)s")
            % {"expected": _level_label(level), "value": value, "found": _level_label(area.level)},
        )


def _parse_town_blocks(path: Path, areas: Mapping[str, AreaRow], problems: _Collector) -> tuple[TownBlockRow, ...]:
    rows = _read_csv(path, *TOWN_BLOCK_COLUMNS, problems)
    blocks: list[TownBlockRow] = []
    for row in rows:
        check = _RowChecker(path.name, row.line, row.values, problems)
        code = check.code("code", TownBlock)
        postal_code = check.text("postal_code", TownBlock)
        if postal_code and not POSTAL_CODE_PATTERN.match(postal_code):
            check.fail("postal_code", _("not a postal code (e.g. 471-0024)"))
        association = row.values["neighbourhood_association"]
        fire = row.values.get("fire_station_area", "")
        disability = row.values.get("disability_block", "")
        _check_area_reference(
            check, "neighbourhood_association", association, Area.Level.NEIGHBOURHOOD_ASSOCIATION, areas, required=True
        )
        _check_area_reference(check, "fire_station_area", fire, Area.Level.FIRE_STATION_AREA, areas)
        _check_area_reference(check, "disability_block", disability, Area.Level.DISABILITY_BLOCK, areas)
        blocks.append(
            TownBlockRow(
                code=code,
                name=check.text("name", TownBlock, required=True),
                kana=check.text("kana", TownBlock),
                postal_code=postal_code,
                neighbourhood_association=association,
                fire_station_area=fire,
                disability_block=disability,
                is_sample=check.boolean("sample"),
                source=check.text("source", TownBlock),
                note=check.text("note", TownBlock),
                line=row.line,
            )
        )
    _check_unique(path.name, ((b.code, b.line) for b in blocks), problems)
    return tuple(blocks)


def _parse_organisations(
    path: Path, areas: Mapping[str, AreaRow], agency_types: set[str], problems: _Collector
) -> tuple[OrganisationRow, ...]:
    rows = _read_csv(path, *ORGANISATION_COLUMNS, problems)
    organisations: list[OrganisationRow] = []
    for row in rows:
        check = _RowChecker(path.name, row.line, row.values, problems)
        code = check.code("code", Organisation)
        agency_type = row.values["agency_type"]
        if not agency_type:
            check.fail("agency_type", _("this field is required"))
        elif agency_type not in agency_types:
            check.fail("agency_type", _("unknown agency type “%(value)s”") % {"value": agency_type})
        covered: list[str] = []
        for area_code in (part.strip() for part in row.values.get("covered_areas", "").split(";")):
            if not area_code or area_code in covered:
                continue
            if area_code not in areas:
                check.fail("covered_areas", _("unknown area code “%(value)s”") % {"value": area_code})
            covered.append(area_code)
        organisations.append(
            OrganisationRow(
                code=code,
                name=check.text("name", Organisation, required=True),
                kana=check.text("kana", Organisation),
                agency_type=agency_type,
                parent=row.values.get("parent", ""),
                covered_areas=tuple(covered),
                phone=check.text("phone", Organisation),
                address=check.text("address", Organisation),
                is_sample=check.boolean("sample"),
                source=check.text("source", Organisation),
                note=check.text("note", Organisation),
                line=row.line,
            )
        )
    _check_unique(path.name, ((o.code, o.line) for o in organisations), problems)
    by_code = {o.code: o for o in organisations}
    for organisation in organisations:
        if organisation.parent and organisation.parent not in by_code:
            problems.add(
                path.name,
                organisation.line,
                "parent",
                _("unknown organisation code “%(value)s”") % {"value": organisation.parent},
            )
    _check_parent_cycles(path.name, organisations, by_code, problems)
    return tuple(organisations)


def _check_parent_cycles(
    file: str, organisations: list[OrganisationRow], by_code: Mapping[str, OrganisationRow], problems: _Collector
) -> None:
    reported: set[str] = set()
    for organisation in organisations:
        chain = [organisation.code]
        current = organisation
        while current.parent and current.parent in by_code:
            if current.parent in chain:
                loop = chain[chain.index(current.parent) :] + [current.parent]
                if not reported.intersection(loop):
                    problems.add(
                        file,
                        organisation.line,
                        "parent",
                        _("the parent chain loops: %(cycle)s") % {"cycle": " → ".join(loop)},
                    )
                reported.update(loop)
                break
            chain.append(current.parent)
            current = by_code[current.parent]


@functools.cache
def _cached_taxonomy(path: Path, mtime_ns: int, size: int) -> Taxonomy:
    problems = _Collector()
    taxonomy = _parse_taxonomy(path, problems)
    problems.raise_if_any()
    return taxonomy


def read_taxonomy(path: Path) -> Taxonomy:
    """The vocabularies of a taxonomy.yaml file, checked; raises ``ReferenceDataError``."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        problems = _Collector()
        _parse_taxonomy(path, problems)
        problems.raise_if_any()
        raise  # pragma: no cover - the parse above always reports the missing file
    return _cached_taxonomy(path.resolve(), stat.st_mtime_ns, stat.st_size)


def read_reference_data(directory: Path, taxonomy_file: Path) -> ReferenceData:
    """Parse and check every file; raise ``ReferenceDataError`` listing all problems."""
    directory = Path(directory)
    problems = _Collector()
    taxonomy = _parse_taxonomy(Path(taxonomy_file), problems)
    municipality = _parse_municipality(directory / MUNICIPALITY_FILE, problems)
    areas = _parse_areas(directory / AREAS_FILE, problems)
    areas_by_code = {area.code: area for area in areas}
    town_blocks = _parse_town_blocks(directory / TOWN_BLOCKS_FILE, areas_by_code, problems)
    agency_types = {term.code for term in taxonomy.get("agency_types", ())}
    organisations = _parse_organisations(directory / ORGANISATIONS_FILE, areas_by_code, agency_types, problems)
    problems.raise_if_any()
    return ReferenceData(taxonomy, municipality, areas, town_blocks, organisations, Path(taxonomy_file).name)


# --- applying ---------------------------------------------------------------------


def _upsert(
    model: type[models.Model],
    desired: Mapping[str, Mapping[str, Any]],
    changes: ModelChanges,
    *,
    deferred: Callable[[Mapping[str, Any]], Mapping[str, Mapping[str, Any]]] | None = None,
    deactivate: bool = True,
) -> dict[str, Any]:
    """Create, update and deactivate rows of ``model`` so that they match ``desired`` (by code).

    ``deferred`` computes values that need the primary keys of rows created in
    this same pass (a parent in the same table); it gets code → primary key.
    Returns code → primary key for every row of the model.
    """
    manager = model._default_manager
    existing: dict[str, Any] = {obj.code: obj for obj in manager.all()}  # type: ignore[attr-defined]
    changes.active_before = sum(1 for obj in existing.values() if getattr(obj, "active", False))
    new_objects: dict[str, Any] = {}
    dirty: dict[str, Any] = {}
    dirty_fields: set[str] = set()

    def apply(code: str, values: Mapping[str, Any]) -> None:
        obj = new_objects.get(code) or existing[code]
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        for name in changed:
            setattr(obj, name, values[name])
        if changed:
            dirty[code] = obj
            dirty_fields.update(changed)
            if code not in new_objects and code not in changes.updated:
                changes.updated.append(code)

    for code, values in desired.items():
        if code in existing:
            apply(code, values)
        else:
            new_objects[code] = model(code=code, **values)
            changes.created.append(code)
    manager.bulk_create(new_objects.values())
    ids: dict[str, Any] = dict(manager.values_list("code", "pk"))
    for code, obj in new_objects.items():
        obj.pk = ids[code]
    if deferred is not None:
        for code, values in deferred(ids).items():
            apply(code, values)
    if deactivate:
        for code, obj in existing.items():
            if code not in desired and getattr(obj, "active", False):
                obj.active = False
                dirty[code] = obj
                dirty_fields.add("active")
                changes.deactivated.append(code)
    if dirty:
        manager.bulk_update(dirty.values(), sorted(dirty_fields), batch_size=200)
    changes.unchanged = len(desired) - len(changes.created) - len(changes.updated)
    return ids


def _apply_taxonomy(taxonomy: Taxonomy, report: LoadReport, file: str) -> None:
    for key, (model, _description_key) in VOCABULARIES.items():
        report.for_model(model).source = (file, key)
        desired = {
            term.code: {
                "label": term.label,
                "description": term.description,
                "sort_order": term.sort_order,
                "active": True,
            }
            for term in taxonomy.get(key, ())
        }
        _upsert(model, desired, report.for_model(model))


def _apply_municipality(row: MunicipalityRow, report: LoadReport) -> None:
    changes = report.for_model(Municipality)
    current = Municipality.objects.filter(code=row.code).first()
    if current is None:
        Municipality.objects.create(code=row.code, name=row.name, prefecture=row.prefecture)
        changes.created.append(row.code)
    elif (current.name, current.prefecture) != (row.name, row.prefecture):
        current.name, current.prefecture = row.name, row.prefecture
        current.save(update_fields=["name", "prefecture"])
        changes.updated.append(row.code)
    else:
        changes.unchanged = 1


def _apply_areas(areas: tuple[AreaRow, ...], report: LoadReport) -> dict[str, int]:
    desired = {
        area.code: {
            "level": area.level,
            "name": area.name,
            "kana": area.kana,
            "is_sample": area.is_sample,
            "source": area.source,
            "note": area.note,
            "sort_order": area.sort_order,
            "active": True,
        }
        for area in areas
    }

    def parents(ids: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        return {area.code: {"parent_id": ids[area.parent] if area.parent else None} for area in areas}

    report.for_model(Area).source = (AREAS_FILE, "")
    return _upsert(Area, desired, report.for_model(Area), deferred=parents)


def _apply_town_blocks(data: ReferenceData, area_ids: Mapping[str, int], report: LoadReport) -> None:
    areas = {area.code: area for area in data.areas}

    def ancestor(code: str) -> str:
        return areas[code].parent

    desired: dict[str, dict[str, Any]] = {}
    for block in data.town_blocks:
        # 自治区 → 小学校区 → 中学校区 → 支所区域, stored on the block for one-join filtering.
        elementary = ancestor(block.neighbourhood_association)
        junior_high = ancestor(elementary)
        branch = ancestor(junior_high)
        desired[block.code] = {
            "name": block.name,
            "kana": block.kana,
            "postal_code": block.postal_code,
            "neighbourhood_association_id": area_ids[block.neighbourhood_association],
            "elementary_district_id": area_ids[elementary],
            "junior_high_district_id": area_ids[junior_high],
            "branch_area_id": area_ids[branch],
            "fire_station_area_id": area_ids[block.fire_station_area] if block.fire_station_area else None,
            "disability_block_id": area_ids[block.disability_block] if block.disability_block else None,
            "is_sample": block.is_sample,
            "source": block.source,
            "note": block.note,
            "active": True,
        }
    report.for_model(TownBlock).source = (TOWN_BLOCKS_FILE, "")
    _upsert(TownBlock, desired, report.for_model(TownBlock))


def _apply_organisations(
    organisations: tuple[OrganisationRow, ...], area_ids: Mapping[str, int], report: LoadReport
) -> None:
    changes = report.for_model(Organisation)
    changes.source = (ORGANISATIONS_FILE, "")
    desired = {
        org.code: {
            "name": org.name,
            "kana": org.kana,
            "agency_type_id": org.agency_type,
            "phone": org.phone,
            "address": org.address,
            "is_sample": org.is_sample,
            "source": org.source,
            "note": org.note,
            "active": True,
        }
        for org in organisations
    }

    def parents(ids: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        return {org.code: {"parent_id": ids[org.parent] if org.parent else None} for org in organisations}

    ids = _upsert(Organisation, desired, changes, deferred=parents)

    # Covered areas: compare whole sets, rewrite only the organisations whose set changed.
    through = Organisation.covered_areas.through
    current: dict[int, set[int]] = {}
    for organisation_id, area_id in through.objects.values_list("organisation_id", "area_id"):
        current.setdefault(organisation_id, set()).add(area_id)
    rewrite: dict[int, set[int]] = {}
    for org in organisations:
        organisation_id = ids[org.code]
        wanted = {area_ids[code] for code in org.covered_areas}
        if current.get(organisation_id, set()) != wanted:
            rewrite[organisation_id] = wanted
            if org.code not in changes.created and org.code not in changes.updated:
                changes.updated.append(org.code)
                changes.unchanged -= 1
    if rewrite:
        through.objects.filter(organisation_id__in=list(rewrite)).delete()
        through.objects.bulk_create(
            [
                through(organisation_id=organisation_id, area_id=area_id)
                for organisation_id, wanted in rewrite.items()
                for area_id in sorted(wanted)
            ]
        )


def max_deactivation_share() -> float:
    """The largest share of a kind's active rows one load may deactivate (``REFERENCE_MAX_DEACTIVATION_SHARE``)."""
    return float(getattr(settings, "REFERENCE_MAX_DEACTIVATION_SHARE", 0.2))


def mass_deactivations(report: LoadReport) -> list[Problem]:
    """Each kind of row the load would deactivate wholesale: all its active rows, or more than the set share."""
    share = max_deactivation_share()
    problems = []
    for changes in report.per_model.values():
        count, before = len(changes.deactivated), changes.active_before
        if not count or not before:
            continue
        if count < before and (count < MASS_DEACTIVATION_MIN_ROWS or count <= share * before):
            continue
        file, key = changes.source
        problems.append(
            Problem(
                file or changes.name,
                None,
                key,
                _(
                    "the load would deactivate %(count)d of the %(before)d active %(kind)s (%(percent)d%%), "
                    "more than the allowed %(share)d%%. If the file is complete and this is intended, "
                    "load again with --allow-mass-deactivation."
                )
                % {
                    "count": count,
                    "before": before,
                    "kind": changes.name,
                    "percent": round(100 * count / before),
                    "share": round(100 * share),
                },
            )
        )
    return problems


def _refuse_mass_deactivation(report: LoadReport, *, allowed: bool) -> None:
    if allowed:
        return
    problems = mass_deactivations(report)
    if problems:
        raise ReferenceDataError(problems)  # inside the load's transaction: nothing is kept


def apply_reference_data(
    data: ReferenceData, *, dry_run: bool = False, allow_mass_deactivation: bool = False
) -> LoadReport:
    """Make the database match ``data`` in one transaction; with ``dry_run`` roll back at the end.

    Raises ``ReferenceDataError`` (and changes nothing) when the load would
    deactivate more than the set share of any kind of row, unless
    ``allow_mass_deactivation``.
    """
    report = LoadReport(dry_run=dry_run)
    with transaction.atomic():
        _apply_municipality(data.municipality, report)
        _apply_taxonomy(data.taxonomy, report, data.taxonomy_file)
        area_ids = _apply_areas(data.areas, report)
        _apply_town_blocks(data, area_ids, report)
        _apply_organisations(data.organisations, area_ids, report)
        _refuse_mass_deactivation(report, allowed=allow_mass_deactivation)
        if dry_run:
            transaction.set_rollback(True)
    return report


def load_taxonomy(path: Path, *, dry_run: bool = False, allow_mass_deactivation: bool = False) -> LoadReport:
    """Load only the shared vocabulary (taxonomy.yaml); raises ``ReferenceDataError`` on a bad file."""
    taxonomy = read_taxonomy(Path(path))
    report = LoadReport(dry_run=dry_run)
    with transaction.atomic():
        _apply_taxonomy(taxonomy, report, Path(path).name)
        _refuse_mass_deactivation(report, allowed=allow_mass_deactivation)
        if dry_run:
            transaction.set_rollback(True)
    return report
