"""Writing audit events. Every action that changes data calls this."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from tsunagiai.audit.chain import GENESIS, compute_hash
from tsunagiai.audit.models import AuditChainHead, AuditEvent
from tsunagiai.core.request_context import current_ip_address

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User


class AuditChainBroken(RuntimeError):
    """The chain head row is missing although the log has entries: someone removed it (and maybe entries)."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set, models.QuerySet)):
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


def stored_snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The values of ``fields`` as the database holds them now: the 'before' of an edit.

    Never take the 'before' from the instance an action is given: a bound ModelForm writes the
    posted values into its instance while validating, and the diff would come out empty. One
    query; an object not saved yet has no 'before'.
    """
    if obj.pk is None:
        return {}
    stored = type(obj)._base_manager.filter(pk=obj.pk).first()
    return snapshot(stored, fields) if stored is not None else {}


def _person_id_of(obj: models.Model | None) -> int | None:
    """The person an object concerns, for the auditor's person filter (None when not determinable)."""
    if obj is None:
        return None
    if obj._meta.label_lower == "people.person":
        return int(obj.pk)
    person_id = getattr(obj, "person_id", None)
    return int(person_id) if isinstance(person_id, int) else None


def _normalised_ip(value: str | None) -> str | None:
    # Stored as the database gives it back (PostgreSQL's inet compresses IPv6), so the hash survives.
    if not value:
        return None
    try:
        return ipaddress.ip_address(value).compressed
    except ValueError:
        return None


def _locked_head() -> AuditChainHead:
    """The chain head row, locked until the transaction ends (created only for an empty log).

    A missing head while the log has entries means someone with rights over the database removed it
    (and perhaps the newest entries with it): nothing is appended until an operator has looked
    (``verify_audit``, docs/audit.md), rather than quietly chaining on to what is left.
    """
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        if AuditEvent.objects.exists():
            raise AuditChainBroken(
                "The audit chain head is missing although the log has entries; run manage.py verify_audit."
            )
        AuditChainHead.objects.bulk_create([AuditChainHead(pk=1, sequence=0, hash=GENESIS)], ignore_conflicts=True)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def append_event(event: AuditEvent) -> AuditEvent:
    """Chain ``event`` to the last one and insert it; appends are serialised by the head row's lock.

    PostgreSQL: ``SELECT … FOR UPDATE`` on the head row. SQLite: every write
    transaction starts with ``BEGIN IMMEDIATE`` (settings), so only one writer
    at a time reaches this point.
    """
    with transaction.atomic():
        head = _locked_head()
        event.sequence = head.sequence + 1
        event.previous_hash = head.hash or GENESIS
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=1).update(sequence=event.sequence, hash=event.hash)
    return event


def record_audit_event(
    action: str,
    *,
    acting_user: User | None,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    basis: str = "",
    person_id: int | None = None,
    object_type: str = "",
) -> AuditEvent:
    """Append one event: who (``acting_user``), what (``action`` on ``obj``), from where, on what basis.

    ``object_type`` names the kind of record when there is no single ``obj`` (a list, a search).
    """
    from tsunagiai.audit.basis import acting_organisation_id

    actor = acting_user if getattr(acting_user, "is_authenticated", False) else None
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor=actor,
        organisation_id=acting_organisation_id(actor, obj) if actor is not None else None,
        basis=basis,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        person_id=person_id if person_id is not None else _person_id_of(obj),
        changes=json.loads(json.dumps({k: _jsonable(v) for k, v in (changes or {}).items()}, default=str)),
        ip_address=_normalised_ip(current_ip_address()),
        note=note,
    )
    return append_event(event)


def _where(request_or_user: Any, note: str | None) -> str:
    """The note of a read: the one given (``"api"`` for the JSON API), else the page's URL name."""
    if note is not None:
        return note
    match = getattr(request_or_user, "resolver_match", None)
    return str(match.view_name) if match is not None else ""


def record_read(
    request_or_user: Any,
    obj: models.Model,
    *,
    action: str = "person.viewed",
    basis: str | None = None,
    note: str | None = None,
    person_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Audit one read of a protected record (a page, a form, a PDF or an API object), with its access basis.

    Exactly one per request that shows personal data, written once access was granted (a refused
    read writes nothing) and before the response is made. The note is the page's URL name
    (``people:person_edit``) unless given (``"api"``); ``details`` (what else the page showed, e.g. a
    search inside it) goes into ``changes``. ``person_id``: the person the read concerns when ``obj`` is
    not a person (an assessment page of a case is about one member).
    """
    from tsunagiai.audit.basis import access_basis

    user = getattr(request_or_user, "user", request_or_user)
    return record_audit_event(
        action,
        acting_user=user,
        obj=obj,
        note=_where(request_or_user, note),
        basis=basis if basis is not None else access_basis(user, obj),
        person_id=person_id,
        changes=details,
    )


def record_list(
    request_or_user: Any,
    action: str,
    *,
    model: type[models.Model],
    count: int | None,
    filters: Any = None,
    note: str | None = None,
) -> AuditEvent:
    """Audit one list or search that shows personal data: one entry per request, not one per row.

    ``changes`` holds what was asked (the non-empty filters, a search text included) and how many
    records matched (``results``; None where the response streams before it is known). ``filters`` is a
    mapping or a dataclass (records by id). The basis is
    the user's scope (``tsunagiai.audit.basis.scope_basis``): the list holds only what the access
    policy lets them see; opening a record from it writes that record's own read with its basis.
    """
    from tsunagiai.audit.basis import scope_basis

    user = getattr(request_or_user, "user", request_or_user)
    if dataclasses.is_dataclass(filters) and not isinstance(filters, type):
        filters = {field.name: getattr(filters, field.name) for field in dataclasses.fields(filters)}
    asked = {name: _jsonable(value) for name, value in (filters or {}).items() if value not in (None, "", [], ())}
    return record_audit_event(
        action,
        acting_user=user,
        object_type=model._meta.label_lower,
        changes={"filters": asked, "results": count},
        note=_where(request_or_user, note),
        basis=scope_basis(user),
    )
