"""The export sweep (issue 14): leftovers of interrupted jobs (``.part`` files) and old job rows go too."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from tsunagiai.reports import exports
from tsunagiai.reports.models import ExportJob
from tsunagiai.reports.tests.helpers import make_done_job
from tsunagiai.testing import Town, aware

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def root(settings: Any, tmp_path: Path) -> Iterator[Path]:
    settings.REPORTS_EXPORT_ROOT = tmp_path / "exports"
    with time_machine.travel(aware(2025, 6, 15), tick=False):
        yield tmp_path / "exports"


def _partial(root: Path, user_id: int, job_id: int, *, written: dt.datetime) -> Path:
    """A ``.part`` file as a killed worker leaves it, last written at ``written``."""
    path = root / str(user_id) / f"{job_id}-0123456789abcdef.csv.part"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\ufeff受付番号\r\n".encode())
    os.utime(path, (written.timestamp(), written.timestamp()))
    return path


def _sweep() -> str:
    out = StringIO()
    call_command("run_sweeps", stdout=out)
    return out.getvalue()


def test_a_killed_workers_partial_file_goes_with_its_job_and_stray_ones_after_the_retention(
    town: Town, root: Path
) -> None:
    user = town.users["caseworker_north"]
    today = dt.date(2025, 6, 15)
    job = exports.create_job(user, exports.IntakeExport("csv", "era", dt.date(2025, 4, 1), today), 40000)
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, started_at=aware(2025, 6, 15))
    own = _partial(root, user.pk, job.pk, written=aware(2025, 6, 15, 10, 30))  # the worker died at 10:30
    # A job whose row is already gone, its file written long ago; another being written right now.
    stray = _partial(root, user.pk, 999_999, written=aware(2025, 6, 13, 10, 0))
    fresh = _partial(root, user.pk, 999_998, written=aware(2025, 6, 15, 11, 0))
    done = make_done_job(user)
    ExportJob.objects.filter(pk=done.pk).update(expires_at=aware(2025, 6, 20))

    with time_machine.travel(aware(2025, 6, 15, 12, 0), tick=False):
        assert "export_jobs=1" in _sweep()  # the stray file, two days old
        assert not stray.exists()
        assert own.exists() and fresh.exists()  # within the retention: a worker may still be writing them
    with time_machine.travel(aware(2025, 6, 16, 10, 1), tick=False):
        assert "export_jobs=1" in _sweep()  # the job: failed, and its file with it
        job.refresh_from_db()
        assert job.status == ExportJob.Status.FAILED
        assert not own.exists()
        assert fresh.exists()  # last written at 11:00: 24 h not yet over
    with time_machine.travel(aware(2025, 6, 16, 11, 1), tick=False):
        assert "export_jobs=1" in _sweep()
        assert not fresh.exists()
    assert exports.job_file(done).exists()  # a finished file is no leftover: it stays until it expires
    assert not list(root.rglob("*.part"))


def test_finished_job_rows_are_deleted_after_the_days_they_are_kept(town: Town, root: Path, settings: Any) -> None:
    settings.REPORTS_EXPORT_JOB_DAYS = 30
    user = town.users["caseworker_north"]
    old = make_done_job(user)
    failed = make_done_job(user)
    ExportJob.objects.filter(pk=failed.pk).update(status=ExportJob.Status.FAILED, file_path="")
    recent = make_done_job(user)
    ExportJob.objects.filter(pk=recent.pk).update(created_at=aware(2025, 6, 20))
    queued = exports.create_job(
        user, exports.IntakeExport("csv", "era", dt.date(2025, 4, 1), dt.date(2025, 6, 15)), 5000
    )
    with time_machine.travel(aware(2025, 7, 15, 10, 1), tick=False):
        ExportJob.objects.filter(pk=queued.pk).update(created_at=aware(2025, 7, 15, 10, 0))  # asked just now
        out = _sweep()
    remaining = set(ExportJob.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, queued.pk}  # 30 days after 15 June: the two jobs of that day are gone
    assert not exports.job_file(old).exists()  # its file went first (expired on 16 June)
    # 2 expired files deleted (old, recent) + 2 rows deleted (old, failed).
    assert "export_jobs=4" in out
    with time_machine.travel(aware(2025, 7, 15, 10, 2), tick=False):
        assert "export_jobs=0" in _sweep()
