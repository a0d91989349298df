"""Reading consents, and the one question other apps ask: does consent cover these organisations?"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from tsunagiai.consent.models import Consent

if TYPE_CHECKING:
    from tsunagiai.people.models import Person
    from tsunagiai.reference.models import Organisation


@dataclass(frozen=True)
class ConsentCheck:
    """The answer of ``consent_covers``: ``ok`` when every organisation is covered.

    ``missing`` lists the organisations no consent in force covers;
    ``consent`` is the consent that covers them all (or, when none does, the
    most recent one in force, to show what is on record).
    """

    ok: bool
    missing: list[Organisation] = field(default_factory=list)
    consent: Consent | None = None


def _in_force(on: dt.date) -> Q:
    return Q(withdrawn_at__isnull=True, given_on__lte=on) & (Q(expires_on__isnull=True) | Q(expires_on__gte=on))


def consents_in_force(person_ids: Iterable[int], *, on: dt.date | None = None) -> QuerySet[Consent]:
    """Consents in force on ``on`` (default today) for these people, with their scopes (3 queries)."""
    from tsunagiai.reference.models import AgencyType, Organisation

    on = on or timezone.localdate()
    return (
        Consent.objects.filter(_in_force(on), person_id__in=list(person_ids))
        .prefetch_related(
            # only their keys: the coverage check compares ids (``_covers``)
            Prefetch(
                "scope_organisations", queryset=Organisation.objects.only("pk"), to_attr="scope_organisation_list"
            ),
            Prefetch("scope_agency_types", queryset=AgencyType.objects.only("pk"), to_attr="scope_agency_type_list"),
        )
        .order_by("-given_on", "-id")
    )


def _covers(consent: Consent, organisation: Organisation, information: str | None = None) -> bool:
    if information is not None and information not in consent.scope_information:
        return False
    org_ids = {o.pk for o in getattr(consent, "scope_organisation_list", [])}
    type_ids = {t.pk for t in getattr(consent, "scope_agency_type_list", [])}
    return organisation.pk in org_ids or organisation.agency_type_id in type_ids


def _org_covered(consents: Sequence[Consent], organisation: Organisation, information: Sequence[str]) -> bool:
    if not information:
        return any(_covers(c, organisation) for c in consents)
    return all(any(_covers(c, organisation, kind) for c in consents) for kind in information)


def check_consents(
    consents: Sequence[Consent], organisations: Sequence[Organisation], *, information: Iterable[str] = ()
) -> ConsentCheck:
    """Judge coverage from already-loaded consents in force (see ``consents_in_force``)."""
    kinds = list(dict.fromkeys(information))
    missing = [org for org in organisations if not _org_covered(consents, org, kinds)]
    whole = next((c for c in consents if all(_org_covered([c], org, kinds) for org in organisations)), None)
    return ConsentCheck(ok=not missing, missing=missing, consent=whole or (consents[0] if consents else None))


def consent_covers(
    person: Person,
    organisations: Iterable[Organisation],
    *,
    information: Iterable[str] = (),
    on: dt.date | None = None,
) -> ConsentCheck:
    """Whether consent in force on ``on`` (default today) lets ``person``'s information go to ``organisations``.

    An organisation is covered when a consent in force lists it, or lists its
    agency type — and, when ``information`` names kinds of information
    (``InformationScope`` codes), every kind is in that consent's scope.
    Withdrawn consents count as absent from the moment of withdrawal; expired
    ones from the day after ``expires_on``. Several consents may together cover
    the organisations (and the kinds).
    """
    orgs = list(organisations)
    consents = list(consents_in_force([person.pk], on=on))
    return check_consents(consents, orgs, information=information)


def consents_covering_people(
    people: Sequence[Person],
    organisations: Sequence[Organisation],
    *,
    information: Iterable[str] = (),
    on: dt.date | None = None,
) -> dict[int, ConsentCheck]:
    """``consent_covers`` for several people at once, in a constant number of queries."""
    kinds = list(information)
    by_person: dict[int, list[Consent]] = {p.pk: [] for p in people}
    for consent in consents_in_force(by_person, on=on):
        by_person[consent.person_id].append(consent)
    return {pk: check_consents(found, list(organisations), information=kinds) for pk, found in by_person.items()}


def people_without_consent(
    people: Sequence[Person], organisations: Sequence[Organisation], *, on: dt.date | None = None
) -> dict[int, list[Person]]:
    """Organisation pk → the people whose consent in force does not cover it (3 queries)."""
    checks = consents_covering_people(people, organisations, on=on)
    names = {p.pk: p for p in people}
    uncovered: dict[int, list[Person]] = {}
    for person_id, check in checks.items():
        for organisation in check.missing:
            uncovered.setdefault(organisation.pk, []).append(names[person_id])
    return uncovered


def consents_of(person: Person) -> QuerySet[Consent]:
    """Every consent of the person, withdrawn and expired ones too, newest first."""
    return (
        Consent.objects.filter(person=person)
        .select_related("recorded_by", "recorded_by_organisation", "withdrawn_by")
        .prefetch_related("scope_organisations", "scope_agency_types")
        .order_by("-given_on", "-id")
    )


def status_of(consent: Consent, on: dt.date | None = None) -> str:
    on = on or timezone.localdate()
    if consent.withdrawn_at is not None:
        return "withdrawn"
    if consent.expires_on is not None and consent.expires_on < on:
        return "expired"
    if consent.given_on > on:
        return "future"
    return "in_force"


__all__: list[Any] = ["ConsentCheck", "consent_covers", "consents_covering_people", "consents_in_force"]


def active_organisation_ids(ids: Iterable[int]) -> list[int]:
    """Those of ``ids`` that name an active organisation (a link's preselection, checked)."""
    from tsunagiai.reference.models import Organisation

    return list(Organisation.objects.filter(pk__in=list(ids), active=True).values_list("pk", flat=True))
