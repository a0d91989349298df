"""The refusal a disclosure raises when no consent in force covers the organisation it would go to.

Raised by the actions that share on the basis of consent (sending a referral, adding an
organisation to a case team) with the people whose consent is missing, so that their page can
offer to record it in place (``tsunagiai.consent.links``, docs/consent.md).
"""

from __future__ import annotations

from typing import Any

from tsunagiai.core.errors import ActionRefused


class ConsentMissing(ActionRefused):
    """Sharing on the basis of consent, and no consent on record covers the receiving organisation.

    ``people`` are those whose consent is missing; empty when there is no one to record it for (an
    unidentified person, whose consent is an intake's answer). ``field`` is the form's basis field.
    """

    def __init__(self, message: str, *, people: list[Any], field: str) -> None:
        super().__init__(message, field=field)
        self.people = people
