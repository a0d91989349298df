"""Optimistic concurrency: a change based on an old version is refused."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagiai.core.models import TrackedModel

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User


class EditConflict(Exception):
    """Someone else saved the record after the editor loaded it."""

    def __init__(self, obj: TrackedModel) -> None:
        self.obj = obj
        super().__init__(
            _(
                "This record was changed by someone else while you were editing it. "
                "Your input is kept below: check the latest version and save again."
            )
        )


def save_versioned(
    obj: TrackedModel, *, expected_version: int, fields: list[str], acting_user: User, **extra: Any
) -> None:
    """Write ``fields`` of ``obj`` only if the row still has ``expected_version``.

    A single conditional UPDATE makes the check and the write atomic on SQLite
    and PostgreSQL alike; zero rows updated means a concurrent edit won.
    """
    model: type[models.Model] = type(obj)
    values: dict[str, Any] = {name: getattr(obj, name) for name in fields}
    values.update(extra)
    values["updated_by"] = acting_user
    values["updated_at"] = timezone.now()
    updated = model._default_manager.filter(pk=obj.pk, version=expected_version).update(
        version=F("version") + 1, **values
    )
    if updated != 1:
        raise EditConflict(obj)
    obj.refresh_from_db(fields=["version", "updated_at", "updated_by"])
