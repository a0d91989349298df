"""The case app's periodic sweeps, registered for ``manage.py run_sweeps`` (see ``tsunagiai.core.sweeps``)."""

from __future__ import annotations

import datetime as dt

from tsunagiai.cases.actions import do_end_team_access_without_consent, sweep_coordination_overstay
from tsunagiai.core.locks import sweep_lock
from tsunagiai.core.sweeps import register_sweep


@register_sweep("coordination_overstay", order=20)
def coordination_overstay(now: dt.datetime) -> int:
    return sweep_coordination_overstay(now)


@register_sweep("team_access_ended", order=40)
def team_access_ended(now: dt.datetime) -> int:
    # Consents also end by expiry: organisations on a team only on their
    # strength leave it (withdrawal does this at once, see consent.actions).
    with sweep_lock("team_access_without_consent") as acquired:
        return do_end_team_access_without_consent(acting_user=None) if acquired else 0
