"""The reports app's periodic sweeps, registered for ``manage.py run_sweeps`` (see ``tsunagiai.core.sweeps``)."""

from __future__ import annotations

import datetime as dt

from tsunagiai.core.sweeps import register_sweep


@register_sweep("export_jobs", order=70)
def export_jobs(now: dt.datetime) -> int:
    """Export files past their 24 h, leftover .part files of interrupted jobs and old job rows are deleted."""
    from tsunagiai.reports.exports import sweep_export_jobs  # at run time: app loading stays light

    return sweep_export_jobs(now)
