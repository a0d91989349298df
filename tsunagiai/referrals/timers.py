"""Referral timers, in working days (開庁日: ``tsunagiai.core.workdays``).

Defaults (the specification's C3): not seen within 1 working day, not accepted
within 3, no first contact within 5. A municipality overrides them with
``settings.REFERRAL_TIMERS`` or a ``referral_timers:`` mapping in its reference
data folder's municipality.yaml (``tsunagiai.core.municipality``, read once);
the year-end closure is set there too (see ``tsunagiai.core.workdays``).
"""

from __future__ import annotations

import logging

from django.conf import settings

from tsunagiai.core.municipality import municipality_settings

logger = logging.getLogger(__name__)

DEFAULT_TIMERS = {"not_seen": 1, "not_accepted": 3, "no_first_contact": 5}


def referral_timers() -> dict[str, int]:
    """Working days allowed for each step: defaults < municipality.yaml < settings.REFERRAL_TIMERS."""
    timers = dict(DEFAULT_TIMERS)
    configured = municipality_settings().get("referral_timers") or {}
    if not isinstance(configured, dict):
        logger.warning("referral_timers: expected a mapping of step: working days, got %r", configured)
        configured = {}
    for source in (configured, getattr(settings, "REFERRAL_TIMERS", {}) or {}):
        for key, value in source.items():
            if key in timers and isinstance(value, int) and value >= 0:
                timers[key] = value
            else:
                logger.warning("referral_timers: ignoring %r: %r (known steps: %s)", key, value, ", ".join(timers))
    return timers
