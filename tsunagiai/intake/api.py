"""The intake API under /api/v1/intakes: the same access policy, forms and actions as the pages.

Input is checked twice, as in the pages: the strict schema refuses wrong
types, unknown fields and over-long text; the page's form then checks codes
against the taxonomy, dates and who may be linked, so an API client gets the
same answers, in the same words, as a member of staff at the counter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.schema import DjangoGetter
from pydantic import ConfigDict, ModelWrapValidatorHandler, ValidationInfo, model_validator

from tsunagiai.audit.actions import record_list, record_read
from tsunagiai.core.api import IsoDate, PastDate, PastMoment
from tsunagiai.core.errors import ActionRefused
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.intake import selectors
from tsunagiai.intake.actions import do_record_intake, do_update_intake
from tsunagiai.intake.forms import PERSON_PREFIX, IntakeEditForm, IntakeFilterForm, IntakeForm, PersonMode
from tsunagiai.intake.models import CONCERN_MAX_LENGTH, Intake
from tsunagiai.intake.selectors import IntakeFilters
from tsunagiai.people.forms import PersonForm
from tsunagiai.reference.models import TownBlock

router = Router(tags=["intakes"])

Code = str  # a taxonomy code, checked against its table by the form


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class NewPersonIn(StrictSchema):
    family_name: str = Field(max_length=50)
    given_name: str = Field("", max_length=50)
    family_name_kana: str = Field("", max_length=100)
    given_name_kana: str = Field("", max_length=100)
    birth_date: PastDate | None = None
    sex: Literal["", "female", "male", "other"] = ""
    phone: str = Field("", max_length=30)
    town_block: str | None = Field(None, max_length=40, description="Town block code")
    address_line: str = Field("", max_length=200)
    lives_alone: bool = False


class IntakeIn(StrictSchema):
    received_at: PastMoment | None = Field(None, description="Defaults to now; not in the future.")
    receiving_organisation_id: int | None = Field(None, description="Defaults to the caller's first organisation.")
    channel: Code = Field(max_length=40)
    consulter_type: Code = Field(max_length=40)
    consulter_name: str = Field("", max_length=100)
    consulter_contact: str = Field("", max_length=100)
    person_mode: Literal["found", "new", "anonymous"]
    person_id: int | None = Field(
        None, description="found: the person; new with household_choice=join: whose household to join."
    )
    new_person: NewPersonIn | None = None
    household_choice: Literal["none", "join", "new"] = "none"
    relationship: str = Field("", max_length=20)
    subject_description: str = Field("", max_length=200)
    town_block: str | None = Field(None, max_length=40, description="Town block code")
    address_line: str = Field("", max_length=200)
    concern: str = Field(max_length=CONCERN_MAX_LENGTH)
    categories: list[Code] = Field(default_factory=list, max_length=50)
    urgency: Code = Field(max_length=40)
    consent_status: str = Field(max_length=12)
    first_response: str = Field(Intake.FirstResponse.UNDECIDED, max_length=20)
    first_response_note: str = Field("", max_length=2000)


class IntakePatch(StrictSchema):
    version: int = Field(ge=1, description="The version the change is based on; 409 when someone saved since.")
    received_at: PastMoment | None = None
    receiving_organisation_id: int | None = None
    channel: Code | None = Field(None, max_length=40)
    consulter_type: Code | None = Field(None, max_length=40)
    consulter_name: str | None = Field(None, max_length=100)
    consulter_contact: str | None = Field(None, max_length=100)
    subject_description: str | None = Field(None, max_length=200)
    town_block: str | None = Field(None, max_length=40)
    address_line: str | None = Field(None, max_length=200)
    concern: str | None = Field(None, max_length=CONCERN_MAX_LENGTH)
    categories: list[Code] | None = Field(None, max_length=50)
    urgency: Code | None = Field(None, max_length=40)
    consent_status: str | None = Field(None, max_length=12)
    first_response: str | None = Field(None, max_length=20)
    first_response_note: str | None = Field(None, max_length=2000)
    status: str | None = Field(None, max_length=10)
    incident_at: PastMoment | None = None
    incident_type: str | None = Field(None, max_length=30)


class IntakeFilterIn(Schema):
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    receiving_organisation_id: int | None = None
    channel: str | None = Field(None, max_length=40)
    category: str | None = Field(None, max_length=40)
    urgency: str | None = Field(None, max_length=40)
    status: str | None = Field(None, max_length=10)
    kind: str | None = Field(None, max_length=20)
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class DictOut(Schema):
    """A response schema that checks a dict as pydantic does.

    Ninja wraps whatever a schema checks in a getter for model rows, one call per field; the intake
    API answers with dicts (``_out``), for which that cost a fifth of the list's time (50 × 30 fields).
    Anything else is checked as ninja does.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo) -> Any:
        if isinstance(values, dict):
            return handler(values)
        return handler(DjangoGetter(values, cls, info.context))


class OrganisationRef(DictOut):
    id: int
    name: str


