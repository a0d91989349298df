"""The support API under /api/v1/support: plans, records, the timeline, conferences (same access as the pages)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from tsunagiai.accounts import access
from tsunagiai.accounts.models import User
from tsunagiai.audit.actions import record_list, record_read
from tsunagiai.core.api import PastDate, PastMoment, PlannedDate
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.support import selectors
from tsunagiai.support.actions import ActionInput, do_correct_support_record, do_record_support, do_revise_plan
from tsunagiai.support.models import TEXT_MAX, Conference, PlanAction, PlanRevision, SupportRecord
from tsunagiai.support.selectors import TimelineFilters

router = Router(tags=["support"])


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    detail: str
    errors: list[dict[str, str]] | None = None


class ActionOut(Schema):
    id: int
    key: int
    owner_kind: str
    owner_organisation_id: int | None
    owner_user_id: int | None
    owner_text: str
    owner: str
    what: str
    due_on: dt.date
    status: str


class RevisionOut(Schema):
    number: int
    goals: str
    review_on: dt.date
    person_agreed: bool
    agreed_on: dt.date | None
    agreement_how: str
    reason: str
    created_at: dt.datetime
    created_by_id: int
    actions: list[ActionOut]


class PlanOut(Schema):
    case_id: int
    version: int
    current: RevisionOut | None
    revisions: list[RevisionOut]


class ActionIn(StrictSchema):
    key: int | None = Field(None, ge=1, description="The action this row continues, from the previous revision.")
    owner_kind: Literal["organisation", "staff", "community_resource", "family"]
    owner_organisation_id: int | None = None
    owner_user_id: int | None = None
    owner_text: str = Field("", max_length=200)
    what: str = Field(max_length=500)
    due_on: PlannedDate
    status: Literal["planned", "in_progress", "done", "dropped"] = "planned"


class RevisionIn(StrictSchema):
    version: int | None = Field(None, ge=1, description="The plan's version the change is based on; 409 if stale.")
    goals: str = Field(max_length=TEXT_MAX)
    review_on: PlannedDate
    person_agreed: bool = False
    agreed_on: PastDate | None = None
    agreement_how: str = Field("", max_length=200)
    reason: str = Field("", max_length=500)
    actions: list[ActionIn] = Field(default_factory=list, max_length=50)


class RecordIn(StrictSchema):
    case_id: int | None = None
    organisation_id: int | None = Field(None, description="Defaults to the caller's first organisation.")
    kind: Literal["visit", "phone", "accompaniment", "meeting", "other"]
    occurred_at: PastMoment
    summary: str = Field(max_length=TEXT_MAX)


class RecordCorrectionIn(RecordIn):
    reason: str = Field(min_length=1, max_length=500, description="Why the record is corrected.")


class RecordOut(Schema):
    id: int
    household_id: int
    case_id: int | None
    kind: str
    occurred_at: dt.datetime
    summary: str
    organisation_id: int
    recorded_by_id: int
    corrects_id: int | None = Field(description="The record this entry corrects (kept, marked corrected).")
    corrected_by_id: int | None = Field(description="The entry that corrects this record, if any.")
    correction_reason: str


class TimelineIn(Schema):
    kind: Literal["", "visit", "phone", "accompaniment", "meeting", "other"] = ""
    case_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class TimelinePage(Schema):
    count: int
    items: list[RecordOut]


class ConferenceOut(Schema):
    id: int
    held_on: dt.date
    kind: str
    is_statutory_106_6: bool
    title: str
    convened_by_id: int
    participating_organisation_ids: list[int]
    minutes: str
    confidentiality_note: str
    case_ids: list[int]
    version: int


def _action(a: PlanAction) -> dict[str, Any]:
    return {
        **{
            n: getattr(a, n)
            for n in (
                "id",
                "key",
                "owner_kind",
                "owner_organisation_id",
                "owner_user_id",
                "owner_text",
                "what",
                "due_on",
                "status",
            )
        },
        "owner": a.owner_label(),
    }


def _revision(r: PlanRevision) -> dict[str, Any]:
    return {
        **{
            n: getattr(r, n)
            for n in (
                "number",
                "goals",
                "review_on",
                "person_agreed",
                "agreed_on",
                "agreement_how",
                "reason",
                "created_at",
                "created_by_id",
            )
        },
        "actions": [_action(a) for a in r.actions.all()],
    }


def _record(r: SupportRecord) -> dict[str, Any]:
    correction = r.correcting_entry
    return {
        **{
            n: getattr(r, n)
            for n in (
                "id",
                "household_id",
                "case_id",
                "kind",
                "occurred_at",
                "summary",
                "organisation_id",
                "recorded_by_id",
                "corrects_id",
                "correction_reason",
            )
        },
        "corrected_by_id": correction.pk if correction is not None else None,
    }


def _conference(c: Conference, case_ids: list[int]) -> dict[str, Any]:
    return {
        **{
            n: getattr(c, n)
            for n in (
                "id",
                "held_on",
                "kind",
                "is_statutory_106_6",
                "title",
                "convened_by_id",
                "minutes",
                "confidentiality_note",
                "version",
            )
        },
        "participating_organisation_ids": sorted(o.pk for o in c.participating_organisations.all()),
        "case_ids": case_ids,
    }


def _invalid(errors: list[dict[str, str]]) -> Status[dict[str, Any]]:
    return Status(422, {"detail": _("Please check the input."), "errors": errors})


def _errors(error: ValidationError) -> list[dict[str, str]]:
    return [{"field": name, "message": str(m)} for name, items in error.message_dict.items() for m in items]


def _plan_body(case: Any) -> dict[str, Any]:
    revisions = selectors.plan_revisions(case)
    plan = revisions[0].plan if revisions else None
    return {
        "case_id": case.pk,
        "version": plan.version if plan else 0,
        "current": _revision(revisions[0]) if revisions else None,
        "revisions": [_revision(r) for r in revisions],
    }


@router.get("/cases/{case_id}/plan", response={200: PlanOut, 404: ErrorOut}, summary="A case's support plan")
def read_plan(request: AuthenticatedRequest, case_id: int) -> dict[str, Any]:
    """The current revision and every earlier one, newest first."""
    case = access.access_case(request.user, case_id)
    record_read(request, case, action="plan.viewed", note="api")
    return _plan_body(case)


@router.post(
    "/cases/{case_id}/plan/revisions",
    response={201: PlanOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Write the next plan revision",
)
def revise_plan(request: AuthenticatedRequest, case_id: int, payload: RevisionIn) -> Status[dict[str, Any]]:
    """Answers 409 when ``version`` is not the plan's current version (someone revised it meanwhile)."""
    from tsunagiai.reference.models import Organisation

    case = access.access_case(request.user, case_id, for_edit=True)
    errors: list[dict[str, str]] = []
    org_ids = {a.owner_organisation_id for a in payload.actions if a.owner_organisation_id}
    user_ids = {a.owner_user_id for a in payload.actions if a.owner_user_id}
    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in=org_ids, active=True)}
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids, is_active=True)}
    rows = []
    for index, a in enumerate(payload.actions):
        if a.owner_organisation_id and a.owner_organisation_id not in orgs:
            errors.append(
                {"field": f"actions.{index}.owner_organisation_id", "message": _("Owner organisation: unknown.")}
            )
        if a.owner_user_id and a.owner_user_id not in users:
            errors.append({"field": f"actions.{index}.owner_user_id", "message": _("Owner staff member: unknown.")})
        rows.append(
            ActionInput(
                key=a.key,
                owner_kind=a.owner_kind,
                owner_organisation=orgs.get(a.owner_organisation_id or 0),
                owner_user=users.get(a.owner_user_id or 0),
                owner_text=a.owner_text,
                what=a.what,
                due_on=a.due_on,
                status=a.status,
            )
        )
    if errors:
        return _invalid(errors)
    try:
        do_revise_plan(
            case,
            acting_user=request.user,
            goals=payload.goals,
            review_on=payload.review_on,
            actions=rows,
            person_agreed=payload.person_agreed,
            agreed_on=payload.agreed_on,
            agreement_how=payload.agreement_how,
            reason=payload.reason,
            expected_version=payload.version,
        )
    except ValidationError as error:
        return _invalid(_errors(error))
    return Status(201, _plan_body(case))


