"""Referrals (C3): who sees a referral, who acts for its sides, and what the receiving side may read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from tsunagiai.accounts.access.roles import EDIT_ROLES, Ids, _get_or_404, is_coordination, organisation_ids
from tsunagiai.accounts.models import User

if TYPE_CHECKING:
    from tsunagiai.reference.models import Organisation
    from tsunagiai.referrals.models import Referral


def _accepted_referral_person_ids(org_ids: set[int]) -> Ids:
    """People of referrals the organisations accepted (before accepting they see only the shared sections).

    A referral accepted on the person's consent opens the record only while a
    consent in force still covers the receiving organisation (by name or by
    agency type): a withdrawal or an expiry closes it at once. Referrals on a
    legal basis keep it open.
    """
    from django.utils import timezone

    from tsunagiai.consent.models import Consent
    from tsunagiai.referrals.models import Referral, SharingBasis

    today = timezone.localdate()
    consent_in_force = Consent.objects.filter(
        person_id=OuterRef("person_id"), withdrawn_at__isnull=True, given_on__lte=today
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    covering = consent_in_force.filter(
        Q(scope_organisations=OuterRef("to_organisation_id"))
        | Q(scope_agency_types=OuterRef("to_organisation__agency_type_id"))
    )
    return (
        Referral.objects.filter(to_organisation_id__in=org_ids, accepted_at__isnull=False, person_id__isnull=False)
        .filter(~Q(sharing_basis=SharingBasis.CONSENT) | Q(Exists(covering)))
        .values("person_id")
    )


def visible_referrals(user: User) -> QuerySet[Referral]:
    """Referrals the user's organisations sent or received; the coordination section sees all."""
    from tsunagiai.referrals.models import Referral

    if is_coordination(user):
        return Referral.objects.all()
    org_ids = organisation_ids(user)
    if not org_ids:
        return Referral.objects.none()
    return Referral.objects.filter(Q(from_organisation_id__in=org_ids) | Q(to_organisation_id__in=org_ids))


def access_referral(user: User, referral_id: Any, *, for_edit: bool = False) -> Referral:
    """One referral, or 404; for an edit the user must act for one of its two sides."""
    referral = _get_or_404(visible_referrals(user), referral_id)
    if for_edit and not referral_sides(user, referral):
        raise Http404
    return referral


def referral_sides(user: User, referral: Referral) -> set[str]:
    """The sides ("sender", "recipient") the user may act for: staff who edit records, in that organisation."""
    org_ids = organisation_ids(user, EDIT_ROLES)
    sides = set()
    if referral.from_organisation_id in org_ids:
        sides.add("sender")
    if referral.to_organisation_id in org_ids:
        sides.add("recipient")
    return sides


def referral_recipient_staff(user: User, referral: Referral) -> bool:
    """Whether the user is staff of the receiving organisation (opening the referral marks it seen)."""
    return referral.to_organisation_id in organisation_ids(user)


def may_send_referral(user: User) -> bool:
    return bool(organisation_ids(user, EDIT_ROLES))


# What the receiving side reads of a referral (the shared sections, and every free
# text that carries them: reason, request, notes, outcome) lasts only while the
# basis for sharing holds. Declined or cancelled, or resting on a consent that was
# withdrawn or has expired (or, for an unidentified person, an intake whose
# consent is no longer recorded as given), the referral shows the receiving side
# its existence, dates and codes only. The sending side keeps what it had; the
# coordination section sees everything. Completed and failed referrals were
# accepted: their basis still decides.

REFERRAL_REFUSED_STATES = frozenset({"declined", "cancelled"})
CONSENTED_AT_INTAKE = frozenset({"written", "oral"})


