"""What the intake app tells the others, without importing them.

``intake_saved`` is sent inside the transaction that records or changes an intake, after it is saved and
audited: the triage app stores its suggestion beside what staff chose (``tsunagiai.triage.receivers``),
in the same transaction, so triage can build on intake without intake importing triage.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with: intake, acting_user, training_opt_in (True/False, or None to keep what was stored).
intake_saved = Signal()
