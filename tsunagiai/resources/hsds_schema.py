"""The official HSDS 3.0 JSON Schemas (data/hsds/3.0/schema, CC BY-SA 4.0 Open Referral) as validators.

The schemas reference each other with relative ``$ref``s (``"service_area.json"``);
a ``referencing.Registry`` of the local files resolves them, so nothing is
fetched from the network. Formats (``uuid``, ``uri``) are annotations in draft
2020-12 and are not asserted; the importer checks the ids it relies on itself.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
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