class IntakeOut(DictOut):
    id: int
    kind: str
    received_at: dt.datetime
    receiving_organisation: OrganisationRef
    received_by_id: int | None
    reported_by_id: int | None
    channel: str
    consulter_type: str
    consulter_name: str
    consulter_contact: str
    person_id: int | None
    household_id: int | None
    is_anonymous: bool
    subject_description: str
    town_block: str | None
    address_line: str
    concern: str
    categories: list[str]
    urgency: str
    consent_status: str
    first_response: str
    first_response_note: str
    status: str
    closed_at: dt.datetime | None
    incident_at: dt.datetime | None
    incident_type: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class IntakePage(DictOut):
    count: int
    items: list[IntakeOut]


class ErrorOut(Schema):
    detail: str
    errors: list[dict[str, str]] | None = None


_OWN_FIELDS = (
    "id",
    "kind",
    "received_at",
    "received_by_id",
    "reported_by_id",
    "consulter_name",
    "consulter_contact",
    "person_id",
    "household_id",
    "is_anonymous",
    "subject_description",
    "address_line",
    "concern",
    "consent_status",
    "first_response",
    "first_response_note",
    "status",
    "closed_at",
    "incident_at",
    "incident_type",
    "version",
    "created_at",
    "updated_at",
)


def _out(intake: Intake) -> dict[str, Any]:
    return {
        **{name: getattr(intake, name) for name in _OWN_FIELDS},
        "receiving_organisation": {"id": intake.receiving_organisation.pk, "name": intake.receiving_organisation.name},
        "channel": intake.channel_id,
        "consulter_type": intake.consulter_type_id,
        "town_block": intake.town_block.code if intake.town_block else None,
        "categories": sorted(c.pk for c in intake.categories.all()),
        "urgency": intake.urgency_id,
    }


# The API's names for the form's fields where they differ.
_API_NAMES = {"receiving_organisation": "receiving_organisation_id"}


def _form_errors(*forms: Any) -> list[dict[str, str]]:
    result = []
    for form in forms:
        for name, messages in form.errors.items():
            field = _API_NAMES.get(name, name)
            if getattr(form, "prefix", None) == PERSON_PREFIX:
                field = f"new_person.{name}"
            result += [{"field": field if name != "__all__" else "", "message": str(m)} for m in messages]
    return result


def _town_block_pk(code: str | None, field: str, errors: list[dict[str, str]]) -> int | None:
    if not code:
        return None
    pk = TownBlock.objects.filter(code=code, active=True).values_list("pk", flat=True).first()
    if pk is None:
        errors.append({"field": field, "message": _("Town block: unknown code %(code)s.") % {"code": code}})
    return pk


def _raise_if(errors: list[dict[str, str]]) -> None:
    if errors:
        raise ActionRefused.several(errors)


@router.get("/", response={200: IntakePage, 403: ErrorOut, 422: ErrorOut}, summary="List intakes")
def list_intakes(request: AuthenticatedRequest, filters: Query[IntakeFilterIn]) -> Status[dict[str, Any]]:
    """The intakes the caller may see, newest first, filtered and paginated (``limit``/``offset``)."""
    queryset = _filtered(request, filters)
    items = _out_rows(queryset[filters.offset : filters.offset + filters.limit])
    count = queryset.count()
    asked = filters.model_dump(exclude={"limit", "offset"}, exclude_none=True)
    record_list(request, "intake.listed", model=Intake, count=count, filters=asked, note="api")
    return Status(200, {"count": count, "items": items})


# What ``_out`` reads of an intake's own columns, and of its receiving organisation and town block.
_ROW_VALUES = (
    *_OWN_FIELDS,
    "receiving_organisation_id",
    "receiving_organisation__name",
    "channel_id",
    "consulter_type_id",
    "town_block__code",
    "urgency_id",
)


def _out_rows(intakes: Any) -> list[dict[str, Any]]:
    """``_out`` of a page of intakes, read as values (no model rows): one query, and one for the categories."""
    rows = list(intakes.select_related(None).prefetch_related(None).values(*_ROW_VALUES))
    categories: dict[int, list[str]] = {row["id"]: [] for row in rows}
    if rows:
        through = Intake.categories.through.objects.filter(intake_id__in=list(categories))
        for intake_id, code in through.values_list("intake_id", "issuecategory_id"):
            categories[intake_id].append(code)
    return [
        {
            **{name: row[name] for name in _OWN_FIELDS},
            "receiving_organisation": {
                "id": row["receiving_organisation_id"],
                "name": row["receiving_organisation__name"],
            },
            "channel": row["channel_id"],
            "consulter_type": row["consulter_type_id"],
            "town_block": row["town_block__code"],
            "categories": sorted(categories[row["id"]]),
            "urgency": row["urgency_id"],
        }
        for row in rows
    ]


