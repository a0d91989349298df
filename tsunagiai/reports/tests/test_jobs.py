"""Long row exports: a background job, its page, its file (every row and the count), its requester only."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tsunagiai.audit.models import AuditEvent, Basis
from tsunagiai.intake.tests.helpers import make_intake
from tsunagiai.reports import exports
from tsunagiai.reports.models import ExportJob
from tsunagiai.reports.tests.helpers import make_done_job
from tsunagiai.testing import Town, aware

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings: Any, tmp_path: Path) -> Iterator[Path]:
    settings.REPORTS_BACKGROUND_EXPORT_ROWS = 2
    settings.REPORTS_EXPORT_ROOT = tmp_path / "exports"
    with time_machine.travel(aware(2025, 6, 15), tick=False):
        yield tmp_path / "exports"


def _intakes(town: Town, count: int = 3) -> None:
    for day in range(1, count + 1):
        make_intake(town, org="branch_north", received_at=aware(2025, 5, day))
    make_intake(town, org="branch_south", user="caseworker_south", received_at=aware(2025, 5, 1))  # not theirs


def _request(client: Client, capture: Any, **query: str) -> Any:
    with capture(execute=True):  # the task is enqueued on commit; the immediate backend runs it then
        return client.get(reverse("reports:intake_export"), {"from": "2025-04-01", "to": "2025-06-30", **query})


def _files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_an_export_over_the_threshold_becomes_a_job_whose_file_has_every_row_and_the_count(
    client: Client, town: Town, django_capture_on_commit_callbacks: Any
) -> None:
    _intakes(town)
    client.force_login(town.users["caseworker_north"])
    response = _request(client, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:job_detail", args=[job.pk])
    assert (job.status, job.row_count, job.progress, job.requested_by) == ("done", 3, 3, town.users["caseworker_north"])
    assert job.finished_at is not None
    assert job.expires_at == job.finished_at + dt.timedelta(hours=24)
    page = client.get(response["Location"]).content.decode()
    assert "3行を出力しました" in page
    assert reverse("reports:job_download", args=[job.pk]) in page
    assert 'hx-trigger="every 2s"' not in page  # finished: no more polling
    download = client.get(reverse("reports:job_download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))  # type: ignore[attr-defined]
    assert rows[0][0] == "受付番号"
    assert [row[1] for row in rows[1:4]] == [f"令和7年5月{day}日 10:00" for day in (1, 2, 3)]
    assert rows[4:] == [[], ["#", "行数: 3"]]
    requested = AuditEvent.objects.get(action="reports.export")
    assert (requested.changes["rows"], requested.changes["job"], requested.basis) == (3, job.pk, Basis.OWN_ORGANISATION)
    done = AuditEvent.objects.get(action="reports.export_done")
    assert (done.object_id, done.changes["rows"]) == (str(job.pk), 3)


def test_an_xlsx_job_ends_with_the_row_count(
    client: Client, town: Town, django_capture_on_commit_callbacks: Any
) -> None:
    _intakes(town)
    client.force_login(town.users["caseworker_north"])
    _request(client, django_capture_on_commit_callbacks, format="xlsx", dates="western")
    job = ExportJob.objects.get()
    assert job.filename.endswith(".xlsx")
    download = client.get(reverse("reports:job_download", args=[job.pk]))
    rows = list(load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.values)  # type: ignore[attr-defined, union-attr]
    assert len([row for row in rows[1:] if isinstance(row[0], int)]) == 3
    assert rows[-1][0] == "行数: 3"


def test_a_small_export_is_still_sent_at_once(
    client: Client, town: Town, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.REPORTS_BACKGROUND_EXPORT_ROWS = 2000
    _intakes(town)
    client.force_login(town.users["caseworker_north"])
    response = _request(client, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode("utf-8-sig").endswith("#,行数: 3\r\n")
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("other", ["caseworker_south", "coordinator", "supervisor_north"])
def test_only_the_requester_sees_the_job_and_its_file(client: Client, town: Town, other: str) -> None:
    job = make_done_job(town.users["caseworker_north"])
    client.force_login(town.users[other])
    before = AuditEvent.objects.count()
    assert client.get(reverse("reports:job_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404
    assert client.get(reverse("reports:job_detail", args=[job.pk]), headers={"HX-Request": "true"}).status_code == 404
    assert AuditEvent.objects.count() == before  # a refused download writes nothing


def test_a_download_is_audited(client: Client, town: Town) -> None:
    job = make_done_job(town.users["caseworker_north"], rows=3, content=b"abc")
    client.force_login(town.users["caseworker_north"])
    response = client.get(reverse("reports:job_download", args=[job.pk]))
    assert b"".join(response.streaming_content) == b"abc"  # type: ignore[attr-defined]
    event = AuditEvent.objects.get(action="reports.export_downloaded")
    assert (event.actor, event.object_type, event.object_id) == (
        town.users["caseworker_north"],
        "reports.exportjob",
        str(job.pk),
    )
    assert (event.basis, event.changes["rows"]) == (Basis.OWN_ORGANISATION, 3)


def test_the_sweep_deletes_an_expired_file_and_the_page_says_so(client: Client, town: Town, _setup: Path) -> None:
    job = make_done_job(town.users["caseworker_north"])
    kept = make_done_job(town.users["caseworker_north"])
    ExportJob.objects.filter(pk=kept.pk).update(expires_at=aware(2025, 6, 17))
    path = exports.job_file(job)
    out = StringIO()
    call_command("run_sweeps", stdout=out)
    assert path.exists()  # not yet expired
    with time_machine.travel(aware(2025, 6, 16, 10, 1), tick=False):
        call_command("run_sweeps", stdout=out)
        assert "export_jobs=1" in out.getvalue()
        assert not path.exists()
        assert _files(_setup) == [exports.job_file(kept)]
        job.refresh_from_db()
        assert (job.file_path, job.file_deleted_at is not None) == ("", True)
        client.force_login(town.users["caseworker_north"])
        assert "ファイルは削除されました" in client.get(reverse("reports:job_detail", args=[job.pk])).content.decode()
        assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 410


def test_an_expired_file_is_not_offered_even_before_the_sweep(client: Client, town: Town) -> None:
    job = make_done_job(town.users["caseworker_north"])
    with time_machine.travel(aware(2025, 6, 16, 10, 1), tick=False):
        client.force_login(town.users["caseworker_north"])  # a session of the next day
        assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 410
    assert not AuditEvent.objects.filter(action="reports.export_downloaded").exists()


def test_a_failing_export_marks_the_job_failed_and_keeps_no_file(
    client: Client, town: Town, monkeypatch: Any, django_capture_on_commit_callbacks: Any, _setup: Path
) -> None:
    real_rows = exports.intake_rows

    def breaks_midway(queryset: Any) -> Iterator[list[Any]]:
        rows = real_rows(queryset)
        yield next(rows)
        raise RuntimeError("database connection lost")

    monkeypatch.setattr(exports, "intake_rows", breaks_midway)
    _intakes(town)
    client.force_login(town.users["caseworker_north"])
    response = _request(client, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert (job.status, job.file_path, job.progress) == ("failed", "", 1)
    assert "RuntimeError" in job.error
    assert _files(_setup) == []  # not even the partial file
    page = client.get(response["Location"]).content.decode()
    assert "出力に失敗しました" in page
    assert reverse("reports:job_download", args=[job.pk]) not in page
    assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="reports.export_failed", object_id=str(job.pk)).exists()


def test_the_progress_partial_renders_a_progress_bar_that_polls(client: Client, town: Town) -> None:
    today = dt.date(2025, 6, 15)
    job = exports.create_job(
        town.users["caseworker_north"], exports.IntakeExport("csv", "era", dt.date(2025, 4, 1), today), 5000
    )
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, progress=2000)
    client.force_login(town.users["caseworker_north"])
    partial = client.get(reverse("reports:job_detail", args=[job.pk]), headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert partial.status_code == 200
    assert "<html" not in body
    assert 'id="job-status"' in body
    assert 'hx-trigger="every 2s"' in body
    assert '<progress id="job-progress" max="5000" value="2000">40%</progress>' in body
    assert "約5000行のうち2000行を書き出しました（40%）" in body  # the same in words, for screen readers
    assert '<label for="job-progress">' in body
    full = client.get(reverse("reports:job_detail", args=[job.pk])).content.decode()
    assert "<html" in full
    assert "令和7年4月1日〜令和7年6月15日" in full


def test_a_job_runs_once(town: Town, _setup: Path) -> None:
    job = make_done_job(town.users["caseworker_north"])
    exports.run_job(job.pk)  # a task delivered twice: the second finds the job done and does nothing
    job.refresh_from_db()
    assert job.status == "done"
    assert len(_files(_setup)) == 1


def test_the_exports_page_lists_the_users_jobs_in_the_same_number_of_queries(client: Client, town: Town) -> None:
    user = town.users["caseworker_north"]
    client.force_login(user)
    make_done_job(user)
    make_done_job(town.users["caseworker_south"])  # someone else's: not listed
    client.get(reverse("reports:index"))
    with CaptureQueriesContext(connection) as one:
        page = client.get(reverse("reports:index")).content.decode()
    assert page.count("/reports/jobs/") == 1
    for _ in range(29):
        make_done_job(user)
    with CaptureQueriesContext(connection) as thirty:
        page = client.get(reverse("reports:index")).content.decode()
    assert page.count("/reports/jobs/") == 10  # the last ten
    assert len(one) == len(thirty)
