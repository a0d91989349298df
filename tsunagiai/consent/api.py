"""The consent API: list a person's consents, record one, withdraw one (same access as the pages)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import AfterValidator, ConfigDict

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_read
from tsunagiai.consent import selectors
from tsunagiai.consent.actions import CONSENT_HORIZON, do_record_consent, do_withdraw_consent
from tsunagiai.consent.models import Consent, InformationScope
from tsunagiai.core.api import PastDate
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.core.validation import api_date_check
from tsunagiai.reference.models import AgencyType, Organisation

# An expiry may be set up to about ten years ahead (core.validation).
ConsentExpiry = Annotated[dt.date, AfterValidator(api_date_check(CONSENT_HORIZON))]

router = Router(tags=["consent"])


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    detail: str
    errors: list[dict[str, str]] | None = None


class ConsentIn(StrictSchema):
    organisation_id: int | None = Field(None, description="Recording organisation; defaults to the caller's first.")
    given_on: PastDate
    expires_on: ConsentExpiry | None = None
    method: Literal["written", "oral"]
    witness: str = Field("", max_length=100)
    given_by: Literal["person", "proxy"] = "person"
    proxy_name: str = Field("", max_length=100)
    proxy_relationship: str = Field("", max_length=50)
    purpose: str = Field("", max_length=300)
    policy_explained: bool = False
    scope_organisation_ids: list[int] = Field(default_factory=list, max_length=200)
    scope_agency_types: list[str] = Field(default_factory=list, max_length=50)
    scope_information: list[InformationScope] = Field(default_factory=lambda: [InformationScope.BASIC], max_length=10)
    notes: str = Field("", max_length=2000)


class WithdrawIn(StrictSchema):
    note: str = Field("", max_length=500)


class ConsentOut(Schema):
    id: int
    person_id: int
    given_on: dt.date
    expires_on: dt.date | None
    method: str
    witness: str
    given_by: str
    proxy_name: str
    proxy_relationship: str
    purpose: str
    policy_explained: bool
    scope_organisation_ids: list[int]
    scope_agency_types: list[str]
    scope_information: list[str]
    state: str
    withdrawn_at: dt.datetime | None
    withdrawal_note: str
    recorded_by_organisation_id: int
    created_at: dt.datetime


def _out(consent: Consent) -> dict[str, Any]:
    return {
        **{
            name: getattr(consent, name)
            for name in (
                "id",
                "person_id",
                "given_on",
                "expires_on",
                "method",
                "witness",
                "given_by",
                "proxy_name",
                "proxy_relationship",
                "purpose",
                "policy_explained",
                "scope_information",
                "withdrawn_at",
                "withdrawal_note",
                "recorded_by_organisation_id",
                "created_at",
            )
        },
        "scope_organisation_ids": sorted(o.pk for o in consent.scope_organisations.all()),
        "scope_agency_types": sorted(t.pk for t in consent.scope_agency_types.all()),
        "state": selectors.status_of(consent),
    }


def _errors(error: ValidationError) -> list[dict[str, str]]:
    return [{"field": name, "message": str(m)} for name, items in error.message_dict.items() for m in items]


@router.get(
    "/people/{person_id}/consents", response={200: list[ConsentOut], 404: ErrorOut}, summary="A person's consents"
)
def list_consents(request: AuthenticatedRequest, person_id: int) -> list[dict[str, Any]]:
    """Every consent of the person, withdrawn and expired ones too, newest first."""
    person = access.access_person(request.user, person_id)
    record_read(request, person, action="consent.viewed", note="api")
    return [_out(c) for c in selectors.consents_of(person)]


@router.post(
    "/people/{person_id}/consents",
    response={201: ConsentOut, 404: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Record a consent",
)
def record_consent(request: AuthenticatedRequest, person_id: int, payload: ConsentIn) -> Status[dict[str, Any]]:
    person = access.access_person(request.user, person_id, for_edit=True)
    organisations = access.staff_organisations(request.user)
    if not organisations:
        return Status(403, {"detail": _("You may not record consents.")})
    errors: list[dict[str, str]] = []
    organisation = organisations[0]
    if payload.organisation_id is not None:
        chosen = next((o for o in organisations if o.pk == payload.organisation_id), None)
        if chosen is None:
            errors.append(
                {"field": "organisation_id", "message": _("Recording organisation: choose one of your organisations.")}
            )
        else:
            organisation = chosen
    scope_orgs = list(Organisation.objects.filter(pk__in=payload.scope_organisation_ids, active=True))
    if len(scope_orgs) != len(set(payload.scope_organisation_ids)):
        errors.append(
            {"field": "scope_organisation_ids", "message": _("Organisations covered: an organisation is unknown.")}
        )
    scope_types = list(AgencyType.objects.filter(pk__in=payload.scope_agency_types))
    if len(scope_types) != len(set(payload.scope_agency_types)):
        errors.append({"field": "scope_agency_types", "message": _("Agency types covered: an agency type is unknown.")})
    if errors:
        return Status(422, {"detail": _("Please check the input."), "errors": errors})
    try:
        consent = do_record_consent(
            person,
            acting_user=request.user,
            organisation=organisation,
            given_on=payload.given_on,
            expires_on=payload.expires_on,
            method=payload.method,
            witness=payload.witness,
            given_by=payload.given_by,
            proxy_name=payload.proxy_name,
            proxy_relationship=payload.proxy_relationship,
            purpose=payload.purpose,
            policy_explained=payload.policy_explained,
            scope_organisations=scope_orgs,
            scope_agency_types=scope_types,
            scope_information=[str(code) for code in payload.scope_information],
            notes=payload.notes,
        )
    except ValidationError as error:
        return Status(422, {"detail": _("Please check the input."), "errors": _errors(error)})
    return Status(201, _out(consent))


@router.post("/consents/{consent_id}/withdraw", response={200: ConsentOut, 404: ErrorOut}, summary="Withdraw a consent")
def withdraw_consent(request: AuthenticatedRequest, consent_id: int, payload: WithdrawIn) -> dict[str, Any]:
    """Withdraw now; it stops covering anything at once. Withdrawing twice keeps the first withdrawal."""
    consent = access.access_consent(request.user, consent_id, for_edit=True)
    return _out(do_withdraw_consent(consent, acting_user=request.user, note=payload.note))
