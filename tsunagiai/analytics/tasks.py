"""Background work for analytics: keeping the rollup up to date."""

from __future__ import annotations

from django.tasks import task

from tsunagiai.analytics import rollup


@task
def refresh_rollup() -> dict[str, int]:
    """Compute again the months that changed (idempotent; run it as often as you like)."""
    return rollup.refresh()
