"""Row exports of intakes: the rows, and the background job that writes a long export to a file.

An export of more than ``settings.REPORTS_BACKGROUND_EXPORT_ROWS`` rows is not made in the request
(under gunicorn's timeout it came back cut short): the request creates an ``ExportJob``
(``actions.do_request_intake_export``), a task runs ``run_job`` (in the worker; in the request itself
with the default immediate backend), and the requester follows its progress and downloads the file
from the job's page. The file is written under a temporary name and renamed only when complete, so a
job either offers every row (and the trailer with their number) or says it failed and offers nothing.
``sweep_export_jobs`` (``manage.py run_sweeps``) deletes files once they expire.

Rows are read with ``values_list`` (no model objects) and the categories of each chunk of intakes
with one query on the link table: a fixed number of queries per 2,000 rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import batched
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_audit_event
from tsunagiai.core.eras import DateStyle
from tsunagiai.intake.models import Intake
from tsunagiai.reference.models import IssueCategory
from tsunagiai.reports import params, queries
from tsunagiai.reports.models import ExportJob
from tsunagiai.reports.writers import CsvEncoding, Table, csv_stream, write_xlsx

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

logger = logging.getLogger(__name__)

CHUNK = 2000  # rows read per query (and categories looked up per query)
PROGRESS_EVERY = 1000  # rows between two progress updates of a job
EXTENSIONS = {"csv": "csv", "csv_sjis": "csv", "xlsx": "xlsx"}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "csv_sjis": "text/csv; charset=shift_jis",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

INTAKE_HEADERS = [
    _("Intake number"),
    _("Received at"),
    _("Receiving window"),
    pgettext_lazy("how a consultation came in", "Route"),
    pgettext_lazy("who consulted", "Consulter"),
    _("Consultation fields"),
    pgettext_lazy("of an intake", "Urgency"),
    _("First response"),
    pgettext_lazy("of an intake", "Status"),
    pgettext_lazy("intake export column", "Town block"),
    _("Area (branch office)"),
]
INTAKE_WIDTHS = [10, 20, 24, 14, 18, 30, 10, 16, 8, 16, 14]
INTAKE_FIELDS = (
    "pk",
    "received_at",
    "receiving_organisation__name",
    "channel__label",
    "consulter_type__label",
    "urgency__label",
    "first_response",
    "status",
    "town_block__name",
    "town_block__branch_area__name",
)


def background_threshold() -> int:
    """More rows than this go to a background job (``REPORTS_BACKGROUND_EXPORT_ROWS``, default 2,000)."""
    return int(getattr(settings, "REPORTS_BACKGROUND_EXPORT_ROWS", 2000))


def retention() -> dt.timedelta:
    return dt.timedelta(hours=int(getattr(settings, "REPORTS_EXPORT_RETENTION_HOURS", 24)))


def export_root() -> Path:
    """Where job files lie: ``REPORTS_EXPORT_ROOT`` (var/exports), outside MEDIA and static, never served."""
    return Path(getattr(settings, "REPORTS_EXPORT_ROOT", Path(settings.BASE_DIR) / "var" / "exports"))


# --- what was asked --------------------------------------------------------------------------


@dataclass(frozen=True)
class IntakeExport:
    """The validated parameters of an intake row export."""

    fmt: str
    dates: DateStyle
    start: dt.date
    end: dt.date

    @classmethod
    def from_query(cls, query: QueryDict, user: User, today: dt.date) -> IntakeExport:
        """Validate ``format``, ``dates``, ``from``, ``to`` (``ParamError`` naming the field)."""
        fmt = params.table_format(query)
        dates = params.date_style(query, user)
        start, end = params.date_range(query, today)
        return cls(fmt, dates, start, end)

    @classmethod
    def from_json(cls, stored: Mapping[str, Any], user: User) -> IntakeExport:
        """Validated again when the job runs: stored parameters are input like any other."""
        query = QueryDict(mutable=True)
        for name in ("format", "dates", "from", "to"):
            if isinstance(stored.get(name), str):
                query[name] = stored[name]
        return cls.from_query(query, user, timezone.localdate())

    def as_json(self) -> dict[str, str]:
        return {"format": self.fmt, "dates": self.dates, "from": str(self.start), "to": str(self.end)}

    @property
    def filename(self) -> str:
        return f"{gettext('Intake list')}_{self.start:%Y%m%d}-{self.end:%Y%m%d}"


def intake_queryset(user: User, export: IntakeExport) -> QuerySet[Intake]:
    """The intakes the user may see (``visible_intakes``) received in the period, oldest first."""
    period = queries.Period(export.start, export.end + dt.timedelta(days=1))
    return (
        access.visible_intakes(user)
        .filter(received_at__gte=period.start_at, received_at__lt=period.end_at)
        .order_by("received_at", "pk")
    )


def intake_rows(queryset: QuerySet[Intake]) -> Iterator[list[Any]]:
    """One row per intake, from ``values_list`` (no model objects); categories looked up per chunk."""
    first_responses = {code: str(label) for code, label in Intake.FirstResponse.choices}
    statuses = {code: str(label) for code, label in Intake.Status.choices}
    ordered = list(IssueCategory.objects.order_by("sort_order", "code").values_list("pk", "label"))
    position = {pk: index for index, (pk, _label) in enumerate(ordered)}
    labels = dict(ordered)
    link = Intake.categories.through
    values = queryset.values_list(*INTAKE_FIELDS).iterator(chunk_size=CHUNK)
    for chunk in batched(values, CHUNK):
        categories: dict[int, list[str]] = defaultdict(list)
        for intake_id, category_id in link.objects.filter(intake_id__in=[row[0] for row in chunk]).values_list(
            "intake_id", "issuecategory_id"
        ):
            categories[intake_id].append(category_id)
        for pk, received_at, window, channel, consulter, urgency, first, status, block, branch in chunk:
            found = categories.get(pk)
            yield [
                pk,
                received_at,
                window,
                channel,
                consulter,
                # Separated by 、: the labels contain ・ themselves (生活困窮・家計).
                "、".join(labels[c] for c in sorted(found, key=position.__getitem__)) if found else "",
                urgency,
                first_responses.get(first, first),
                statuses.get(status, status),
                block or "",
                branch or "",
            ]


def intake_table(rows: Iterable[Sequence[Any]]) -> Table:
    """The intake list as a table (headers in the active language)."""
    headers = [str(header) for header in INTAKE_HEADERS]
    return Table(headers, rows, sheet_name=gettext("Intake list"), widths=INTAKE_WIDTHS)


def write_table(table: Table, fmt: str, dates: DateStyle, handle: IO[bytes]) -> None:
    """The table in ``fmt`` to a binary file."""
    if fmt == "xlsx":
        write_xlsx(table, handle, dates=dates)
        return
    encoding: CsvEncoding = "cp932" if fmt == "csv_sjis" else "utf-8-sig"
    for chunk in csv_stream(table, encoding=encoding, dates=dates):
        handle.write(chunk)


# --- background jobs ---------------------------------------------------------------------------


def create_job(user: User, export: IntakeExport, count: int) -> ExportJob:
    """A queued job for the export (``actions.do_request_intake_export`` audits and enqueues it)."""
    now = timezone.now()
    return ExportJob.objects.create(
        requested_by=user,
        kind=ExportJob.Kind.INTAKES,
        format=export.fmt,
        parameters={**export.as_json(), "language": translation.get_language() or settings.LANGUAGE_CODE},
        row_count=count,
        filename=f"{export.filename}.{EXTENSIONS[export.fmt]}",
        created_at=now,
        expires_at=now + retention(),
    )


def job_file(job: ExportJob) -> Path:
    return export_root() / job.file_path


def delete_file(job: ExportJob) -> None:
    """Remove the job's file (if any) and say so on the job."""
    if job.file_path:
        job_file(job).unlink(missing_ok=True)
    job.file_path = ""
    job.file_deleted_at = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(file_path="", file_deleted_at=job.file_deleted_at)


