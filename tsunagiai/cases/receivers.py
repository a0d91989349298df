"""The cases app's answers to other apps' signals (connected in CasesConfig.ready)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.dispatch import receiver

from tsunagiai.cases.actions import do_end_team_access_without_consent
from tsunagiai.consent.signals import consent_withdrawn

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User


@receiver(consent_withdrawn, dispatch_uid="cases.end_team_access_on_withdrawal")
def end_team_access_on_withdrawal(sender: Any, *, person: Any, acting_user: User, **kwargs: Any) -> None:
    """Withdrawal takes effect at once: organisations on a team only on the strength of it leave."""
    do_end_team_access_without_consent(acting_user=acting_user, person=person)
