"""Row exports too long for a request: written by a background job, kept for a day, for their requester only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ExportJob(models.Model):
    """One requested export: what was asked (validated parameters), how far it got, and its file.

    The file lies under ``settings.REPORTS_EXPORT_ROOT`` (outside every served folder) at ``file_path``,
    written under a temporary name and renamed only once complete: a job that failed has no file.
    Only ``requested_by`` may see the job or download the file (404 for anyone else), until
    ``expires_at``; ``run_sweeps`` then deletes the file (``tsunagiai.reports.exports.sweep_export_jobs``).
    """

    class Kind(models.TextChoices):
        INTAKES = "intakes", _("Intake list")

    class Format(models.TextChoices):
        CSV = "csv", "CSV (UTF-8)"
        CSV_SJIS = "csv_sjis", "CSV (Shift_JIS)"
        XLSX = "xlsx", "Excel (xlsx)"

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("export job", "Queued")
        RUNNING = "running", pgettext_lazy("export job", "Running")
        DONE = "done", pgettext_lazy("export job", "Done")
        FAILED = "failed", pgettext_lazy("export job", "Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("export job", "requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(pgettext_lazy("export job", "kind"), max_length=20, choices=Kind.choices)
    format = models.CharField(pgettext_lazy("export job", "format"), max_length=10, choices=Format.choices)
    parameters = models.JSONField(pgettext_lazy("export job", "parameters"), default=dict)
    status = models.CharField(
        pgettext_lazy("export job", "status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    row_count = models.PositiveIntegerField(pgettext_lazy("export job", "rows"), default=0)
    progress = models.PositiveIntegerField(pgettext_lazy("export job", "rows written"), default=0)
    file_path = models.CharField(pgettext_lazy("export job", "file"), max_length=200, blank=True)
    filename = models.CharField(pgettext_lazy("export job", "download name"), max_length=200)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(pgettext_lazy("export job", "started at"), null=True, blank=True)
    finished_at = models.DateTimeField(pgettext_lazy("export job", "finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(pgettext_lazy("export job", "expires at"))
    file_deleted_at = models.DateTimeField(pgettext_lazy("export job", "file deleted at"), null=True, blank=True)
    error = models.TextField(pgettext_lazy("export job", "error"), blank=True)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="reports_job_user_created"),
            models.Index(fields=["expires_at"], name="reports_job_expires"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def expired(self) -> bool:
        return self.file_deleted_at is not None or self.expires_at <= timezone.now()

    @property
    def downloadable(self) -> bool:
        return self.status == self.Status.DONE and bool(self.file_path) and not self.expired

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, self.progress * 100 // self.row_count) if self.row_count else 0