class _Progress:
    """Counts the rows as the writer takes them, and saves the count on the job now and then."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.count = 0

    def follow(self, rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        for row in rows:
            self.count += 1
            if self.count % PROGRESS_EVERY == 0:
                ExportJob.objects.filter(pk=self.job_id).update(progress=self.count)
            yield row


def run_job(job_id: int) -> None:
    """Write the job's file: every row and the trailer, or nothing and the job marked failed.

    Takes only a queued job (a task delivered twice does the work once). Access is asked again now:
    the rows are those the requester may see when the job runs."""
    started = timezone.now()
    if not ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=started
    ):
        return
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    relative = f"{job.requested_by_id}/{job.pk}-{secrets.token_hex(8)}.{EXTENSIONS.get(job.format, 'bin')}"
    target = export_root() / relative
    partial = target.with_name(target.name + ".part")
    progress = _Progress(job.pk)
    try:
        with translation.override(job.parameters.get("language") or settings.LANGUAGE_CODE):
            export = IntakeExport.from_json(job.parameters, job.requested_by)
            rows = progress.follow(intake_rows(intake_queryset(job.requested_by, export)))
            target.parent.mkdir(parents=True, exist_ok=True)
            with partial.open("wb") as handle:
                write_table(intake_table(rows), export.fmt, export.dates, handle)
            partial.replace(target)
    except Exception as error:  # noqa: BLE001 - any failure: the job says failed, no file is offered
        partial.unlink(missing_ok=True)
        target.unlink(missing_ok=True)
        logger.exception("export job %s failed after %s rows", job_id, progress.count)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED,
            finished_at=timezone.now(),
            progress=progress.count,
            file_path="",
            error=f"{type(error).__name__}: {error}"[:2000],
        )
        record_audit_event(
            "reports.export_failed",
            acting_user=job.requested_by,
            obj=job,
            changes={"export": job.kind, "rows_written": progress.count, "format": job.format},
            note=f"受付一覧の出力に失敗 {progress.count}件で中断",  # the audit log is kept in the office's language
        )
        return
    finished = timezone.now()
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportJob.Status.DONE,
        row_count=progress.count,
        progress=progress.count,
        file_path=relative,
        finished_at=finished,
        expires_at=finished + retention(),
    )
    record_audit_event(
        "reports.export_done",
        acting_user=job.requested_by,
        obj=job,
        changes={"export": job.kind, "rows": progress.count, "format": job.format, **export.as_json()},
        note=f"受付一覧 {progress.count}件 (出力完了)",
    )


def job_rows_kept() -> dt.timedelta:
    """How long a finished job's row stays (``REPORTS_EXPORT_JOB_DAYS``, default 90 days): the job page and
    the user's list of exports; who exported what stays in the audit log, which keeps it for longer."""
    return dt.timedelta(days=int(getattr(settings, "REPORTS_EXPORT_JOB_DAYS", 90)))


