"""The community API under /api/v1/community: the same access policy, actions and messages as the pages.

Help requests answer in two shapes: the staff shape (with the person and the
case, for the organisation that sent it and the social welfare council) and
the group shape (what was shared only) for group members and volunteers.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_list, record_read
from tsunagiai.community import selectors
from tsunagiai.community.actions import (
    do_assign_help_request,
    do_close_help_request,
    do_create_help_request,
    do_propose_participation,
    do_transition_participation,
)
from tsunagiai.community.models import HelpRequest, Participation, Volunteer
from tsunagiai.core.api import IsoDate, PastDate, PlannedDate
from tsunagiai.core.errors import ActionRefused
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.reference.models import ResourceServiceType, TownBlock

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

router = Router(tags=["community"])

ID = Field(ge=1, le=2**62)


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    detail: str
    errors: list[dict[str, str]] | None = None


class ResourceSearchIn(Schema):
    person_id: int | None = Field(None, ge=1, le=2**62)
    weekday: int | None = Field(None, ge=0, le=6, description="0 = Monday")
    service_type: str = Field("", max_length=40)
    cannot_travel: bool | None = None


class MatchOut(Schema):
    service_id: int
    service_hsds_id: str
    name: str
    provider: str
    score: int
    reasons: list[str]
    next_opening: dt.date | None
    opens_at: dt.time | None
    no_place: bool


class MatchesOut(Schema):
    case_id: int
    person_id: int | None
    count: int
    items: list[MatchOut]


class ParticipationOut(Schema):
    id: int
    case_id: int
    person_id: int
    service_id: int
    service: str
    status: str
    proposed_on: dt.date
    tried_on: dt.date | None
    continuing_since: dt.date | None
    stopped_on: dt.date | None
    stop_reason: str
    note: str
    version: int


class ParticipationIn(StrictSchema):
    person_id: int = ID
    service_id: int = ID
    note: str = Field("", max_length=2000)


class TransitionIn(StrictSchema):
    to: Literal["tried", "continuing", "stopped"]
    on: PastDate | None = None
    stop_reason: str = Field("", max_length=20)
    note: str | None = Field(None, max_length=2000)
    version: int = Field(ge=1, le=2**31)


class HelpRequestOut(Schema):
    id: int
    task: str
    description: str
    town_block: str
    elementary_district: str
    preferred_date: dt.date | None
    preferred_time: str
    group_id: int
    group: str
    status: str
    requested_at: dt.datetime
    identity_shared: bool
    shared_name: str
    shared_address: str
    shared_phone: str
    volunteer_ids: list[int]
    version: int
    # Staff shape only (absent, not empty, for group members and volunteers).
    person_id: int | None = None
    case_id: int | None = None


class HelpRequestPage(Schema):
    count: int
    items: list[HelpRequestOut]


class HelpFilterIn(Schema):
    status: Literal["requested", "assigned", "done", "could_not"] | None = None
    task: Literal["light_bulb", "weeding", "furniture", "rubbish", "other"] | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class HelpRequestIn(StrictSchema):
    group_id: int = ID
    task: Literal["light_bulb", "weeding", "furniture", "rubbish", "other"]
    description: str = Field(min_length=1, max_length=1000)
    town_block_id: int = ID
    preferred_date: PlannedDate | None = None
    preferred_time: Literal["any", "morning", "afternoon", "evening"] = "any"
    person_id: int | None = Field(None, ge=1, le=2**62)
    case_id: int | None = Field(None, ge=1, le=2**62)
    share_identity: bool = False


class AssignIn(StrictSchema):
    volunteer_ids: list[int] = Field(default_factory=list, max_length=50)
    version: int = Field(ge=1, le=2**31)


class CloseIn(StrictSchema):
    outcome: Literal["done", "could_not"]
    note: str = Field("", max_length=500)
    version: int = Field(ge=1, le=2**31)


class GroupStatsIn(Schema):
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None


class GroupStatsOut(Schema):
    group_id: int
    group: str
    requested: int
    done: int
    could_not: int
    open: int
    members: int


class VolunteerOut(Schema):
    id: int
    name: str
    kana: str
    skills: list[str]
    area_ids: list[int]
    availability: int
    active: bool


def _invalid(field: str, message: str) -> Status[dict[str, Any]]:
    return Status(422, {"detail": _("Please check the input."), "errors": [{"field": field, "message": message}]})


def _participation(p: Participation) -> dict[str, Any]:
    return {
        "id": p.pk,
        "case_id": p.case_id,
        "person_id": p.person_id,
        "service_id": p.service_id,
        "service": p.service.name,
        "status": p.status,
        "proposed_on": p.proposed_on,
        "tried_on": p.tried_on,
        "continuing_since": p.continuing_since,
        "stopped_on": p.stopped_on,
        "stop_reason": p.stop_reason,
        "note": p.note,
        "version": p.version,
    }


def _help(user: User, item: HelpRequest) -> dict[str, Any]:
    out = {
        "id": item.pk,
        "task": item.task,
        "description": item.description,
        "town_block": item.town_block.name,
        "elementary_district": item.town_block.elementary_district.name,
        "preferred_date": item.preferred_date,
        "preferred_time": item.preferred_time,
        "group_id": item.group_id,
        "group": item.group.name,
        "status": item.status,
        "requested_at": item.requested_at,
        "identity_shared": item.identity_shared,
        "shared_name": item.shared_name,
        "shared_address": item.shared_address,
        "shared_phone": item.shared_phone,
        "volunteer_ids": [v.pk for v in item.volunteers.all()],
        "version": item.version,
    }
    if access.sees_help_request_as_staff(user, item):
        out.update({"person_id": item.person_id, "case_id": item.case_id})
    return out


@router.get(
    "/cases/{case_id}/resources", response={200: MatchesOut, 404: ErrorOut, 422: ErrorOut}, summary="Find resources"
)
def find_resources(
    request: AuthenticatedRequest, case_id: int, search: Query[ResourceSearchIn]
) -> Status[dict[str, Any]]:
    """Community resources for one person of the case, best first, each with the reasons in words."""
    case = access.access_case(request.user, case_id)
    if search.service_type and not ResourceServiceType.objects.filter(code=search.service_type).exists():
        return _invalid("service_type", _("Kind of service: unknown kind."))
    if search.person_id is not None and search.person_id not in {p.pk for p in selectors.case_people(case)}:
        return _invalid("person_id", _("Person: not a member of this case's household."))
    result = selectors.find_resources(
        request.user,
        case,
        selectors.ResourceSearch(
            person_id=search.person_id,
            weekday=search.weekday,
            service_type=search.service_type,
            cannot_travel=search.cannot_travel,
        ),
    )
    items = [
        {
            "service_id": m.service.pk,
            "service_hsds_id": str(m.service.hsds_id),
            "name": m.service.name,
            "provider": m.service.provider.name,
            "score": m.score,
            "reasons": [str(r) for r in m.reasons],
            "next_opening": m.next_opening[0] if m.next_opening else None,
            "opens_at": m.next_opening[1] if m.next_opening else None,
            "no_place": m.no_place,
        }
        for m in result.matches
    ]
    person_id = result.person.pk if result.person else None
    found = {"results": result.total}
    record_read(request, case, action="community.resources_searched", note="api", person_id=person_id, details=found)
    return Status(
        200,
        {
            "case_id": case.pk,
            "person_id": result.person.pk if result.person else None,
            "count": result.total,
            "items": items,
        },
    )


@router.get(
    "/cases/{case_id}/participations", response={200: list[ParticipationOut], 404: ErrorOut}, summary="Participations"
)
def list_participations(request: AuthenticatedRequest, case_id: int) -> Status[list[dict[str, Any]]]:
    case = access.access_case(request.user, case_id)
    record_read(request, case, action="participation.listed", note="api")
    return Status(200, [_participation(p) for p in selectors.participations_of_case(request.user, case)])


@router.post(
    "/cases/{case_id}/participations",
    response={201: ParticipationOut, 404: ErrorOut, 422: ErrorOut},
    summary="Propose a resource",
)
def propose_participation(
    request: AuthenticatedRequest, case_id: int, payload: ParticipationIn
) -> Status[dict[str, Any]]:
    case = access.access_case(request.user, case_id, for_edit=True)
    people = {p.pk: p for p in selectors.case_people(case)}
    person = people.get(payload.person_id)
    if person is None:
        return _invalid("person_id", _("Person: not a member of this case's household."))
    service = selectors.proposable_services(request.user).filter(pk=payload.service_id).first()
    if service is None:
        return _invalid("service_id", _("Community resource: unknown or inactive resource."))
    orgs = access.staff_organisations(request.user)
    organisation = next((o for o in orgs if o.pk == case.lead_organisation_id), orgs[0] if orgs else None)
    if organisation is None:
        raise HttpError(403, _("You may not use this operation."))
    try:
        participation = do_propose_participation(
            case, person=person, service=service, organisation=organisation, acting_user=request.user, note=payload.note
        )
    except ActionRefused as exc:
        return _invalid({"person": "person_id", "service": "service_id"}.get(exc.field, exc.field), exc.message)
    return Status(201, _participation(participation))


@router.post(
    "/participations/{participation_id}/transition",
    response={200: ParticipationOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Move a participation",
)
def transition_participation(
    request: AuthenticatedRequest, participation_id: int, payload: TransitionIn
) -> Status[dict[str, Any]]:
    participation: Participation = access.access_participation(request.user, participation_id, for_edit=True)
    do_transition_participation(
        participation,
        to=payload.to,
        on=payload.on,
        stop_reason=payload.stop_reason,
        note=payload.note,
        acting_user=request.user,
        expected_version=payload.version,
    )
    return Status(200, _participation(participation))


@router.get("/help-requests", response={200: HelpRequestPage}, summary="Help requests")
def list_help_requests(request: AuthenticatedRequest, filters: Query[HelpFilterIn]) -> Status[dict[str, Any]]:
    """A group's own queue for its members; the organisation's requests for staff; all for 社協 and coordination."""
    queryset = selectors.help_queue(
        request.user, selectors.HelpFilters(status=filters.status or "", task=filters.task or "")
    )
    items = list(queryset[filters.offset : filters.offset + filters.limit])
    count = queryset.count()
    if access.is_staff_member(request.user):  # the staff side: names and cases (a group sees its own tasks)
        asked = {"status": filters.status, "task": filters.task}
        record_list(request, "help_request.listed", model=HelpRequest, count=count, filters=asked, note="api")
    return Status(200, {"count": count, "items": [_help(request.user, i) for i in items]})


@router.post("/help-requests", response={201: HelpRequestOut, 422: ErrorOut}, summary="Send a help request")
def create_help_request(request: AuthenticatedRequest, payload: HelpRequestIn) -> Status[dict[str, Any]]:
    group = selectors.mutual_help_groups().filter(pk=payload.group_id).first()
    if group is None:
        return _invalid("group_id", _("Group: not a mutual-help group."))
    block = TownBlock.objects.filter(pk=payload.town_block_id, active=True).first()
    if block is None:
        return _invalid("town_block_id", _("Town block: unknown town block."))
    # Only records seen without an emergency access may be named (the grant is for reading).
    person = None
    if payload.person_id is not None:
        person = access.linkable_people(request.user, among=[payload.person_id]).first()
        if person is None and access.emergency_only(
            request.user, access.visible_people(request.user, among=[payload.person_id]).first()
        ):
            return _invalid("person_id", str(access.NotLinkable("person_id", "person")))
        if person is None:
            return _invalid("person_id", _("For whom: not found among the people you may see."))
    case = None
    if payload.case_id is not None:
        case = access.linkable_cases(request.user).filter(pk=payload.case_id).first()
        if case is None and access.emergency_only(
            request.user, access.visible_cases(request.user).filter(pk=payload.case_id).first()
        ):
            return _invalid("case_id", str(access.NotLinkable("case_id", "case")))
        if case is None:
            return _invalid("case_id", _("Case: not found among the cases you may see."))
    orgs = access.staff_organisations(request.user)
    try:
        item = do_create_help_request(
            acting_user=request.user,
            organisation=orgs[0],
            group=group,
            task=payload.task,
            description=payload.description,
            town_block=block,
            preferred_date=payload.preferred_date,
            preferred_time=payload.preferred_time,
            person=person,
            case=case,
            share_identity=payload.share_identity,
        )
    except access.NotLinkable as refused:
        return _invalid(refused.field, str(refused))
    return Status(201, _help(request.user, selectors.help_queue(request.user, selectors.HelpFilters()).get(pk=item.pk)))


def _actionable(request: AuthenticatedRequest, help_request_id: int) -> HelpRequest:
    """The request, if the user may act on it (``access.actionable_help_request``): 404 unseen, 403 not theirs."""
    try:
        return access.actionable_help_request(request.user, help_request_id)
    except PermissionDenied:
        raise HttpError(403, _("You may not use this operation.")) from None


@router.post(
    "/help-requests/{help_request_id}/assign",
    response={200: HelpRequestOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Assign volunteers",
)
def assign_help_request(
    request: AuthenticatedRequest, help_request_id: int, payload: AssignIn
) -> Status[dict[str, Any]]:
    item = _actionable(request, help_request_id)
    volunteers = list(Volunteer.objects.filter(pk__in=payload.volunteer_ids))
    if len(volunteers) != len(set(payload.volunteer_ids)):
        return _invalid("volunteer_ids", _("Volunteers: unknown volunteer."))
    do_assign_help_request(item, volunteers=volunteers, acting_user=request.user, expected_version=payload.version)
    return Status(200, _help(request.user, selectors.help_queue(request.user, selectors.HelpFilters()).get(pk=item.pk)))


@router.post(
    "/help-requests/{help_request_id}/close",
    response={200: HelpRequestOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Close a help request",
)
def close_help_request(request: AuthenticatedRequest, help_request_id: int, payload: CloseIn) -> Status[dict[str, Any]]:
    item = _actionable(request, help_request_id)
    do_close_help_request(
        item, outcome=payload.outcome, note=payload.note, acting_user=request.user, expected_version=payload.version
    )
    return Status(200, _help(request.user, selectors.help_queue(request.user, selectors.HelpFilters()).get(pk=item.pk)))


@router.get("/groups/stats", response={200: list[GroupStatsOut], 422: ErrorOut}, summary="Group statistics")
def group_stats(request: AuthenticatedRequest, period: Query[GroupStatsIn]) -> Status[Any]:
    """Per mutual-help group over a period (default: the last twelve months): requests and members. Counts only."""
    today = timezone.localdate()
    date_to = period.date_to or today
    date_from = period.date_from or (date_to - dt.timedelta(days=364))
    if date_from > date_to:
        return _invalid("date_to", _("Until: must not be before the start of the period."))
    stats = selectors.group_stats(request.user, date_from, date_to)
    return Status(
        200,
        [
            {
                "group_id": s.group.pk,
                "group": s.group.name,
                "requested": s.requested,
                "done": s.done,
                "could_not": s.could_not,
                "open": s.open,
                "members": s.members,
            }
            for s in stats
        ],
    )


@router.get("/volunteers", response={200: list[VolunteerOut]}, summary="Volunteers")
def list_volunteers(request: AuthenticatedRequest) -> Status[list[dict[str, Any]]]:
    return Status(
        200,
        [
            {
                "id": v.pk,
                "name": v.name,
                "kana": v.kana,
                "skills": [s.code for s in v.skills.all()],
                "area_ids": [a.pk for a in v.areas.all()],
                "availability": v.availability,
                "active": v.active,
            }
            for v in selectors.volunteer_list(request.user)[:500]
        ],
    )