@router.post(
    "/households/{household_id}/records",
    response={201: RecordOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Add a support record",
)
def create_record(request: AuthenticatedRequest, household_id: int, payload: RecordIn) -> Status[dict[str, Any]]:
    household = access.access_household(request.user, household_id, for_edit=True)
    organisation, case, errors = _record_inputs(request, household, payload)
    if organisation is None:
        return Status(403, {"detail": _("You may not add support records.")})
    if errors:
        return _invalid(errors)
    try:
        record = do_record_support(
            household,
            acting_user=request.user,
            organisation=organisation,
            kind=payload.kind,
            occurred_at=payload.occurred_at,
            summary=payload.summary,
            case=case,
        )
    except ValidationError as error:
        return _invalid(_errors(error))
    return Status(201, _record(record))


def _record_inputs(
    request: AuthenticatedRequest, household: Any, payload: RecordIn
) -> tuple[Any, Any, list[dict[str, str]]]:
    """The organisation (default: the caller's first) and case a record names, or the errors about them."""
    organisations = access.staff_organisations(request.user)
    errors: list[dict[str, str]] = []
    organisation = organisations[0] if organisations else None
    if payload.organisation_id is not None:
        chosen = next((o for o in organisations if o.pk == payload.organisation_id), None)
        if chosen is None:
            errors.append({"field": "organisation_id", "message": _("Organisation: choose one of your organisations.")})
        else:
            organisation = chosen
    case = None
    if payload.case_id is not None:
        case = access.editable_cases(request.user).filter(pk=payload.case_id, household=household).first()
        if case is None:
            errors.append({"field": "case_id", "message": _("Case: choose a case of this household.")})
    return organisation, case, errors


@router.post(
    "/records/{record_id}/corrections",
    response={201: RecordOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Correct a support record",
)
def correct_record(
    request: AuthenticatedRequest, record_id: int, payload: RecordCorrectionIn
) -> Status[dict[str, Any]]:
    """Write a correcting entry: the original is kept, marked corrected and linked to it (both appear on the
    timeline). The author's organisation or the coordination section may correct; 404 for anyone else.
    409 when the record has been corrected meanwhile (correct that correction instead)."""
    original = selectors.record_to_correct(request.user, record_id)
    organisation, case, errors = _record_inputs(request, original.household, payload)
    if organisation is None:
        raise Http404
    if errors:
        return _invalid(errors)
    try:
        correction = do_correct_support_record(
            original,
            acting_user=request.user,
            organisation=organisation,
            reason=payload.reason,
            kind=payload.kind,
            occurred_at=payload.occurred_at,
            summary=payload.summary,
            case=case,
        )
    except ValidationError as error:
        return _invalid(_errors(error))
    return Status(201, _record(correction))


@router.get(
    "/households/{household_id}/timeline", response={200: TimelinePage, 404: ErrorOut}, summary="Household timeline"
)
def timeline(request: AuthenticatedRequest, household_id: int, filters: Query[TimelineIn]) -> dict[str, Any]:
    """The household's support records across its cases, newest first, filtered and paginated."""
    household = access.access_household(request.user, household_id)
    record_read(request, household, action="timeline.viewed", note="api")
    queryset = selectors.household_records(
        request.user,
        household,
        TimelineFilters(
            kind=filters.kind, case_id=filters.case_id, date_from=filters.date_from, date_to=filters.date_to
        ),
    )
    items = list(queryset[filters.offset : filters.offset + filters.limit])
    return {"count": queryset.count(), "items": [_record(r) for r in items]}


class PageIn(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get("/conferences", response={200: list[ConferenceOut]}, summary="Conferences")
def conferences(request: AuthenticatedRequest, page: Query[PageIn]) -> list[dict[str, Any]]:
    """Conferences the caller's organisations take part in, newest first."""
    found = list(
        selectors.conference_list(request.user).prefetch_related("agenda")[page.offset : page.offset + page.limit]
    )
    record_list(request, "conference.listed", model=Conference, count=len(found), note="api")
    return [_conference(c, sorted(e.case_id for e in c.agenda.all())) for c in found]


@router.get("/conferences/{conference_id}", response={200: ConferenceOut, 404: ErrorOut}, summary="One conference")
def conference(request: AuthenticatedRequest, conference_id: int) -> dict[str, Any]:
    found = access.access_conference(request.user, conference_id)
    record_read(request, found, action="conference.viewed", note="api")
    return _conference(found, sorted(e.case_id for e in selectors.agenda_of(found)))
