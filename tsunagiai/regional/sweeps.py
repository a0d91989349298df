"""The regional app's periodic sweeps, registered for ``manage.py run_sweeps`` (see ``tsunagiai.core.sweeps``)."""

from __future__ import annotations

import datetime as dt

from tsunagiai.core.sweeps import register_sweep
from tsunagiai.regional.actions import sweep_regional_clusters


@register_sweep("regional_issues", order=50)
def regional_issues(now: dt.datetime) -> int:
    return sweep_regional_clusters(now)
