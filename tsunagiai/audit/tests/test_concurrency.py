"""Appends from several connections at once still form one unbroken chain."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tsunagiai.audit.actions import record_audit_event
from tsunagiai.audit.chain import verify_chain
from tsunagiai.audit.models import AuditEvent

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs concurrent connections: SQLite's in-memory test database is shared-cache; "
    "there BEGIN IMMEDIATE (settings) serialises every writer",
)


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_form_one_unbroken_chain() -> None:
    workers, each = 8, 15
    errors: list[BaseException] = []
    start = threading.Barrier(workers)

    def work(n: int) -> None:
        try:
            start.wait()
            for i in range(each):
                record_audit_event("test.concurrent", acting_user=None, note=f"{n}-{i}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    count, broken = verify_chain(AuditEvent.objects.order_by("sequence").iterator())
    assert broken is None
    assert count == AuditEvent.objects.count() >= workers * each