def _partial_files(job: ExportJob) -> list[Path]:
    """The temporary files a run of this job writes (``<user>/<job>-<random>.<ext>.part``)."""
    folder = export_root() / str(job.requested_by_id)
    return list(folder.glob(f"{job.pk}-*.part")) if folder.is_dir() else []


def sweep_export_jobs(now: dt.datetime | None = None) -> int:
    """Run by ``run_sweeps``; returns the number of jobs and files it changed or deleted:

    - the files of jobs past ``expires_at`` are deleted;
    - a job queued or running for longer than the retention (its worker died) is marked failed, and
      the ``.part`` file it was writing is deleted;
    - any ``.part`` file under the export folder untouched for longer than the retention is deleted
      (a worker killed mid-write — out of memory, a deploy — never reached its clean-up; the sweep
      may also have marked the job failed before the file was last written);
    - finished jobs older than ``REPORTS_EXPORT_JOB_DAYS`` are deleted (their file is long gone).
    """
    now = now or timezone.now()
    changed = 0
    for job in ExportJob.objects.filter(expires_at__lte=now, file_deleted_at__isnull=True).exclude(file_path=""):
        delete_file(job)
        changed += 1
    stale = ExportJob.objects.filter(
        status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING], created_at__lte=now - retention()
    )
    for job in stale:
        for partial in _partial_files(job):
            partial.unlink(missing_ok=True)
    changed += stale.update(
        status=ExportJob.Status.FAILED, finished_at=now, error="did not finish within the retention period"
    )
    changed += _sweep_partial_files(now)
    old = ExportJob.objects.filter(created_at__lte=now - job_rows_kept()).exclude(
        status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING]
    )
    for job in old.exclude(file_path=""):
        delete_file(job)
    deleted, _by_model = old.delete()
    return changed + deleted


def _sweep_partial_files(now: dt.datetime) -> int:
    root = export_root()
    if not root.is_dir():
        return 0
    cutoff = (now - retention()).timestamp()
    removed = 0
    for partial in root.glob("*/*.part"):
        try:
            if partial.is_file() and partial.stat().st_mtime <= cutoff:
                partial.unlink()
                removed += 1
        except FileNotFoundError:  # removed meanwhile (the job's own clean-up)
            continue
    return removed
