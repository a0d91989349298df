"""Writing audit events. Every action that changes data calls this."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models

from tsunagiai.audit.models import AuditEvent
from tsunagiai.core.request_context import current_ip_address


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    return value


def diff_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Field-level before/after for the fields that changed."""
    return {
        name: {"before": _jsonable(before.get(name)), "after": _jsonable(after.get(name))}
        for name in after
        if _jsonable(before.get(name)) != _jsonable(after.get(name))
    }


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The current values of ``fields`` (foreign keys by id) for a later diff."""
    result: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            result[name] = sorted(str(pk) for pk in getattr(obj, name).values_list("pk", flat=True)) if obj.pk else []
        elif field.is_relation:
            result[name] = getattr(obj, f"{name}_id")
        else:
            result[name] = getattr(obj, name)
    return result


def record_audit_event(
    action: str,
    *,
    acting_user: Any,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    """Append one event: who (``acting_user``), what (``action`` on ``obj``), from where."""
    return AuditEvent.objects.create(
        actor=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        changes={k: _jsonable(v) for k, v in (changes or {}).items()},
        ip_address=current_ip_address(),
        note=note,
    )
