"""One run of a periodic sweep at a time: a PostgreSQL advisory lock per sweep.

Every sweep is already safe to run twice at once by database guarantees (the
inbox's unique key per open item, the regional issues' unique cluster key per
open issue). The lock makes a second concurrent run *skip* instead of racing
the first into those constraints: cron starting ``run_sweeps`` while the last
run is still busy, or two application servers each running the schedule.

PostgreSQL: ``pg_try_advisory_lock`` (never waits). Outside a transaction the
lock is held by the session and released when the sweep ends; inside one (a
caller's ``atomic``) it is the transaction-scoped ``pg_try_advisory_xact_lock``,
released only at commit, so that a second run cannot start before the first
run's rows are visible. SQLite: no lock is taken — ``BEGIN IMMEDIATE``
(settings) already serialises every writer.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections

logger = logging.getLogger(__name__)

# The high 32 bits name this application's locks, the low 32 bits the sweep.
NAMESPACE = zlib.crc32(b"tsunagiai.sweep") & 0x7FFFFFFF


def lock_key(name: str) -> int:
    """The 64-bit advisory lock key of a sweep (stable across processes and releases)."""
    return (NAMESPACE << 32) | zlib.crc32(name.encode("utf-8"))


@contextmanager
def sweep_lock(name: str, *, using: str = "default") -> Iterator[bool]:
    """Yield True when this run holds the sweep's lock, False when another run holds it (then skip)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield True
        return
    key = lock_key(name)
    in_transaction = connection.in_atomic_block
    function = "pg_try_advisory_xact_lock" if in_transaction else "pg_try_advisory_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [key])
        acquired = bool(cursor.fetchone()[0])
    if not acquired:
        logger.warning("sweep %s skipped: another run holds its lock", name)
        yield False
        return
    try:
        yield True
    finally:
        if not in_transaction:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
