"""Support (C5/C6), consent and the inbox: read through the people and cases the user sees."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404

from tsunagiai.accounts.access.cases import _team_case_ids, on_case_team
from tsunagiai.accounts.access.people import editable_people, visible_people
from tsunagiai.accounts.access.roles import EDIT_ROLES, _get_or_404, is_coordination, organisation_ids
from tsunagiai.accounts.models import User

if TYPE_CHECKING:
    from tsunagiai.cases.models import Case
    from tsunagiai.consent.models import Consent
    from tsunagiai.support.models import Conference, SupportRecord


# --- inbox -----------------------------------------------------------------


def visible_inbox_organisation_ids(user: User) -> set[int]:
    return organisation_ids(user)


# --- support (C5/C6) and consent ----------------------------------------------


def visible_consents(user: User) -> QuerySet[Consent]:
    """Consents of the people the user may see."""
    from tsunagiai.consent.models import Consent

    if is_coordination(user):
        return Consent.objects.all()
    return Consent.objects.filter(person_id__in=visible_people(user).values("pk"))


def access_consent(user: User, consent_id: Any, *, for_edit: bool = False) -> Consent:
    """One consent; for an edit (withdrawal) the user must be allowed to edit the person."""
    from tsunagiai.consent.models import Consent

    if for_edit:
        queryset = Consent.objects.filter(person_id__in=editable_people(user).values("pk"))
        if is_coordination(user):
            queryset = Consent.objects.all()
        return _get_or_404(queryset, consent_id)
    return _get_or_404(visible_consents(user), consent_id)


def visible_conferences(user: User) -> QuerySet[Conference]:
    """Conferences one of the user's organisations takes part in; the coordination section sees all."""
    from tsunagiai.support.models import Conference

    if is_coordination(user):
        return Conference.objects.all()
    org_ids = organisation_ids(user)
    if not org_ids:
        return Conference.objects.none()
    participating = Conference.participating_organisations.through.objects.filter(organisation_id__in=org_ids)
    return Conference.objects.filter(pk__in=participating.values("conference_id"))


def access_conference(user: User, conference_id: Any, *, for_edit: bool = False) -> Conference:
    """One conference, or 404; an edit needs a staff role that edits records."""
    conference = _get_or_404(visible_conferences(user), conference_id)
    if for_edit and not is_coordination(user) and not organisation_ids(user, EDIT_ROLES):
        raise Http404
    return conference


def visible_support_records(user: User) -> QuerySet[SupportRecord]:
    """Support records of the cases the user's team is on, and household-level records of
    households it supports or that its organisation wrote; the coordination section sees all."""
    from tsunagiai.cases.models import Case
    from tsunagiai.support.models import SupportRecord

    if is_coordination(user):
        return SupportRecord.objects.all()
    org_ids = organisation_ids(user)
    if not org_ids:
        return SupportRecord.objects.none()
    team_cases = _team_case_ids(org_ids)
    supported = Case.objects.filter(pk__in=team_cases).values("household_id")
    return SupportRecord.objects.filter(
        Q(case_id__in=team_cases)
        | Q(case__isnull=True, organisation_id__in=org_ids)
        | Q(case__isnull=True, household_id__in=supported)
    )


def visible_support_records_of_case(user: User, case: Case) -> QuerySet[SupportRecord]:
    """The case's support records the user may see (``visible_support_records``): those of a case whose team
    the user's organisation is on now, known without an access-policy subquery (``on_case_team``)."""
    from tsunagiai.support.models import SupportRecord

    if is_coordination(user) or on_case_team(user, case):
        return SupportRecord.objects.filter(case_id=case.pk)
    return visible_support_records(user).filter(case_id=case.pk)
