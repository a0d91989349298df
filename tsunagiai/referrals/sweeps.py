"""The referral app's periodic sweeps, registered for ``manage.py run_sweeps`` (see ``tsunagiai.core.sweeps``)."""

from __future__ import annotations

import datetime as dt

from tsunagiai.core.sweeps import register_sweep
from tsunagiai.referrals.actions import sweep_referral_timers


@register_sweep("referral_timers", order=10)
def referral_timers(now: dt.datetime) -> int:
    return sweep_referral_timers(now)
