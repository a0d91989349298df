"""The case API under /api/v1/cases: the same access policy, actions and messages as the pages.

404 for a case the caller may not see (exactly like a missing one), 409 when
the ``version`` sent is not the latest, 422 with field-named Japanese messages
for invalid input and for changes the rules refuse (an illegal status move).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_list, record_read
from tsunagiai.cases import selectors
from tsunagiai.cases.actions import (
    REASON_MAX_LENGTH,
    ROLE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    CaseConflict,
    allowed_transitions,
    do_add_team_member,
    do_change_case_status,
    do_change_lead,
    do_decide_lead_request,
    do_open_case,
    do_request_lead,
    do_set_case_flags,
)
from tsunagiai.cases.models import Case, CaseStatusChange, LeadChange, LeadRequest, TeamMember
from tsunagiai.cases.selectors import CaseFilters
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.reference.models import Area, Organisation

router = Router(tags=["cases"])


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class CaseFilterIn(Schema):
    status: Literal["intake", "assessment", "planning", "active", "monitoring", "closed"] | None = None
    lead_organisation_id: int | None = Field(None, ge=1, le=2**62)
    flag: Literal["multi_issue", "gap_case", "difficult"] | None = None
    area_id: int | None = Field(None, ge=1, le=2**62)
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class CaseOpenIn(StrictSchema):
    intake_ids: list[int] = Field(min_length=1, max_length=50, description="Intakes about one household.")
    title: str = Field(min_length=1, max_length=TITLE_MAX_LENGTH)
    lead_organisation_id: int = Field(ge=1, le=2**62)
    focus_member_ids: list[int] = Field(default_factory=list, max_length=50)


class StatusIn(StrictSchema):
    to: Literal["intake", "assessment", "planning", "active", "monitoring", "closed"]
    reason: str = Field("", max_length=REASON_MAX_LENGTH, description="Required when reopening a closed case.")
    version: int = Field(ge=1)


class LeadIn(StrictSchema):
    organisation_id: int = Field(ge=1, le=2**62)
    reason: str = Field(min_length=1, max_length=REASON_MAX_LENGTH)
    version: int = Field(ge=1)


class LeadRequestIn(StrictSchema):
    reason: str = Field(min_length=1, max_length=REASON_MAX_LENGTH)


class LeadDecisionIn(StrictSchema):
    accept: bool
    note: str = Field("", max_length=REASON_MAX_LENGTH, description="Required when declining.")
    version: int = Field(ge=1)


class FlagsIn(StrictSchema):
    is_gap_case: bool
    is_difficult: bool
    version: int = Field(ge=1)


class TeamMemberIn(StrictSchema):
    organisation_id: int = Field(ge=1, le=2**62)
    user_id: int | None = Field(None, ge=1, le=2**62)
    role: str = Field("", max_length=ROLE_MAX_LENGTH)
    # Joining the team discloses the case's people: consent must cover it, or a legal basis (docs/consent.md).
    basis: Literal["consent", "life_and_safety", "abuse_report", "support_conference_106_6"] = "consent"
    basis_note: str = Field("", max_length=300)
    version: int = Field(ge=1)


class Ref(Schema):
    id: int
    name: str


class TeamMemberOut(Schema):
    id: int
    organisation: Ref
    user_id: int | None
    role: str
    basis: str
    basis_note: str
    joined_at: dt.datetime
    left_at: dt.datetime | None


class LeadChangeOut(Schema):
    from_organisation: Ref | None
    to_organisation: Ref
    reason: str
    changed_at: dt.datetime
    changed_by_id: int | None


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    reason: str
    changed_at: dt.datetime


class LeadRequestOut(Schema):
    id: int
    organisation: Ref
    requested_by_id: int
    requested_at: dt.datetime
    reason: str
    status: str
    decided_by_id: int | None
    decided_at: dt.datetime | None
    decision_note: str


class CaseSummaryOut(Schema):
    id: int
    title: str
    household: Ref
    status: str
    lead_organisation: Ref
    is_multi_issue: bool
    is_gap_case: bool
    is_difficult: bool
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    version: int


class CaseOut(CaseSummaryOut):
    lead_since: dt.datetime | None
    allowed_transitions: list[str]
    focus_member_ids: list[int]
    intake_ids: list[int]
    team: list[TeamMemberOut]
    lead_history: list[LeadChangeOut]
    status_history: list[StatusChangeOut]
    lead_requests: list[LeadRequestOut]


class CasePage(Schema):
    count: int
    items: list[CaseSummaryOut]


class ErrorOut(Schema):
    detail: str
    errors: list[dict[str, str]] | None = None


class CaseConflictOut(Schema):
    detail: str
    case_id: int | None = Field(None, description="The open case the intake is already part of, if visible.")


def _ref(obj: Any) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": getattr(obj, "name", None) or str(obj)} if obj is not None else None


def _summary(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "title": case.title,
        "household": _ref(case.household),
        "status": case.status,
        "lead_organisation": _ref(case.lead_organisation),
        "is_multi_issue": case.is_multi_issue,
        "is_gap_case": case.is_gap_case,
        "is_difficult": case.is_difficult,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "version": case.version,
    }


def _out(request: AuthenticatedRequest, case_id: int) -> dict[str, Any]:
    case = selectors.case_detail(request.user, case_id)
    members = TeamMember.objects.filter(case=case).select_related("organisation").order_by("joined_at", "id")
    changes = LeadChange.objects.filter(case=case).select_related("from_organisation", "to_organisation")
    statuses = CaseStatusChange.objects.filter(case=case).order_by("changed_at", "id")
    requests = LeadRequest.objects.filter(case=case).select_related("organisation").order_by("requested_at", "id")
    return {
        **_summary(case),
        "lead_since": case.lead_since,
        "allowed_transitions": list(allowed_transitions(case.status)),
        "focus_member_ids": sorted(case.focus_members.values_list("pk", flat=True)),
        "intake_ids": sorted(case.intakes.values_list("pk", flat=True)),
        "team": [
            {
                "id": m.pk,
                "organisation": _ref(m.organisation),
                "user_id": m.user_id,
                "basis": m.basis,
                "basis_note": m.basis_note,
                "role": m.role,
                "joined_at": m.joined_at,
                "left_at": m.left_at,
            }
            for m in members
        ],
        "lead_history": [
            {
                "from_organisation": _ref(c.from_organisation),
                "to_organisation": _ref(c.to_organisation),
                "reason": c.reason,
                "changed_at": c.changed_at,
                "changed_by_id": c.changed_by_id,
            }
            for c in changes.order_by("changed_at", "id")
        ],
        "status_history": [
            {"from_status": s.from_status, "to_status": s.to_status, "reason": s.reason, "changed_at": s.changed_at}
            for s in statuses
        ],
        "lead_requests": [
            {
                "id": r.pk,
                "organisation": _ref(r.organisation),
                "requested_by_id": r.requested_by_id,
                "requested_at": r.requested_at,
                "reason": r.reason,
                "status": r.status,
                "decided_by_id": r.decided_by_id,
                "decided_at": r.decided_at,
                "decision_note": r.decision_note,
            }
            for r in requests
        ],
    }


def _invalid(field: str, message: str) -> Status[dict[str, Any]]:
    return Status(422, {"detail": _("Please check the input."), "errors": [{"field": field, "message": message}]})


def _active_organisation(pk: int) -> Organisation | None:
    return Organisation.objects.filter(pk=pk, active=True).first()


@router.get("/", response={200: CasePage, 403: ErrorOut, 422: ErrorOut}, summary="List cases")
def list_cases(request: AuthenticatedRequest, filters: Query[CaseFilterIn]) -> Status[dict[str, Any]]:
    """The cases the caller may see, newest first, filtered and paginated (``limit``/``offset``)."""
    lead = None
    if filters.lead_organisation_id is not None:
        lead = Organisation.objects.filter(pk=filters.lead_organisation_id).first()
        if lead is None:
            return _invalid("lead_organisation_id", _("Lead organisation: unknown organisation."))
    area = None
    if filters.area_id is not None:
        area = Area.objects.filter(pk=filters.area_id).first()
        if area is None:
            return _invalid("area_id", _("Area: unknown area."))
    queryset = selectors.case_list(
        request.user,
        CaseFilters(status=filters.status or "", lead_organisation=lead, flag=filters.flag or "", area=area),
    )
    items = list(queryset[filters.offset : filters.offset + filters.limit])
    count = queryset.count()
    asked = filters.model_dump(exclude={"limit", "offset"}, exclude_none=True)
    record_list(request, "case.listed", model=Case, count=count, filters=asked, note="api")
    return Status(200, {"count": count, "items": [_summary(c) for c in items]})


@router.post(
    "/", response={201: CaseOut, 403: ErrorOut, 409: CaseConflictOut, 422: ErrorOut}, summary="Open a case from intakes"
)
def open_case(request: AuthenticatedRequest, payload: CaseOpenIn) -> Status[dict[str, Any]]:
    """Open a case about the household of the intakes; the caller's organisation and the lead join the team.

    409 when an intake is already part of a case not yet closed (opened earlier or at the same moment):
    ``case_id`` names it where the caller may see it."""
    if not (access.organisation_ids(request.user, access.EDIT_ROLES) or access.is_coordination(request.user)):
        raise HttpError(403, _("You may not open a case."))
    intake_ids = sorted(set(payload.intake_ids))
    intakes = list(access.visible_intakes(request.user).filter(pk__in=intake_ids).select_related("household", "person"))
    if len(intakes) != len(intake_ids):
        return _invalid("intake_ids", _("Intakes: an intake was not found."))
    household = selectors.household_of_intake(request.user, intakes[0])
    if household is None:
        return _invalid(
            "intake_ids", _("Intakes: the intake is not linked to a household. Record the household first.")
        )
    lead = _active_organisation(payload.lead_organisation_id)
    if lead is None:
        return _invalid("lead_organisation_id", _("Lead organisation: unknown organisation."))
    focus_ids = set(payload.focus_member_ids)
    focus = list(access.linkable_people(request.user, among=focus_ids))
    if len(focus) != len(focus_ids):
        return _invalid("focus_member_ids", _("Focus members: a person was not found."))
    try:
        case = do_open_case(
            acting_user=request.user,
            household=household,
            intakes=intakes,
            focus_members=focus,
            title=payload.title,
            lead_organisation=lead,
        )
    except CaseConflict as exc:
        visible = access.visible_cases(request.user).filter(pk=exc.existing.pk).exists()
        return Status(409, {"detail": str(exc), "case_id": exc.existing.pk if visible else None})
    return Status(201, _out(request, case.pk))


@router.get("/{case_id}", response={200: CaseOut, 404: ErrorOut}, summary="Read a case")
def get_case(request: AuthenticatedRequest, case_id: int) -> dict[str, Any]:
    """One case with its team, lead history, status history and lead requests; 404 when not visible."""
    record_read(request, access.access_case(request.user, case_id), action="case.viewed", note="api")
    return _out(request, case_id)


_CHANGE_RESPONSES: dict[int, Any] = {200: CaseOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post("/{case_id}/status", response=_CHANGE_RESPONSES, summary="Change a case's status")
def change_status(request: AuthenticatedRequest, case_id: int, payload: StatusIn) -> Status[dict[str, Any]]:
    """Move along the status machine; an illegal move answers 422 naming the allowed ones."""
    case = selectors.case_detail(request.user, case_id, for_edit=True)
    do_change_case_status(
        case, to=payload.to, reason=payload.reason, acting_user=request.user, expected_version=payload.version
    )
    return Status(200, _out(request, case.pk))


@router.post("/{case_id}/lead", response=_CHANGE_RESPONSES, summary="Change the lead")
def change_lead(request: AuthenticatedRequest, case_id: int, payload: LeadIn) -> Status[dict[str, Any]]:
    """Hand the lead to another organisation, with a reason; the history keeps every change."""
    case = selectors.case_detail(request.user, case_id, for_edit=True)
    organisation = _active_organisation(payload.organisation_id)
    if organisation is None:
        return _invalid("organisation_id", _("Lead organisation: unknown organisation."))
    do_change_lead(
        case,
        organisation=organisation,
        reason=payload.reason,
        acting_user=request.user,
        expected_version=payload.version,
    )
    return Status(200, _out(request, case.pk))


@router.post(
    "/{case_id}/lead-requests",
    response={201: LeadRequestOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Ask to take the lead",
)
def request_lead(request: AuthenticatedRequest, case_id: int, payload: LeadRequestIn) -> Status[dict[str, Any]]:
    """A team member (not the lead) asks to take the lead; the current lead decides. 409 when the
    organisation has a request pending already (a colleague's, perhaps sent at the same moment)."""
    case = selectors.case_detail(request.user, case_id, for_edit=True)
    lead_request = do_request_lead(case, acting_user=request.user, reason=payload.reason)
    out = next(r for r in _out(request, case.pk)["lead_requests"] if r["id"] == lead_request.pk)
    return Status(201, out)


@router.post(
    "/{case_id}/lead-requests/{request_id}/decision", response=_CHANGE_RESPONSES, summary="Decide a lead request"
)
def decide_lead_request(
    request: AuthenticatedRequest, case_id: int, request_id: int, payload: LeadDecisionIn
) -> Status[dict[str, Any]]:
    """Accept (the lead moves) or decline (with a note) — only the current lead or the coordination section."""
    case = selectors.case_detail(request.user, case_id, for_edit=True)
    lead_request = selectors.lead_request_of(case, request_id)
    do_decide_lead_request(
        lead_request,
        accept=payload.accept,
        note=payload.note,
        acting_user=request.user,
        expected_version=payload.version,
    )
    return Status(200, _out(request, case.pk))


@router.post("/{case_id}/flags", response=_CHANGE_RESPONSES, summary="Set the case's flags")
def set_flags(request: AuthenticatedRequest, case_id: int, payload: FlagsIn) -> Status[dict[str, Any]]:
    """Set 制度の狭間 and 支援困難; multiple issues is derived from the intakes."""
    case = selectors.case_detail(request.user, case_id, for_edit=True)
    do_set_case_flags(
        case,
        is_gap_case=payload.is_gap_case,
        is_difficult=payload.is_difficult,
        acting_user=request.user,
        expected_version=payload.version,
    )
    return Status(200, _out(request, case.pk))


@router.post("/{case_id}/team", response=_CHANGE_RESPONSES, summary="Add an organisation or staff member to the team")
def add_team_member(request: AuthenticatedRequest, case_id: int, payload: TeamMemberIn) -> Status[dict[str, Any]]:
    case = selectors.case_detail(request.user, case_id, for_edit=True)
    organisation = _active_organisation(payload.organisation_id)
    if organisation is None:
        return _invalid("organisation_id", _("Organisation: unknown organisation."))
    user = None
    if payload.user_id is not None:
        from tsunagiai.accounts.models import User

        user = User.objects.filter(pk=payload.user_id, is_active=True).first()
        if user is None:
            return _invalid("user_id", _("Staff member: unknown user."))
    do_add_team_member(
        case,
        organisation,
        user=user,
        role=payload.role,
        basis=payload.basis,
        basis_note=payload.basis_note,
        acting_user=request.user,
        expected_version=payload.version,
    )
    return Status(200, _out(request, case.pk))
