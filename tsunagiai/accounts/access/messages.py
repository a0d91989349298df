"""What a user is told when a write names a record they see only through an emergency access.

The rule is in ``tsunagiai.accounts.access`` (``linkable_*``, ``refuse_emergency_only``) and its words
are here beside it, so that every page and API operation says the same thing — and so that the apps
that say it (intake, emergency) need not import each other.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

READ_ONLY = _(
    "this record is open to you only through emergency access, which is for reading only: "
    "it cannot be named in a new or changed record."
)
INTAKE_READ_ONLY = _(
    "this person is open to you only through emergency access, which is for reading only, so an intake "
    "cannot name them. Choose “Anonymous or not identified” and describe the person briefly (age and "
    "situation); the coordination section was told of your emergency access and takes it up with the "
    "organisation that holds the record."
)
TITLE = _("Emergency access is for reading only")

FIELD_LABELS: dict[str, Promise] = {
    "person": _("Person"),
    "household": _("Household"),
    "case": _("Case"),
}


def field_message(kind: str, text: Promise | str = READ_ONLY) -> str:
    """``text`` prefixed with the label of the kind of record named ("本人: …", "ケース: …")."""
    label = FIELD_LABELS.get(kind)
    return f"{label}: {text}" if label is not None else str(text)
