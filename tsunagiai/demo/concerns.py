"""Concern texts for invented intakes, each with the categories its words justify.

The texts live in ``tsunagiai/demo/data/concerns.yaml`` (read once, when this module is
imported); this module holds the household kinds the generator uses and checks the file.

The texts come in the styles staff actually meet: terse window notes, a
consulter's own words, a 民生委員's report, a fire crew's 消福連携 note. Each
template says which households it fits (an 8050 text needs an old parent and
a middle-aged child), which member it is about, where it is usually received
and how urgent it tends to be, so that the categories, the household and the
text of every generated intake agree with one another.

Placeholders: ``{fam}`` family name, ``{age}`` the subject's age, ``{decade}``
(80代), ``{sex}`` (女性/男性), ``{n}`` a small number, ``{months}`` 2–6.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# Household kinds (their weights: population.households.HOUSEHOLD_KINDS).
SINGLE_ELDERLY = "single_elderly"
ELDERLY_COUPLE = "elderly_couple"
P8050 = "p8050"
FAMILY = "family_children"
SINGLE_PARENT = "single_parent"
THREE_GENERATION = "three_generation"
SINGLE_ADULT = "single_adult"
ADULT_WITH_PARENTS = "adult_with_parents"
FOREIGN_FAMILY = "foreign_family"
FOREIGN_SINGLE = "foreign_single"

ALL_HOUSEHOLD_KINDS = frozenset(
    {
        SINGLE_ELDERLY,
        ELDERLY_COUPLE,
        P8050,
        FAMILY,
        SINGLE_PARENT,
        THREE_GENERATION,
        SINGLE_ADULT,
        ADULT_WITH_PARENTS,
        FOREIGN_FAMILY,
        FOREIGN_SINGLE,
    }
)
SUBJECTS = frozenset({"eldest", "youngest", "adult_child", "carer", "head"})

STANDARD = "standard"
VOLUNTEER_CONCERN = "volunteer_concern"
FIRE_REPORT = "fire_report"
CONCERN_KINDS = frozenset({STANDARD, VOLUNTEER_CONCERN, FIRE_REPORT})
URGENCIES = frozenset({"normal", "high", "emergency"})
CONCERNS_FILE = Path(__file__).resolve().parent / "data" / "concerns.yaml"


@dataclass(frozen=True)
class Concern:
    text: str
    categories: tuple[str, ...]
    fits: frozenset[str]
    # Which member it is about: eldest | youngest | adult_child | carer | head
    subject: str
    # Agency types that usually receive it, most likely first.
    windows: tuple[str, ...] = ("branch_office",)
    consulters: tuple[str, ...] = ("self", "family")
    urgency: str = "normal"
    kind: str = STANDARD
    weight: int = 3


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{where}: a non-empty list of codes is expected, not {value!r}")
    return tuple(value)


def parse_concerns(data: Any, *, source: str = "concerns.yaml") -> tuple[Concern, ...]:
    """The concerns of a loaded ``concerns.yaml``; a ValueError names the entry and field at fault."""
    if not isinstance(data, dict) or not isinstance(data.get("concerns"), list):
        raise ValueError(f"{source}: a mapping with a 'concerns' list is expected")
    groups: dict[str, frozenset[str]] = {}
    for name, kinds in (data.get("groups") or {}).items():
        groups[name] = frozenset(_strings(kinds, f"{source}: groups.{name}"))
        if unknown := groups[name] - ALL_HOUSEHOLD_KINDS:
            raise ValueError(f"{source}: groups.{name}: unknown household kinds {sorted(unknown)}")
    concerns: list[Concern] = []
    for index, entry in enumerate(data["concerns"], start=1):
        where = f"{source}: concern {index}"
        if not isinstance(entry, dict) or not isinstance(entry.get("text"), str) or not entry["text"]:
            raise ValueError(f"{where}: a mapping with a non-empty 'text' is expected")
        if unknown_fields := set(entry) - {"text", *Concern.__dataclass_fields__}:
            raise ValueError(f"{where}: unknown fields {sorted(unknown_fields)}")
        fits_value = entry.get("fits")
        if isinstance(fits_value, str):
            if fits_value not in groups:
                raise ValueError(f"{where}: fits: unknown group {fits_value!r}")
            fits = groups[fits_value]
        else:
            fits = frozenset(_strings(fits_value, f"{where}: fits"))
            if unknown := fits - ALL_HOUSEHOLD_KINDS:
                raise ValueError(f"{where}: fits: unknown household kinds {sorted(unknown)}")
        if entry.get("subject") not in SUBJECTS:
            raise ValueError(f"{where}: subject: one of {sorted(SUBJECTS)} is expected")
        options: dict[str, Any] = {}
        for name in ("windows", "consulters"):
            if name in entry:
                options[name] = _strings(entry[name], f"{where}: {name}")
        for name, allowed in (("urgency", URGENCIES), ("kind", CONCERN_KINDS)):
            if name in entry:
                if entry[name] not in allowed:
                    raise ValueError(f"{where}: {name}: one of {sorted(allowed)} is expected")
                options[name] = entry[name]
        if "weight" in entry:
            if not isinstance(entry["weight"], int) or isinstance(entry["weight"], bool) or entry["weight"] < 1:
                raise ValueError(f"{where}: weight: a whole number of at least 1 is expected")
            options["weight"] = entry["weight"]
        concerns.append(
            Concern(
                entry["text"],
                _strings(entry.get("categories"), f"{where}: categories"),
                fits,
                entry["subject"],
                **options,
            )
        )
    return tuple(concerns)


def load_concerns(path: Path = CONCERNS_FILE) -> tuple[Concern, ...]:
    with path.open(encoding="utf-8") as handle:
        return parse_concerns(yaml.safe_load(handle), source=path.name)


CONCERNS: tuple[Concern, ...] = load_concerns()
