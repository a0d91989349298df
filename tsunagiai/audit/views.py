"""The auditor's pages: the log with filters, and its CSV export. Nothing here edits or deletes."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from tsunagiai.audit import selectors
from tsunagiai.audit.actions import record_audit_event, record_list
from tsunagiai.audit.forms import AuditFilterForm
from tsunagiai.audit.models import AuditEvent, Basis
from tsunagiai.core.csvsafe import csv_safe  # the report exports' formula-injection guard
from tsunagiai.core.http import AuthenticatedRequest

PAGE_SIZE = 50
CSV_HEADER = [
    "sequence",
    "occurred_at",
    "actor",
    "organisation",
    "basis",
    "action",
    "object_type",
    "object_id",
    "object",
    "person_id",
    "ip_address",
    "changes",
    "note",
    "hash",
]


@require_GET
def event_list(request: AuthenticatedRequest) -> HttpResponse:
    selectors.require_auditor(request.user)
    form = AuditFilterForm(request.GET or None)
    events = selectors.audit_events(request.user, **(form.filters() if form.is_bound else {}))
    if form.is_bound and not form.is_valid():
        events = events.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)  # read before this view is itself logged
    filters = form.filters() if form.is_bound and form.is_valid() else {}
    record_list(request, "audit.listed", model=AuditEvent, count=page.paginator.count, filters=filters)
    return render(request, "audit/list.html", {"form": form, "page": page})


class _Echo:
    def write(self, value: str) -> str:
        return value


def _safe_row(values: list[Any]) -> list[Any]:
    """Text Excel would run as a formula (= + - @ …: a person's name, a break-the-glass reason) gets a leading '."""
    return [csv_safe(value, value) if isinstance(value, str) else value for value in values]


def _csv_rows(events: Any) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(CSV_HEADER)
    event: AuditEvent
    for event in events.iterator(chunk_size=2000):
        yield writer.writerow(
            _safe_row(
                [
                    event.sequence,
                    timezone.localtime(event.occurred_at).isoformat(),
                    event.actor.username if event.actor else "",
                    event.organisation.name if event.organisation else "",
                    event.basis,
                    event.action,
                    event.object_type,
                    event.object_id,
                    event.object_repr,
                    event.person_id if event.person_id is not None else "",
                    event.ip_address or "",
                    json.dumps(event.changes, ensure_ascii=False) if event.changes else "",
                    event.note,
                    event.hash,
                ]
            )
        )


@require_GET
def event_export(request: AuthenticatedRequest) -> StreamingHttpResponse | HttpResponse:
    selectors.require_auditor(request.user)
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "audit/list.html", {"form": form, "page": None}, status=400)
    filters = form.filters() if form.is_bound else {}
    events = selectors.audit_events(request.user, **filters)
    # The export itself is audited, with the filters that chose its rows.
    record_audit_event(
        "audit.exported",
        acting_user=request.user,
        basis=Basis.AUDITOR,
        object_type=AuditEvent._meta.label_lower,
        changes={key: value for key, value in filters.items() if value not in (None, "")},
    )
    response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response