def referrals_showing_shared_sections(user: User, referrals: Iterable[Referral]) -> set[int]:
    """Ids of ``referrals`` whose shared sections (and free texts) ``user`` may read now.

    A constant number of queries whatever the number of referrals (none when no
    receiving-side referral rests on consent); load ``to_organisation`` with the
    referrals (``select_related``).
    """
    items = list(referrals)
    if is_coordination(user):
        return {r.pk for r in items}
    org_ids = organisation_ids(user)
    shown: set[int] = set()
    pending: list[Referral] = []
    for referral in items:
        if referral.from_organisation_id in org_ids:
            shown.add(referral.pk)  # the sending side keeps what it sent
        elif referral.to_organisation_id not in org_ids or referral.status in REFERRAL_REFUSED_STATES:
            continue
        elif referral.sharing_basis != "consent":
            shown.add(referral.pk)  # a legal exception holds until declined or cancelled
        else:
            pending.append(referral)
    return shown | _referrals_with_consent_in_force(pending)


def _referrals_with_consent_in_force(referrals: list[Referral]) -> set[int]:
    """Ids of consent-based referrals whose consent still covers the receiving organisation, today.

    The same subjects as when it was sent: the person's consents; for a case
    without a person or an intake, those of every person of the case (its focus
    members, or else the household's current members); for an unidentified
    person, the intake's recorded consent.
    """
    if not referrals:
        return set()
    from tsunagiai.cases.models import Case
    from tsunagiai.consent.selectors import check_consents, consents_in_force
    from tsunagiai.intake.models import Intake
    from tsunagiai.people.models import HouseholdMembership

    case_ids = {r.case_id for r in referrals if r.person_id is None and r.case_id is not None and r.intake_id is None}
    subjects: dict[int, set[int]] = {case_id: set() for case_id in case_ids}
    if case_ids:
        for case_id, person_id in Case.focus_members.through.objects.filter(case_id__in=case_ids).values_list(
            "case_id", "person_id"
        ):
            subjects[case_id].add(person_id)
        households = dict(
            Case.objects.filter(pk__in=[c for c, found in subjects.items() if not found]).values_list(
                "pk", "household_id"
            )
        )
        by_household: dict[int, set[int]] = {}
        for household_id, person_id in HouseholdMembership.objects.filter(
            household_id__in=set(households.values()), ended_on__isnull=True
        ).values_list("household_id", "person_id"):
            by_household.setdefault(household_id, set()).add(person_id)
        for case_id, household_id in households.items():
            subjects[case_id] = by_household.get(household_id, set())
    person_ids = {r.person_id for r in referrals if r.person_id is not None}
    person_ids |= {p for people in subjects.values() for p in people}
    consents: dict[int, list[Any]] = {}
    if person_ids:
        for consent in consents_in_force(person_ids):
            consents.setdefault(consent.person_id, []).append(consent)
    intake_ids = {r.intake_id for r in referrals if r.person_id is None and r.intake_id is not None}
    intake_consent = dict(Intake.objects.filter(pk__in=intake_ids).values_list("pk", "consent_status"))

    def covered(person_id: int, organisation: Organisation) -> bool:
        return check_consents(consents.get(person_id, []), [organisation]).ok

    held: set[int] = set()
    for referral in referrals:
        organisation = referral.to_organisation
        if referral.person_id is not None:
            holds = covered(referral.person_id, organisation)
        elif referral.case_id in case_ids:
            people = subjects.get(referral.case_id, set())
            holds = bool(people) and all(covered(p, organisation) for p in people)
        else:
            holds = referral.intake_id is not None and intake_consent.get(referral.intake_id, "") in CONSENTED_AT_INTAKE
        if holds:
            held.add(referral.pk)
    return held


def referral_basis_holds(referral: Referral) -> bool:
    """Whether the referral's basis for sharing holds now: a legal exception does; a consent only while
    it (still) covers the receiving organisation — the same judgement as for reading the shared sections.
    The actions refuse to move a referral forward without it (referrals.actions)."""
    if referral.sharing_basis != "consent":
        return True
    return referral.pk in _referrals_with_consent_in_force([referral])


def may_see_referral_shared_sections(user: User, referral: Referral) -> bool:
    """Whether ``user`` may read the referral's shared sections now (the page, the API, the case's list)."""
    return referral.pk in referrals_showing_shared_sections(user, [referral])
