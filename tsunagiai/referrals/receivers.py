"""The referrals app's answers to other apps' signals (connected in ReferralsConfig.ready).

An intake's answer on consent (情報共有の同意) becomes a consent record here: intake and consent sit on
one layer and may not import each other (.importlinter), and a referral is what the consent is for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.utils import timezone

from tsunagiai.consent.actions import do_record_consent_from_intake
from tsunagiai.consent.models import Consent
from tsunagiai.intake.models import Intake
from tsunagiai.intake.signals import intake_saved

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

# The intake's answers that are a consent, and the method the consent record gets.
METHOD_OF_ANSWER: dict[str, str] = {
    Intake.ConsentStatus.WRITTEN: Consent.Method.WRITTEN,
    Intake.ConsentStatus.ORAL: Consent.Method.ORAL,
}


@receiver(intake_saved, dispatch_uid="referrals.consent_from_intake")
def record_consent_from_intake(sender: Any, *, intake: Intake, acting_user: User, **kwargs: Any) -> None:
    """A consent given at intake that names its organisations, about a known person: a consent record.

    Runs each time an intake is saved, in its transaction, and records once per intake: when the
    organisations or the person come later (an edit naming them, a person linked afterwards), the
    record is made then, dated the day the intake was received and recorded by the intake's author.
    """
    method = METHOD_OF_ANSWER.get(intake.consent_status)
    if method is None or intake.person is None:
        return
    organisations = list(intake.consent_organisations.all())
    if not organisations:
        return
    try:
        do_record_consent_from_intake(
            intake.person,
            acting_user=acting_user,
            intake_id=intake.pk,
            heard_by=intake.created_by or acting_user,
            organisation=intake.receiving_organisation,
            given_on=timezone.localdate(intake.received_at),
            method=method,
            scope_organisations=organisations,
        )
    except ValidationError:
        # The consent's own rules refuse it (an intake dated before the person's birth): the intake
        # is saved all the same, and its page asks for the consent to be recorded by hand.
        return
