"""Background work for reports: long row exports (load the job by id, write its file, nothing more)."""

from __future__ import annotations

from django.tasks import task

from tsunagiai.reports import exports


@task
def run_export_job(job_id: int) -> None:
    """Write an export job's file (``exports.run_job``: every row and the trailer, or failed and no file)."""
    exports.run_job(job_id)
