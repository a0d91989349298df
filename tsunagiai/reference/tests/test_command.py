"""``manage.py load_reference``: the change report, refusals and the dry run."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tsunagiai.audit.models import AuditEvent
from tsunagiai.reference.models import Area, Organisation


def run(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("load_reference", *args, stdout=out)
    return out.getvalue()


def test_first_run_reports_what_it_created_and_a_second_run_reports_no_change(db) -> None:
    first = run()
    second = run()

    assert "areas: 324 created, 0 updated, 0 unchanged, 0 deactivated" in first
    assert "created: br-koromo" in first
    lines = second.strip().splitlines()
    assert lines[-1].startswith("Total: 0 created, 0 updated,")
    assert all("0 created, 0 updated" in line for line in lines)


def test_the_load_is_audited_only_when_something_changed(db) -> None:
    run()
    run()

    events = AuditEvent.objects.filter(action="reference.loaded")
    assert events.count() == 1
    assert events.get().changes["reference.area"]["created"] == 324


def test_a_malformed_file_exits_with_each_problem_and_changes_nothing(db, data_dir, taxonomy_file) -> None:
    run()
    before = (Area.objects.count(), Organisation.objects.filter(active=True).count())
    first = len((data_dir / "areas.csv").read_text(encoding="utf-8").splitlines()) + 1
    with (data_dir / "areas.csv").open("a", encoding="utf-8") as handle:
        handle.write("el-orphan,elementary_district,孤児小学校区,,jh-nowhere,1,,\n")
        handle.write("el-orphan,elementary_district,孤児小学校区,,br-koromo,1,,\n")

    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("load_reference", "--dir", str(data_dir), "--taxonomy", str(taxonomy_file), stdout=StringIO())

    message = str(refused.value)
    assert "refused (3 problems); nothing was changed" in message
    assert f"areas.csv:{first}: parent: unknown area code “jh-nowhere”" in message
    assert f"areas.csv:{first + 1}: code: duplicate code; first on line {first}" in message
    assert f"areas.csv:{first + 1}: parent: must be a junior-high district" in message
    assert (Area.objects.count(), Organisation.objects.filter(active=True).count()) == before


def test_dry_run_saves_nothing(db) -> None:
    output = run("--dry-run")

    assert "areas: 324 created" in output
    assert "Dry run: nothing was saved." in output
    assert Area.objects.count() == 0
    assert not AuditEvent.objects.filter(action="reference.loaded").exists()


def test_another_folder_replaces_the_data_and_deactivates_what_it_lacks(db, data_dir, taxonomy_file) -> None:
    run()
    path = data_dir / "organisations.csv"
    kept = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("npo-tsunagaru,")]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")

    output = run("--dir", str(data_dir), "--taxonomy", str(taxonomy_file))

    assert "organisations: 0 created, 0 updated, 70 unchanged, 1 deactivated" in output
    assert "deactivated: npo-tsunagaru" in output
