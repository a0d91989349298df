"""Writes of the reports app: requesting a background export (audited like an export in the request)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from tsunagiai.audit.actions import record_audit_event
from tsunagiai.audit.basis import scope_basis
from tsunagiai.reports.exports import IntakeExport, create_job
from tsunagiai.reports.models import ExportJob

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User


@transaction.atomic
def do_request_intake_export(export: IntakeExport, *, acting_user: User, count: int) -> ExportJob:
    """Queue an intake export of ``count`` rows for ``acting_user`` and audit it as the export it is.

    The task is enqueued when the job is committed (with the immediate backend it runs then, in the
    request); ``run_job`` audits the rows it wrote when it is done (``reports.export_done``)."""
    from tsunagiai.reports.tasks import run_export_job

    job = create_job(acting_user, export, count)
    record_audit_event(
        "reports.export",
        acting_user=acting_user,
        object_type="intake.intake",  # rows of intakes: a list read, on the grounds of the user's scope
        basis=scope_basis(acting_user),
        changes={
            "export": "intakes",
            "rows": count,
            "format": export.fmt,
            "from": str(export.start),
            "to": str(export.end),
            "job": job.pk,
        },  # fmt: skip
        note=f"受付一覧 {count}件 (バックグラウンド出力)",  # the audit log is a record kept in the office's language
    )
    job_id = job.pk
    transaction.on_commit(lambda: run_export_job.enqueue(job_id))
    return job
