"""The triage app's answers to other apps' signals (connected in TriageConfig.ready)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.dispatch import receiver

from tsunagiai.intake.signals import intake_saved
from tsunagiai.triage.actions import do_record_triage_suggestion
from tsunagiai.triage.selectors import household_now, household_pattern_hints

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User
    from tsunagiai.intake.models import Intake


@receiver(intake_saved, dispatch_uid="triage.record_suggestion")
def record_suggestion(
    sender: Any, *, intake: Intake, acting_user: User, training_opt_in: bool | None, **kwargs: Any
) -> None:
    """Store the engine's suggestion for the saved concern beside what staff chose."""
    do_record_triage_suggestion(
        intake,
        acting_user=acting_user,
        training_opt_in=training_opt_in,
        household_patterns=household_pattern_hints(acting_user, household_now(acting_user, intake)),
    )
