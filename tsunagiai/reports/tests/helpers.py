"""Export jobs for tests: a finished job with its file, as the worker leaves it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from tsunagiai.reports import exports
from tsunagiai.reports.models import ExportJob


def make_done_job(user: Any, *, rows: int = 3, content: bytes = b"\xef\xbb\xbfa\r\n") -> ExportJob:
    """A done intake export of ``user`` whose file lies under ``REPORTS_EXPORT_ROOT``."""
    today = timezone.localdate()
    export = exports.IntakeExport("csv", "era", today - dt.timedelta(days=30), today)
    job = exports.create_job(user, export, rows)
    job.file_path = f"{user.pk}/{job.pk}-test.csv"
    exports.job_file(job).parent.mkdir(parents=True, exist_ok=True)
    exports.job_file(job).write_bytes(content)
    job.status = ExportJob.Status.DONE
    job.progress = rows
    job.finished_at = timezone.now()
    job.save()
    return job
