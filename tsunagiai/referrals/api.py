"""The referral API under /api/v1/referrals: the same access policy and actions as the pages.

Each referral carries its FHIR Task status (HL7 Gravity SDOH closed-loop
referral workflow) and, as the business status, Tsunagiai's own state (which
tells first contact apart from the other in-progress steps).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_list, record_read
from tsunagiai.core.errors import ActionRefused
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.reference.models import Organisation
from tsunagiai.referrals import selectors
from tsunagiai.referrals.actions import do_mark_seen, do_send_referral, do_transition_referral
from tsunagiai.referrals.models import IllegalTransition, Referral
from tsunagiai.referrals.models import Status as ReferralStatus

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

router = Router(tags=["referrals"])


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    detail: str


class EventOut(Schema):
    from_status: str
    to_status: str
    at: dt.datetime
    by: str | None
    organisation_id: int | None
    reason_code: str
    note: str


class ReferralOut(Schema):
    id: int
    status: str
    fhir_status: str
    business_status: str
    version: int
    from_organisation_id: int
    from_organisation: str
    to_organisation_id: int
    to_organisation: str
    sent_at: dt.datetime
    intake_id: int | None
    case_id: int | None
    previous_id: int | None
    reason: str
    request: str
    shared_sections: list[str]
    sharing_basis: str
    sharing_article: str
    close_reason_code: str
    close_reason_note: str
    outcome_code: str
    outcome_text: str
    seen_due_at: dt.datetime | None
    accept_due_at: dt.datetime | None
    first_contact_due_at: dt.datetime | None
    allowed_transitions: list[str]
    shared_sections_withheld: bool = Field(
        False,
        description=(
            "True for the receiving organisation once the basis for sharing is gone (declined, cancelled, "
            "consent withdrawn or expired): reason, request, notes and outcome text are then left empty."
        ),
    )
    events: list[EventOut] = []


class ReferralPage(Schema):
    count: int
    items: list[ReferralOut]


class ReferralIn(StrictSchema):
    to_organisation_id: int
    from_organisation_id: int | None = Field(None, description="Defaults to the caller's first organisation.")
    intake_id: int | None = None
    case_id: int | None = None
    person_id: int | None = None
    previous_id: int | None = None
    reason: str = Field(max_length=2000)
    request: str = Field(max_length=2000)
    shared_sections: list[str] = Field(default_factory=list, max_length=10)
    sharing_basis: str = Field(max_length=30)
    sharing_note: str = Field("", max_length=300)


class TransitionIn(StrictSchema):
    to: str = Field(max_length=20)
    version: int = Field(ge=1)
    reason_code: str = Field("", max_length=30)
    note: str = Field("", max_length=2000)
    outcome_code: str = Field("", max_length=30)
    outcome_text: str = Field("", max_length=2000)


class ListFilters(Schema):
    direction: Literal["", "incoming", "outgoing"] = ""
    status: str = Field("", max_length=20)
    limit: int = Field(25, ge=1, le=100)
    offset: int = Field(0, ge=0)


def _out(referral: Referral, user: User, *, with_events: bool = False, shown: set[int] | None = None) -> dict[str, Any]:
    """One referral as the caller may read it; ``shown``: ids whose shared sections the caller may read
    (``access.referrals_showing_shared_sections``), computed once for a page of referrals."""
    sides = access.referral_sides(user, referral)
    from tsunagiai.referrals.models import TRANSITIONS

    if shown is None:
        shown = access.referrals_showing_shared_sections(user, [referral])
    withheld = referral.pk not in shown

    def text(value: str) -> str:
        return "" if withheld else value

    data: dict[str, Any] = {
        "id": referral.pk,
        "status": referral.status,
        "fhir_status": referral.fhir_status,
        "business_status": referral.status,
        "version": referral.version,
        "from_organisation_id": referral.from_organisation_id,
        "from_organisation": referral.from_organisation.name,
        "to_organisation_id": referral.to_organisation_id,
        "to_organisation": referral.to_organisation.name,
        "sent_at": referral.sent_at,
        "intake_id": referral.intake_id,
        "case_id": referral.case_id,
        "previous_id": referral.previous_id,
        "reason": text(referral.reason),
        "request": text(referral.request),
        "shared_sections": list(referral.shared_sections or []),
        "sharing_basis": referral.sharing_basis,
        "sharing_article": referral.sharing_article,
        "close_reason_code": referral.close_reason_code,
        "close_reason_note": text(referral.close_reason_note),
        "outcome_code": referral.outcome_code,
        "outcome_text": text(referral.outcome_text),
        "seen_due_at": referral.seen_due_at,
        "accept_due_at": referral.accept_due_at,
        "first_contact_due_at": referral.first_contact_due_at,
        "allowed_transitions": [
            to for (frm, to), side in TRANSITIONS.items() if frm == referral.status and side in sides
        ],
        "shared_sections_withheld": withheld,
    }
    if with_events:
        data["events"] = [
            {
                "from_status": e.from_status,
                "to_status": e.to_status,
                "at": e.at,
                "by": str(e.by) if e.by else None,
                "organisation_id": e.organisation_id,
                "reason_code": e.reason_code,
                "note": text(e.note),
            }
            for e in referral.events.all()
        ]
    return data


@router.get("/", response={200: ReferralPage, 403: ErrorOut, 422: ErrorOut}, summary="List referrals")
def list_referrals(request: AuthenticatedRequest, filters: Query[ListFilters]) -> Status[dict[str, Any]]:
    """The referrals the caller may see, newest first (``limit``/``offset``)."""
    if filters.status and filters.status not in ReferralStatus.values:
        raise HttpError(422, _("Status: unknown status."))
    queryset = selectors.referral_list(request.user, direction=filters.direction, status=filters.status)
    items = list(queryset[filters.offset : filters.offset + filters.limit])
    asked = {"direction": filters.direction, "status": filters.status}
    record_list(request, "referral.listed", model=Referral, count=queryset.count(), filters=asked, note="api")
    shown = access.referrals_showing_shared_sections(request.user, items)
    return Status(200, {"count": queryset.count(), "items": [_out(r, request.user, shown=shown) for r in items]})


@router.post("/", response={201: ReferralOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}, summary="Send a referral")
def create_referral(request: AuthenticatedRequest, payload: ReferralIn) -> Status[dict[str, Any]]:
    if not access.may_send_referral(request.user):
        raise HttpError(403, _("You may not send referrals."))
    edit_ids = access.organisation_ids(request.user, access.EDIT_ROLES)
    from_id = payload.from_organisation_id or min(edit_ids)
    if from_id not in edit_ids:
        raise HttpError(422, _("From: you do not work for this organisation."))
    to_organisation = Organisation.objects.filter(pk=payload.to_organisation_id, active=True).first()
    if to_organisation is None:
        raise HttpError(422, _("To: unknown organisation."))
    intake = access.access_intake(request.user, payload.intake_id) if payload.intake_id else None
    case = access.access_case(request.user, payload.case_id) if payload.case_id else None
    person = access.access_person(request.user, payload.person_id) if payload.person_id else None
    # A record open to the caller only through an emergency access cannot be the referral's subject.
    for kind, record in (("case", case), ("person", person)):
        if access.emergency_only(request.user, record):
            raise HttpError(422, str(access.NotLinkable(f"{kind}_id", kind)))
    previous = access.access_referral(request.user, payload.previous_id) if payload.previous_id else None
    if intake is not None and person is None:
        person = intake.person
    try:
        referral = do_send_referral(
            acting_user=request.user,
            from_organisation=Organisation.objects.get(pk=from_id),
            to_organisation=to_organisation,
            reason=payload.reason,
            request=payload.request,
            shared_sections=payload.shared_sections,
            sharing_basis=payload.sharing_basis,
            sharing_note=payload.sharing_note,
            person=person,
            household=intake.household if intake is not None else (case.household if case is not None else None),
            intake=intake,
            case=case,
            previous=previous,
        )
    except (ActionRefused, access.NotLinkable) as exc:
        raise HttpError(422, str(exc)) from None
    return Status(201, _out(selectors.referral_detail(request.user, referral.pk), request.user, with_events=True))


@router.get("/{referral_id}", response={200: ReferralOut, 404: ErrorOut}, summary="Read a referral")
def get_referral(request: AuthenticatedRequest, referral_id: int) -> dict[str, Any]:
    """One referral with its history; reading it as the receiving organisation marks it seen."""
    referral = access.access_referral(request.user, referral_id)
    record_read(request, referral, action="referral.viewed", note="api")
    do_mark_seen(referral, acting_user=request.user)
    return _out(selectors.referral_detail(request.user, referral_id), request.user, with_events=True)


@router.post(
    "/{referral_id}/transitions",
    response={200: ReferralOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Move a referral to another state",
)
def transition_referral(request: AuthenticatedRequest, referral_id: int, payload: TransitionIn) -> dict[str, Any]:
    """Only legal moves succeed: 422 with the reason otherwise, 409 when ``version`` is stale."""
    referral = access.access_referral(request.user, referral_id)
    if payload.to not in ReferralStatus.values:
        raise HttpError(422, _("Status: unknown status."))
    try:
        do_transition_referral(
            referral,
            payload.to,
            acting_user=request.user,
            reason_code=payload.reason_code,
            note=payload.note,
            outcome_code=payload.outcome_code,
            outcome_text=payload.outcome_text,
            expected_version=payload.version,
        )
    except IllegalTransition as exc:
        raise HttpError(422, str(exc)) from None
    return _out(selectors.referral_detail(request.user, referral_id), request.user, with_events=True)
