"""What the consent app tells the others, without importing them.

``consent_withdrawn`` is sent inside the withdrawal's transaction, after the withdrawal is saved and
audited: a receiver's writes commit or roll back with it. The cases app ends the team memberships the
consent was the only basis of (``tsunagiai.cases.receivers``), so withdrawal takes effect at once
while consent stays below cases in the app layers (.importlinter).
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with: person (the Person whose consent it was), consent, acting_user.
consent_withdrawn = Signal()
