"""The audit API: the log for auditors, filtered and paginated. Read-only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict, model_validator

from tsunagiai.audit import selectors
from tsunagiai.audit.actions import record_list
from tsunagiai.audit.models import AuditEvent
from tsunagiai.core.api import IsoDate
from tsunagiai.core.http import AuthenticatedRequest

router = Router(tags=["audit"])
PAGE_SIZE = 100


class AuditFilterIn(Schema):
    model_config = ConfigDict(extra="forbid")

    person_id: int | None = Field(None, ge=1, le=2**62)
    user_id: int | None = Field(None, ge=1, le=2**62)
    organisation_id: int | None = Field(None, ge=1, le=2**62)
    action: str = Field("", max_length=60)
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    page: int = Field(1, ge=1, le=1_000_000)

    @model_validator(mode="after")
    def _period(self) -> AuditFilterIn:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_to must not be before date_from")
        return self


class AuditEventOut(Schema):
    sequence: int
    occurred_at: dt.datetime
    actor_id: int | None
    actor: str | None
    organisation_id: int | None
    basis: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    person_id: int | None
    ip_address: str | None
    changes: dict[str, Any]
    note: str
    previous_hash: str
    hash: str


class AuditPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[AuditEventOut]


class ErrorOut(Schema):
    detail: str
    errors: list[dict[str, str]] | None = None


@router.get("/events", response={200: AuditPage, 404: ErrorOut, 422: ErrorOut}, summary="The audit log (auditors)")
def list_events(request: AuthenticatedRequest, filters: Query[AuditFilterIn]) -> dict[str, Any]:
    """Newest first; 404 for everyone but the auditor role."""
    events = selectors.audit_events(
        request.user,
        person_id=filters.person_id,
        actor_id=filters.user_id,
        organisation_id=filters.organisation_id,
        action=filters.action,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    start = (filters.page - 1) * PAGE_SIZE
    rows = list(events[start : start + PAGE_SIZE])
    count = events.count()
    asked = filters.model_dump(exclude={"page"}, exclude_none=True)
    record_list(request, "audit.listed", model=AuditEvent, count=count, filters=asked, note="api")
    return {
        "count": count,
        "page": filters.page,
        "page_size": PAGE_SIZE,
        "results": [
            {
                **{name: getattr(e, name) for name in AuditEventOut.model_fields if name != "actor"},
                "actor": e.actor.username if e.actor else None,
            }
            for e in rows
        ],
    }
