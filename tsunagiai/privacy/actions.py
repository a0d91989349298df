"""Privacy requests: disclosing everything held about a person (開示) and suspending its use (利用停止).

Both are decisions of the coordination section (the office that answers the
requests under the personal information protection act, docs/privacy-requests.md);
every one is audited with the person it concerns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_audit_event
from tsunagiai.core.errors import ActionRefused
from tsunagiai.people.models import Person
from tsunagiai.privacy.models import REASON_MAX, LegalReference, UseSuspension

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User


def _require_coordination(user: User) -> None:
    if not access.is_coordination(user):  # the coordination section answers privacy requests
        raise ActionRefused(_("Only the coordination section handles privacy requests."))


def _clean_reason(value: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ActionRefused(_("%(field)s: enter the reason.") % {"field": label}, field="reason")
    if len(value) > REASON_MAX:
        raise ActionRefused(
            _("%(field)s: enter at most %(max)d characters.") % {"field": label, "max": REASON_MAX}, field="reason"
        )
    return value


@transaction.atomic
def do_suspend_use(person: Person, *, legal_reference: str, reason: str, acting_user: User) -> UseSuspension:
    """Suspend the use of ``person``'s record: only the coordination section sees it until lifted."""
    _require_coordination(acting_user)
    if legal_reference not in LegalReference.values:
        raise ActionRefused(_("Legal reference: choose one of the list."), field="legal_reference")
    reason = _clean_reason(reason, _("Reason"))
    now = timezone.now()
    updated = Person.objects.filter(pk=person.pk, use_suspended=False).update(
        use_suspended=True, version=F("version") + 1, updated_by=acting_user, updated_at=now
    )
    if not updated:
        raise ActionRefused(_("The use of this person's record is already suspended."))
    try:
        with transaction.atomic():
            suspension = UseSuspension.objects.create(
                person=person,
                legal_reference=legal_reference,
                reason=reason,
                suspended_at=now,
                suspended_by=acting_user,
            )
    except IntegrityError:  # a suspension recorded at the same moment by someone else
        raise ActionRefused(_("The use of this person's record is already suspended.")) from None
    person.refresh_from_db()
    record_audit_event(
        "person.use_suspended",
        acting_user=acting_user,
        obj=person,
        changes={"use_suspended": {"before": False, "after": True}, "legal_reference": legal_reference},
        note=reason,
    )
    return suspension


@transaction.atomic
def do_lift_use_suspension(person: Person, *, reason: str, acting_user: User) -> UseSuspension:
    """Lift the suspension: the person is seen again as before (the history keeps both decisions)."""
    _require_coordination(acting_user)
    reason = _clean_reason(reason, _("Reason for lifting"))
    suspension = UseSuspension.objects.select_for_update().filter(person=person, lifted_at__isnull=True).first()
    if suspension is None:
        raise ActionRefused(_("The use of this person's record is not suspended."))
    now = timezone.now()
    suspension.lifted_at, suspension.lifted_by, suspension.lift_reason = now, acting_user, reason
    suspension.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    Person.objects.filter(pk=person.pk).update(
        use_suspended=False, version=F("version") + 1, updated_by=acting_user, updated_at=now
    )
    person.refresh_from_db()
    record_audit_event(
        "person.use_suspension_lifted",
        acting_user=acting_user,
        obj=person,
        changes={"use_suspended": {"before": True, "after": False}},
        note=reason,
    )
    return suspension


def do_disclose_person(
    person: Person, *, acting_user: User | None, output_format: str, note: str = ""
) -> dict[str, Any]:
    """Everything held about ``person``, as a document (disclosure.py); the disclosure is audited.

    ``acting_user`` None is the operator's command (``manage.py person_disclosure``).
    """
    from tsunagiai.privacy.disclosure import build_disclosure

    if acting_user is not None:
        _require_coordination(acting_user)
    document = build_disclosure(person)
    record_audit_event(
        "person.disclosed",
        acting_user=acting_user,
        obj=person,
        changes={
            "format": output_format,
            "sections": {section["key"]: len(section["records"]) for section in document["sections"]},
        },
        note=note or "disclosure request (開示請求)",
    )
    return document
