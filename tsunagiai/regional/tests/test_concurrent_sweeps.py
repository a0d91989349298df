"""Two sweeps at once propose each cluster once: the database decides, and a second run skips.

The race: both runs look for an open issue of the cluster, find none, and both
propose one (a row lock cannot guard a row that does not exist yet). The tests
make the race happen every time instead of by chance: the first run stops
right after its check, the second runs meanwhile, then the first goes on.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from tsunagiai.core.errors import ActionRefused
from tsunagiai.core.locks import lock_key, sweep_lock
from tsunagiai.inbox.models import InboxItem
from tsunagiai.reference.models import IssueCategory
from tsunagiai.regional import actions
from tsunagiai.regional.actions import do_change_issue_status, sweep_regional_clusters
from tsunagiai.regional.models import IssueStatus, RegionalIssue
from tsunagiai.regional.tests.helpers import category, make_case, record_needs
from tsunagiai.testing import Town

POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs concurrent connections: SQLite's in-memory test database is shared-cache; "
    "there BEGIN IMMEDIATE (settings) serialises every writer",
)


def _issue(town: Town, key: str, status: str = IssueStatus.IDENTIFIED) -> RegionalIssue:
    return RegionalIssue.objects.create(
        title="提案", area=town.areas["north_elementary"], cluster_key=key, status=status
    )


def test_the_database_allows_one_open_issue_per_cluster(town: Town) -> None:
    _issue(town, "1:x", IssueStatus.RESOLVED)
    _issue(town, "1:x")  # a resolved one does not count
    _issue(town, "")
    _issue(town, "")  # issues made by staff carry no cluster key
    with pytest.raises(IntegrityError), transaction.atomic():
        _issue(town, "1:x", IssueStatus.DISCUSSED)


def test_reopening_a_resolved_proposal_whose_cluster_has_a_newer_open_issue_is_refused(town: Town) -> None:
    old = _issue(town, "1:x", IssueStatus.RESOLVED)
    newer = _issue(town, "1:x")
    with pytest.raises(ActionRefused) as refused:
        do_change_issue_status(
            old, to=IssueStatus.DISCUSSED, reason="再検討", acting_user=town.users["coordinator"], expected_version=1
        )
    assert refused.value.field == "to"
    assert f"#{newer.pk}" in refused.value.message
    old.refresh_from_db()
    assert old.status == IssueStatus.RESOLVED


@contextlib.contextmanager
def _first_run_stops_after_its_check(second_run: Callable[[], None]) -> Iterator[list[BaseException]]:
    """Run the sweep in a thread that pauses just before it creates an issue; ``second_run`` runs meanwhile."""
    real_create = actions.do_create_regional_issue
    checked, second_done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def paused_create(**kwargs: Any) -> RegionalIssue:
        if threading.current_thread() is first and not checked.is_set():
            checked.set()
            second_done.wait(timeout=60)
        return real_create(**kwargs)

    def first_run() -> None:
        try:
            sweep_regional_clusters()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            checked.set()
            connections.close_all()

    def other_run() -> None:
        checked.wait(timeout=60)
        try:
            second_run()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            second_done.set()
            connections.close_all()

    first = threading.Thread(target=first_run)
    second = threading.Thread(target=other_run)
    with mock.patch.object(actions, "do_create_regional_issue", paused_create):
        first.start()
        second.start()
        first.join()
        second.join()
    yield errors


def _proposals() -> int:
    return RegionalIssue.objects.exclude(cluster_key="").count()


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
def test_a_second_sweep_running_at_once_skips_while_the_first_holds_the_lock(town: Town) -> None:
    record_needs(town, make_case(town), 5)
    results: list[int] = []
    with _first_run_stops_after_its_check(lambda: results.append(sweep_regional_clusters())) as errors:
        pass
    assert errors == []
    assert results == [0]  # the second run found the lock taken and skipped
    assert _proposals() == 1
    assert InboxItem.objects.filter(kind="regional_issue").count() == 2  # branch office and CSW, once each


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
def test_without_the_lock_the_database_still_refuses_the_second_proposal(town: Town) -> None:
    record_needs(town, make_case(town), 5)
    record_needs(town, make_case(town), 5, code=category("mobility_shopping").pk)

    @contextlib.contextmanager
    def no_lock(name: str, **_kw: Any) -> Iterator[bool]:
        yield True

    with mock.patch.object(actions, "sweep_lock", no_lock):
        results: list[int] = []
        with _first_run_stops_after_its_check(lambda: results.append(sweep_regional_clusters())) as errors:
            pass
    assert errors == []
    assert results == [2]  # the second run proposed both clusters while the first waited
    assert _proposals() == 2  # and the first run's proposals were refused by the constraint
    assert InboxItem.objects.filter(kind="regional_issue").count() == 4


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
def test_two_run_sweeps_processes_at_once_propose_each_cluster_once(town: Town) -> None:
    codes = list(IssueCategory.objects.order_by("sort_order", "code").values_list("pk", flat=True)[:4])
    for code in codes:
        record_needs(town, make_case(town), 5, code=code)
    env = {**os.environ, "DATABASE_URL": _database_url(), "TSUNAGIAI_TESTING": "1"}
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    runs = [
        subprocess.Popen(  # noqa: S603 - our own manage.py with fixed arguments
            [sys.executable, manage, "run_sweeps"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert _proposals() == len(codes)
    assert InboxItem.objects.filter(kind="regional_issue").count() == 2 * len(codes)
    assert sum(int(out.split("regional_issues=")[1].split()[0]) for out, _err in outputs) == len(codes)


def test_run_sweeps_twice_in_a_row_proposes_nothing_twice(town: Town) -> None:
    record_needs(town, make_case(town), 5)
    for _ in range(2):
        call_command("run_sweeps", stdout=StringIO())
    assert _proposals() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_resolves_the_duplicate_proposals_made_before_it(town: Town) -> None:
    before, after = [("regional", "0001_initial")], [("regional", "0002_one_open_issue_per_cluster")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    Issue = old_apps.get_model("regional", "RegionalIssue")
    area_id = town.areas["north_elementary"].pk
    first, twin, other = (
        Issue.objects.create(title=title, area_id=area_id, cluster_key=key, status="identified")
        for title, key in (("提案", "7:x"), ("二重の提案", "7:x"), ("別の提案", "7:y"))
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)

    statuses = dict(RegionalIssue.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "identified", twin.pk: "resolved", other.pk: "identified"}
    change = RegionalIssue.objects.get(pk=twin.pk).status_changes.get()
    assert f"#{first.pk}" in change.reason


@contextlib.contextmanager
def _held_elsewhere(*names: str) -> Iterator[None]:
    """Another session (another run of the sweeps) holds these sweeps' locks."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            for name in names:
                cursor.execute("SELECT pg_advisory_lock(%s)", [lock_key(name)])
        yield
    finally:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_all()")  # now, not when the server notices the close
        other.close()


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
def test_sweep_lock_is_free_only_when_no_other_session_holds_it() -> None:
    with _held_elsewhere("regional_clusters"):
        with sweep_lock("regional_clusters") as acquired:
            assert acquired is False
        with sweep_lock("support") as acquired:
            assert acquired is True
    with sweep_lock("regional_clusters") as acquired:
        assert acquired is True
    with transaction.atomic(), sweep_lock("regional_clusters") as acquired:
        assert acquired is True  # inside a transaction: held until the commit


@POSTGRESQL_ONLY
@pytest.mark.django_db(transaction=True)
def test_run_sweeps_skips_every_sweep_another_run_is_busy_with(town: Town) -> None:
    record_needs(town, make_case(town), 5)
    names = (
        "regional_clusters",
        "support",
        "referral_timers",
        "coordination_overstay",
        "team_access_without_consent",
    )
    out = StringIO()
    with _held_elsewhere(*names):
        call_command("run_sweeps", stdout=out)
    assert "regional_issues=0" in out.getvalue()
    assert _proposals() == 0
    call_command("run_sweeps", stdout=StringIO())  # the other run ended: the next one does the work
    assert _proposals() == 1
