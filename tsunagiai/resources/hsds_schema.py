"""The official HSDS 3.0 JSON Schemas (data/hsds/3.0/schema, CC BY-SA 4.0 Open Referral) as validators.

The schemas reference each other with relative ``$ref``s (``"service_area.json"``);
a ``referencing.Registry`` of the local files resolves them, so nothing is
fetched from the network. Formats (``uuid``, ``uri``) are annotations in draft
2020-12 and are not asserted; the importer checks the ids it relies on itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HSDS_VERSION = "3.0"


def schema_dir() -> Path:
    return Path(settings.BASE_DIR) / "data" / "hsds" / HSDS_VERSION / "schema"


@functools.cache
def registry() -> Registry[Any]:
    resources = []
    for path in sorted(schema_dir().glob("*.json")):
        if path.name == "openapi.json":
            continue
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((path.name, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


@functools.cache
def validator(name: str) -> Draft202012Validator:
    """A validator for one HSDS object (``"service"``, ``"organization"``, ``"taxonomy_term"``, ...)."""
    if not (schema_dir() / f"{name}.json").is_file():
        raise ValueError(f"no HSDS schema {name!r}")
    return Draft202012Validator({"$ref": f"{name}.json"}, registry=registry())


def json_path(prefix: str, error: ValidationError) -> str:
    """``organizations[0].services[2].name``: where the error is, from ``prefix`` (the object's own path)."""
    path = prefix
    parts = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = str(error.message).split("'")[1] if "'" in str(error.message) else ""
        parts.append(missing)
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part != "":
            path += f".{part}" if path else str(part)
    return path


def errors_of(name: str, instance: Any, prefix: str) -> Iterator[str]:
    """Each schema violation of ``instance`` as ``path: message``."""
    for error in sorted(validator(name).iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path]):
        yield f"{json_path(prefix, error)}: {error.message}"


def is_valid(name: str, instance: Any) -> bool:
    return bool(validator(name).is_valid(instance))


# --- our own rules for what the schemas leave open ---------------------------------------------
#
# The schemas type ``byday``, ``opens_at`` and ages loosely (a string, a number):
# "XX,??", "25:99" and -5 pass them. These rules say what the directory stores
# and publishes; the importer refuses a file that breaks them (with the JSON
# path), the edit form cannot produce such values, and the export and the API
# withhold any such value already stored (docs/resources.md).

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# RFC 5545 §3.3.10 weekdaynum: [[+/-]ordwk]weekday. An ordinal only for MONTHLY (within a month: 1–5).
_WEEKDAY_NUM = re.compile(r"^(?P<ordinal>[+-]?[1-5])?(?P<day>MO|TU|WE|TH|FR|SA|SU)$")
# HH:MM or HH:MM:SS, 00:00–23:59, or 24:00 (the end of the day), with an optional Z or ±HH:MM offset.
_TIME = re.compile(
    r"^(?P<clock>(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?|24:00(?::00)?)(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?$"
)
MIN_AGE, MAX_AGE = 0, 120
END_OF_DAY = dt.time(23, 59, 59)


def byday_problem(freq: str, byday: Any) -> str | None:
    """Why ``byday`` is not an RFC 5545 BYDAY for ``freq`` (WEEKLY: MO,WE; MONTHLY: 1MO,-1FR), or None."""
    if byday in (None, ""):
        return None
    if not isinstance(byday, str):
        return f"{byday!r} is not a string of days"
    seen: set[str] = set()
    for part in byday.split(","):
        match = _WEEKDAY_NUM.match(part.strip())
        if match is None:
            return (
                f"{byday!r} is not an RFC 5545 BYDAY list (MO, TU, WE, TH, FR, SA, SU, monthly with 1 to 5 or -1 to -5)"
            )
        if match.group("ordinal") and freq != "MONTHLY":
            return f"{byday!r}: a numbered day ({part.strip()}) needs freq MONTHLY"
        if part.strip() in seen:
            return f"{byday!r}: {part.strip()} is given twice"
        seen.add(part.strip())
    return None


def parse_time(value: Any) -> tuple[dt.time | None, str | None]:
    """An HSDS time ("10:00", "10:00:00+09:00"; "24:00" is the end of the day) and why it is refused, if it is."""
    if value in (None, ""):
        return None, None
    if not isinstance(value, str):
        return None, f"{value!r} is not a time (HH:MM)"
    match = _TIME.match(value.strip())
    if match is None:
        return None, f"{value!r} is not a time between 00:00 and 24:00 (HH:MM)"
    clock = match.group("clock")
    if clock.startswith("24"):
        return END_OF_DAY, None
    return dt.time.fromisoformat(clock), None


def age_problem(value: Any) -> str | None:
    """Why ``value`` is not an age in whole years from 0 to 120, or None (absent is fine)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        return f"{value!r} is not a whole number of years"
    if not MIN_AGE <= value <= MAX_AGE:
        return f"{value!r} is not an age from {MIN_AGE} to {MAX_AGE}"
    return None


def schedule_problems(schedule: Any) -> list[tuple[str, str]]:
    """(field, problem) for each of our rules a schedule object breaks."""
    if not isinstance(schedule, dict):
        return []
    problems = []
    freq = str(schedule.get("freq") or "WEEKLY")
    problem = byday_problem(freq, schedule.get("byday"))
    if problem:
        problems.append(("byday", problem))
    times = {}
    for name in ("opens_at", "closes_at"):
        times[name], problem = parse_time(schedule.get(name))
        if problem:
            problems.append((name, problem))
    if str(schedule.get("opens_at") or "").startswith("24"):
        problems.append(("opens_at", "a service cannot open at 24:00"))
    opens, closes = times["opens_at"], times["closes_at"]
    if opens is not None and closes is not None and closes <= opens:
        problems.append(("closes_at", f"{schedule.get('closes_at')!r} is not later than opens_at"))
    return problems


def started_on_problem(value: Any) -> str | None:
    """Why ``value`` is not a plausible start date of a service (core.validation: 1900 … about five years on)."""
    from tsunagiai.core.validation import EARLIEST_DATE, PLANNING_HORIZON

    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return f"{value!r} is not a date (YYYY-MM-DD)"
    latest = timezone.localdate() + PLANNING_HORIZON
    if not EARLIEST_DATE <= day <= latest:
        return f"{value!r} is not a plausible date ({EARLIEST_DATE.isoformat()} to {latest.isoformat()})"
    return None


def started_on_problems(service: Any) -> list[tuple[str, str]]:
    """(field, problem) for a service's ``started_on`` extra attribute (how the export carries it)."""
    from tsunagiai.resources.hsds import EXTRA

    attributes = service.get("attributes") if isinstance(service, dict) else None
    problems = []
    for i, attribute in enumerate(attributes if isinstance(attributes, list) else []):
        if isinstance(attribute, dict) and str(attribute.get("link_type") or "") == f"{EXTRA}started_on":
            problem = started_on_problem(attribute.get("value") or "")
            if problem:
                problems.append((f"attributes[{i}].value", problem))
    return problems


def age_problems(service: Any) -> list[tuple[str, str]]:
    """(field, problem) for a service's ages: each 0–120 in whole years, the minimum not above the maximum."""
    if not isinstance(service, dict):
        return []
    problems = [(name, p) for name in ("minimum_age", "maximum_age") if (p := age_problem(service.get(name)))]
    low, high = service.get("minimum_age"), service.get("maximum_age")
    if not problems and low is not None and high is not None and low > high:
        problems.append(("maximum_age", f"{high!r} is lower than minimum_age {low!r}"))
    return problems
