"""Writing consents: record one, withdraw one. Consents are never deleted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_audit_event
from tsunagiai.consent.models import Consent, InformationScope
from tsunagiai.consent.signals import consent_withdrawn
from tsunagiai.core.validation import check_date
from tsunagiai.people.models import Person
from tsunagiai.reference.models import AgencyType, Organisation

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

# How far ahead a consent's expiry may be set (core.validation checks every date against a range).
CONSENT_HORIZON = dt.timedelta(days=10 * 365 + 3)


@transaction.atomic
def do_record_consent(
    person: Person,
    *,
    acting_user: User,
    organisation: Organisation,
    given_on: dt.date,
    method: str,
    scope_organisations: Iterable[Organisation] = (),
    scope_agency_types: Iterable[AgencyType] = (),
    scope_information: Iterable[str] = (InformationScope.BASIC,),
    expires_on: dt.date | None = None,
    witness: str = "",
    given_by: str = Consent.GivenBy.PERSON,
    proxy_name: str = "",
    proxy_relationship: str = "",
    purpose: str = "",
    policy_explained: bool = False,
    notes: str = "",
    intake_id: int | None = None,
    recorded_by: User | None = None,
) -> Consent:
    """Record a consent given on ``given_on``, recorded by ``acting_user`` for ``organisation``.

    ``intake_id`` links the record to the intake whose answer it was made from, and ``recorded_by``
    names who heard it (the intake's author) when that is not ``acting_user``.
    """
    access.refuse_emergency_only(acting_user, person=person)  # an emergency access is read-only
    orgs = list(scope_organisations)
    types = list(scope_agency_types)
    information = list(dict.fromkeys(scope_information))
    errors: dict[str, str] = {}
    # Plausible dates (core.validation): not before 1900 nor the person's birth, not in the future;
    # an expiry up to about ten years ahead. Here too, whatever form or client sent them.
    check_date(
        errors,
        "given_on",
        given_on,
        label=Consent._meta.get_field("given_on").verbose_name,
        not_before=person.birth_date,
        not_before_label=_("the date of birth"),
    )
    check_date(
        errors,
        "expires_on",
        expires_on,
        label=Consent._meta.get_field("expires_on").verbose_name,
        max_future=CONSENT_HORIZON,
    )
    if expires_on is not None and "expires_on" not in errors and expires_on < given_on:
        errors["expires_on"] = _("Expires on: the date must not be before the date consent was given.")
    if method not in Consent.Method.values:
        errors["method"] = _("Method: choose one of the listed methods.")
    if given_by not in Consent.GivenBy.values:
        errors["given_by"] = _("Given by: choose the person or a proxy.")
    elif given_by == Consent.GivenBy.PROXY and not (proxy_name.strip() and proxy_relationship.strip()):
        errors["proxy_name"] = _("Proxy: enter the proxy's name and relationship.")
    unknown = [code for code in information if code not in InformationScope.values]
    if unknown:
        errors["scope_information"] = _("Information covered: unknown code %(code)s.") % {"code": unknown[0]}
    elif not information:
        errors["scope_information"] = _("Information covered: choose at least one kind of information.")
    if not orgs and not types:
        errors["scope_organisations"] = _("Organisations covered: choose at least one organisation or agency type.")
    if errors:
        raise ValidationError(errors)
    consent = Consent.objects.create(
        person=person,
        given_on=given_on,
        expires_on=expires_on,
        method=method,
        witness=witness,
        given_by=given_by,
        proxy_name=proxy_name if given_by == Consent.GivenBy.PROXY else "",
        proxy_relationship=proxy_relationship if given_by == Consent.GivenBy.PROXY else "",
        purpose=purpose,
        policy_explained=policy_explained,
        scope_information=information,
        notes=notes,
        intake_id=intake_id,
        recorded_by=recorded_by or acting_user,
        recorded_by_organisation=organisation,
    )
    consent.scope_organisations.set(orgs)
    consent.scope_agency_types.set(types)
    record_audit_event(
        "consent.recorded",
        acting_user=acting_user,
        obj=consent,
        changes={
            "person": person.pk,
            "given_on": given_on,
            "expires_on": expires_on,
            "method": method,
            "given_by": given_by,
            "scope_organisations": sorted(o.pk for o in orgs),
            "scope_agency_types": sorted(t.pk for t in types),
            "scope_information": information,
            **({"intake": intake_id} if intake_id is not None else {}),
        },
    )
    return consent


# What a consent given at intake covers besides the organisations it names: the basic facts and the
# consultation itself (the support history), which is what a referral from the intake shares.
INTAKE_INFORMATION = (InformationScope.BASIC, InformationScope.HISTORY)


@transaction.atomic
def do_record_consent_from_intake(
    person: Person,
    *,
    acting_user: User,
    intake_id: int,
    heard_by: User,
    organisation: Organisation,
    given_on: dt.date,
    method: str,
    scope_organisations: Iterable[Organisation],
) -> Consent | None:
    """Make the intake's answer on consent (written or oral, naming its organisations) a consent record.

    Once per intake: None when a record was already made from it (an intake is saved many times).
    Recorded by ``heard_by`` (the intake's author), audited as ``acting_user`` (who saved the intake).
    """
    if Consent.objects.filter(intake_id=intake_id).exists():
        return None
    return do_record_consent(
        person,
        acting_user=acting_user,
        organisation=organisation,
        given_on=given_on,
        method=method,
        scope_organisations=scope_organisations,
        scope_information=INTAKE_INFORMATION,
        notes=_("From the answer on consent of intake #%(id)s.") % {"id": intake_id},
        intake_id=intake_id,
        recorded_by=heard_by,
    )


@transaction.atomic
def do_withdraw_consent(consent: Consent, *, acting_user: User, note: str = "") -> Consent:
    """Withdraw a consent now; it stops covering anything at once. Withdrawing twice keeps the first."""
    locked = Consent.objects.select_for_update().get(pk=consent.pk)
    if locked.withdrawn_at is not None:
        return locked
    locked.withdrawn_at = timezone.now()
    locked.withdrawn_by = acting_user
    locked.withdrawal_note = note[:500]
    locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note"])
    record_audit_event(
        "consent.withdrawn",
        acting_user=acting_user,
        obj=locked,
        changes={"withdrawn_at": locked.withdrawn_at},
        note=note[:500],
    )
    # Withdrawal takes effect at once: organisations that were on a team only on the strength of this
    # consent leave it now (the cases app's receiver, in this transaction).
    consent_withdrawn.send(sender=Consent, consent=locked, person=locked.person, acting_user=acting_user)
    return locked