def _filtered(request: AuthenticatedRequest, filters: IntakeFilterIn) -> Any:
    raw = filters.model_dump(exclude={"limit", "offset"}, exclude_none=True)
    if "receiving_organisation_id" in raw:
        raw["receiving_organisation"] = raw.pop("receiving_organisation_id")
    form = IntakeFilterForm(raw, user=request.user)
    if not form.is_valid():
        raise ActionRefused.several(_form_errors(form))
    data = form.cleaned_data
    return selectors.intake_list(
        request.user,
        IntakeFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            receiving_organisation=data["receiving_organisation"],
            channel=data["channel"],
            category=data["category"],
            urgency=data["urgency"],
            status=data["status"],
            kind=data["kind"],
        ),
    )


@router.post("/", response={201: IntakeOut, 403: ErrorOut, 422: ErrorOut}, summary="Record an intake")
def create_intake(request: AuthenticatedRequest, payload: IntakeIn) -> Status[dict[str, Any]]:
    """Record a consultation, exactly as the intake page does (same checks, same alerts)."""
    form = _valid_intake_form(request, payload)
    intake = do_record_intake(acting_user=request.user, **form.action_arguments())
    return Status(201, _out(selectors.intake_detail(request.user, intake.pk)))


def _valid_intake_form(request: AuthenticatedRequest, payload: IntakeIn) -> IntakeForm:
    errors: list[dict[str, str]] = []
    data: dict[str, Any] = payload.model_dump(exclude={"new_person", "receiving_organisation_id"})
    data["town_block"] = _town_block_pk(payload.town_block, "town_block", errors)
    if payload.received_at is None:
        data.pop("received_at")
    if payload.receiving_organisation_id is not None:
        data["receiving_organisation"] = payload.receiving_organisation_id
    if payload.new_person is not None:
        # Fields the client left out take the person form's defaults (primary language …).
        defaults = {name: field.initial for name, field in PersonForm(prefix=PERSON_PREFIX).fields.items()}
        person = {**{k: v for k, v in defaults.items() if v not in (None, "")}, **payload.new_person.model_dump()}
        person["town_block"] = _town_block_pk(payload.new_person.town_block, "new_person.town_block", errors)
        data.update({f"{PERSON_PREFIX}-{key}": value for key, value in person.items() if value is not None})
    elif payload.person_mode == PersonMode.NEW:
        errors.append({"field": "new_person", "message": _("New person: enter the new person's details.")})
    _raise_if(errors)
    defaults = dict(IntakeForm(user=request.user).initial)
    for name in ("received_at", "receiving_organisation"):
        data.setdefault(name, defaults.get(name))
    form = IntakeForm(data, user=request.user)
    if not form.is_valid():
        raise ActionRefused.several(
            _form_errors(form, form.person_form) if payload.person_mode == "new" else _form_errors(form)
        )
    return form


@router.get("/{intake_id}", response={200: IntakeOut, 404: ErrorOut}, summary="Read an intake")
def get_intake(request: AuthenticatedRequest, intake_id: int) -> dict[str, Any]:
    """One intake; 404 for missing and not-visible alike."""
    intake = selectors.intake_detail(request.user, intake_id)
    record_read(request, intake, action="intake.viewed", note="api")
    return _out(intake)


@router.patch(
    "/{intake_id}", response={200: IntakeOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}, summary="Change an intake"
)
def patch_intake(request: AuthenticatedRequest, intake_id: int, payload: IntakePatch) -> Status[dict[str, Any]]:
    """Change the given fields; ``version`` must be the latest (409 otherwise, nothing overwritten)."""
    intake = selectors.intake_detail(request.user, intake_id, for_edit=True)
    changes = _valid_changes(request, intake, payload)
    do_update_intake(intake, acting_user=request.user, expected_version=payload.version, **changes)
    return Status(200, _out(selectors.intake_detail(request.user, intake.pk)))


def _valid_changes(request: AuthenticatedRequest, intake: Intake, payload: IntakePatch) -> dict[str, Any]:
    errors: list[dict[str, str]] = []
    patch = payload.model_dump(exclude_unset=True, exclude={"version"})
    if "receiving_organisation_id" in patch:
        patch["receiving_organisation"] = patch.pop("receiving_organisation_id")
    if "town_block" in patch:
        patch["town_block"] = _town_block_pk(patch["town_block"], "town_block", errors)
    _raise_if(errors)
    current = IntakeEditForm(user=request.user, intake=intake)
    unknown = [name for name in patch if name not in current.fields]
    if unknown:
        raise ActionRefused.several(
            [
                {"field": name, "message": _("%(field)s: this field cannot be changed here.") % {"field": name}}
                for name in unknown
            ]
        )
    data = {**current.initial, **{k: v for k, v in patch.items() if v is not None}, "version": payload.version}
    for name, value in patch.items():
        if value is None:
            data[name] = ""
    form = IntakeEditForm(data, user=request.user, intake=intake)
    if not form.is_valid():
        raise ActionRefused.several(_form_errors(form))
    return {name: form.cleaned_data[name] for name in patch}
