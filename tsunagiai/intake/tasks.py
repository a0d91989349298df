"""Background work for intakes: load by id, act, nothing more."""

from __future__ import annotations

import logging

from django.tasks import task

from tsunagiai.intake.models import Intake

logger = logging.getLogger(__name__)


@task
def notify_emergency_intake(intake_id: int) -> None:
    """Tell the coordination section an emergency intake arrived.

    The inbox item is already there (written in the intake's transaction);
    there is no e-mail or push infrastructure yet, so this only leaves a
    trace in the log for the operators. A mail/push channel plugs in here.
    """
    intake = Intake.objects.filter(pk=intake_id).only("id", "receiving_organisation_id", "urgency_id").first()
    if intake is None:
        return
    logger.warning(
        "Emergency intake %s received by organisation %s: coordination section alerted through its inbox.",
        intake.pk,
        intake.receiving_organisation_id,
    )
