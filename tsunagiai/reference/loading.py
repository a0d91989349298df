"""Loading reference data files into the database (first version: taxonomy only).

The full loader (areas, town blocks, organisations, validation with line
numbers, change report) is built on this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from tsunagiai.reference.taxonomy import VOCABULARIES


@transaction.atomic
def load_taxonomy(path: Path) -> None:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key, (model, description_key) in VOCABULARIES.items():
        for order, item in enumerate(data.get(key) or []):
            model.objects.update_or_create(
                code=item["code"],
                defaults={
                    "label": item["label"],
                    "description": item.get(description_key, "") if description_key else "",
                    "sort_order": order,
                    "active": True,
                },
            )
