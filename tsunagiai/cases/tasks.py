"""Background work for cases: call an action, nothing more."""

from __future__ import annotations

from django.tasks import task

from tsunagiai.cases.actions import sweep_coordination_overstay


@task
def sweep_cases() -> int:
    """Warn the coordination section about cases it has led too long after a specialist agency joined."""
    return sweep_coordination_overstay()
