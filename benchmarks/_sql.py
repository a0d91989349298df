"""What the benchmark scripts share: the time spent in the database, measured around each query.

Imported as ``benchmarks._sql`` by scripts that put the repository root on ``sys.path`` first
(benchmarks/pages.py, benchmarks/load/profile_mix.py); it needs no Django setup of its own.
"""

from __future__ import annotations

import time


class SqlTimer:
    """Wall time spent inside the database driver (``connection.execute_wrapper``)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
