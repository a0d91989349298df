"""The people API under /api/v1/: persons and households, with the same access policy, forms and actions as the pages.

Input is checked twice, as in the pages: the strict schema of each operation
refuses wrong types, unknown fields (a ``my_number`` key included) and
over-long text; the page's form then checks dates, kana, phone numbers and
codes, so an API client gets the same field-named answers as staff at the
counter. Not visible answers 404 like not existing; a stale ``version`` 409.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from pydantic import ConfigDict, StrictBool, StrictInt

from tsunagiai.accounts import access
from tsunagiai.audit.actions import record_list, record_read
from tsunagiai.core.api import PastDate
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.people import selectors
from tsunagiai.people.actions import do_add_household_member, do_create_household, do_create_person, do_update_person
from tsunagiai.people.forms import HouseholdForm, OrganisationForm, PersonEditForm, PersonForm
from tsunagiai.people.models import Household, HouseholdMembership, Person, Relationship

router = Router(tags=["people"])
PAGE_SIZE = 50


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    detail: str
    errors: list[dict[str, str]] | None = None


# --- persons -----------------------------------------------------------------


class PersonFieldsIn(StrictSchema):
    given_name: str = Field("", max_length=50)
    family_name_kana: str = Field("", max_length=100)
    given_name_kana: str = Field("", max_length=100)
    birth_date: PastDate | None = None
    sex: str = Field("", max_length=10, description="female | male | other | empty")
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    postal_code: str = Field("", max_length=8)
    town_block_id: StrictInt | None = None
    address_line: str = Field("", max_length=200)
    care_level: str = Field("", max_length=12)
    certificate_physical: StrictBool = False
    certificate_intellectual: StrictBool = False
    certificate_mental: StrictBool = False
    public_assistance: StrictBool = False
    primary_language: str = Field("ja", max_length=10)
    needs_interpreter: StrictBool = False
    lives_alone: StrictBool = False
    employment_status: str = Field("", max_length=12)
    notes: str = Field("", max_length=2000)


class PersonIn(PersonFieldsIn):
    family_name: str = Field(max_length=50)
    organisation_id: StrictInt | None = Field(None, description="Registering organisation; defaults to the caller's.")


class PersonPatch(StrictSchema):
    """Only the fields sent change; ``version`` is the version the client read."""

    version: StrictInt = Field(ge=1)
    family_name: str | None = Field(None, max_length=50)
    given_name: str | None = Field(None, max_length=50)
    family_name_kana: str | None = Field(None, max_length=100)
    given_name_kana: str | None = Field(None, max_length=100)
    birth_date: PastDate | None = None
    sex: str | None = Field(None, max_length=10)
    phone: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=254)
    postal_code: str | None = Field(None, max_length=8)
    town_block_id: StrictInt | None = None
    address_line: str | None = Field(None, max_length=200)
    care_level: str | None = Field(None, max_length=12)
    certificate_physical: StrictBool | None = None
    certificate_intellectual: StrictBool | None = None
    certificate_mental: StrictBool | None = None
    public_assistance: StrictBool | None = None
    primary_language: str | None = Field(None, max_length=10)
    needs_interpreter: StrictBool | None = None
    lives_alone: StrictBool | None = None
    employment_status: str | None = Field(None, max_length=12)
    notes: str | None = Field(None, max_length=2000)


class HouseholdRef(Schema):
    id: int
    name: str
    relationship: str


class PersonOut(Schema):
    id: int
    version: int
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: dt.date | None
    age: int | None
    sex: str
    phone: str
    email: str
    postal_code: str
    town_block_id: int | None
    address_line: str
    care_level: str
    certificate_physical: bool
    certificate_intellectual: bool
    certificate_mental: bool
    public_assistance: bool
    primary_language: str
    needs_interpreter: bool
    lives_alone: bool
    employment_status: str
    notes: str
    registered_by_organisation_id: int
    household: HouseholdRef | None
    updated_at: dt.datetime


class PersonPage(Schema):
    count: int
    page: int
    pages: int
    items: list[PersonOut]


class PersonFilterIn(Schema):
    q: str = Field("", max_length=100)
    area_id: int | None = None
    page: int = Field(1, ge=1, le=100000)


def _person_out(person: Person) -> dict[str, Any]:
    membership = selectors.current_membership(person)
    data = {name: getattr(person, name) for name in PersonOut.model_fields if hasattr(person, name)}
    data["age"] = person.age()
    data["household"] = (
        {"id": membership.household_id, "name": str(membership.household), "relationship": membership.relationship}
        if membership
        else None
    )
    return data


_API_NAMES = {"town_block": "town_block_id", "organisation": "organisation_id"}


def _form_errors(*forms: Any) -> list[dict[str, str]]:
    errors = []
    for form in forms:
        for name, messages in form.errors.items():
            field = "" if name == "__all__" else _API_NAMES.get(name, name)
            errors += [{"field": field, "message": str(message)} for message in messages]
    return errors


def _form_data(payload: dict[str, Any]) -> dict[str, Any]:
    data = dict(payload)
    if "town_block_id" in data:
        data["town_block"] = data.pop("town_block_id")
    if "organisation_id" in data:
        data["organisation"] = data.pop("organisation_id")
    # A form reads None as "not given": send empty values instead.
    return {key: ("" if value is None else value) for key, value in data.items()}


def _invalid(errors: list[dict[str, str]]) -> Status[dict[str, Any]]:
    return Status(422, {"detail": _("Please check the input."), "errors": errors})


@router.get("/persons", response={200: PersonPage, 403: ErrorOut}, summary="List or search people")
def list_persons(request: AuthenticatedRequest, filters: Query[PersonFilterIn]) -> Status[dict[str, Any]]:
    """The people the caller may see; ``q`` searches names (kana/kanji, width, old forms) and birth dates."""
    # An item names its town block by id only: the block's row (and its area's) is not read.
    people = selectors.person_list(request.user, query=filters.q, area_id=filters.area_id).select_related(None)
    page = selectors.page_with_total(
        people, filters.page, PAGE_SIZE, in_one_query=selectors.total_with_the_page(request.user, filters.q)
    )
    asked = {"q": filters.q, "area": filters.area_id}
    record_list(request, "person.listed", model=Person, count=page.paginator.count, filters=asked, note="api")
    return Status(
        200,
        {
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "items": [_person_out(p) for p in page.object_list],
        },
    )


@router.post("/persons", response={201: PersonOut, 403: ErrorOut, 422: ErrorOut}, summary="Register a person")
def create_person(request: AuthenticatedRequest, payload: PersonIn) -> Status[dict[str, Any]]:
    data = _form_data(payload.model_dump())
    organisation_data = {"organisation": data.pop("organisation", "")}
    org_form = OrganisationForm(organisation_data, user=request.user)
    form = PersonForm(data)
    if not (form.is_valid() & org_form.is_valid()):
        return _invalid(_form_errors(form, org_form))
    person = do_create_person(
        acting_user=request.user, organisation=org_form.cleaned_data["organisation"], **form.cleaned_data
    )
    return Status(201, _person_out(person))


@router.get("/persons/{person_id}", response={200: PersonOut, 404: ErrorOut}, summary="One person")
def get_person(request: AuthenticatedRequest, person_id: int) -> Status[dict[str, Any]]:
    person = access.access_person(request.user, person_id)
    record_read(request, person, action="person.viewed", note="api")
    return Status(200, _person_out(person))


@router.patch(
    "/persons/{person_id}",
    response={200: PersonOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Change a person (with the version read)",
)
def update_person(request: AuthenticatedRequest, person_id: int, payload: PersonPatch) -> Status[dict[str, Any]]:
    person = access.access_person(request.user, person_id, for_edit=True)
    sent = payload.model_dump(exclude_unset=True)
    version = sent.pop("version")
    current = {name: getattr(person, name) for name in PersonForm.Meta.fields if name != "town_block"}
    current["town_block_id"] = person.town_block_id
    data = _form_data({**current, **sent})
    data["version"] = version
    form = PersonEditForm(data, instance=person)
    if not form.is_valid():
        return _invalid(_form_errors(form))
    changed = {name: form.cleaned_data[name] for name in _form_data(sent)}
    # EditConflict → 409 (tsunagiai.core.api): nothing is overwritten.
    do_update_person(person, acting_user=request.user, expected_version=version, **changed)
    return Status(200, _person_out(access.access_person(request.user, person_id)))


# --- households ----------------------------------------------------------------


class MemberIn(StrictSchema):
    person_id: StrictInt
    relationship: str = Field(max_length=20, description="head | spouse | child | …")
    started_on: PastDate | None = None


class HouseholdIn(StrictSchema):
    name: str = Field("", max_length=100)
    town_block_id: StrictInt | None = None
    address_line: str = Field("", max_length=200)
    notes: str = Field("", max_length=2000)
    organisation_id: StrictInt | None = None
    members: list[MemberIn] = Field(default_factory=list, max_length=30)


class MemberOut(Schema):
    person_id: int
    name: str
    name_kana: str
    relationship: str
    age: int | None
    care_level: str
    started_on: dt.date
    ended_on: dt.date | None
    end_reason: str


class PatternOut(Schema):
    code: str
    label: str
    reason: str


class HouseholdSummaryOut(Schema):
    id: int
    version: int
    name: str
    town_block_id: int | None
    address_line: str
    members: list[MemberOut]
    updated_at: dt.datetime


class HouseholdOut(HouseholdSummaryOut):
    past_members: list[MemberOut]
    patterns: list[PatternOut]
    organisations: list[dict[str, Any]]


class HouseholdPage(Schema):
    count: int
    page: int
    pages: int
    items: list[HouseholdSummaryOut]


class HouseholdFilterIn(Schema):
    q: str = Field("", max_length=100)
    area_id: int | None = None
    page: int = Field(1, ge=1, le=100000)


def _member_out(membership: HouseholdMembership) -> dict[str, Any]:
    person = membership.person
    return {
        "person_id": person.pk,
        "name": person.full_name,
        "name_kana": person.full_name_kana,
        "relationship": membership.relationship,
        "age": person.age(),
        "care_level": person.care_level,
        "started_on": membership.started_on,
        "ended_on": membership.ended_on,
        "end_reason": membership.end_reason,
    }


def _household_summary(household: Household, memberships: list[HouseholdMembership]) -> dict[str, Any]:
    return {
        "id": household.pk,
        "version": household.version,
        "name": str(household),
        "town_block_id": household.town_block_id,
        "address_line": household.address_line,
        "members": [_member_out(m) for m in memberships],
        "updated_at": household.updated_at,
    }


@router.get("/households", response={200: HouseholdPage, 403: ErrorOut}, summary="List households")
def list_households(request: AuthenticatedRequest, filters: Query[HouseholdFilterIn]) -> Status[dict[str, Any]]:
    households = selectors.household_list(request.user, query=filters.q, area_id=filters.area_id)
    page = selectors.page_with_total(
        households, filters.page, PAGE_SIZE, in_one_query=selectors.total_with_the_page(request.user, filters.q)
    )
    asked = {"q": filters.q, "area": filters.area_id}
    record_list(request, "household.listed", model=Household, count=page.paginator.count, filters=asked, note="api")
    return Status(
        200,
        {
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "items": [_household_summary(h, h.current_memberships) for h in page.object_list],  # type: ignore[attr-defined]
        },
    )


def _household_out(request: AuthenticatedRequest, household: Household) -> dict[str, Any]:
    view = selectors.household_view(request.user, household, today=timezone.localdate())
    data = _household_summary(household, view.current_memberships)
    data["past_members"] = [_member_out(m) for m in view.past_memberships]
    data["patterns"] = [{"code": p.code, "label": p.label, "reason": p.reason} for p in view.patterns]
    data["organisations"] = [{"id": o.pk, "name": o.name} for o in view.organisations]
    return data


@router.get("/households/{household_id}", response={200: HouseholdOut, 404: ErrorOut}, summary="One household")
def get_household(request: AuthenticatedRequest, household_id: int) -> Status[dict[str, Any]]:
    household = access.access_household(request.user, household_id)
    record_read(request, household, action="household.viewed", note="api")
    return Status(200, _household_out(request, household))


class _MemberRefused(Exception):
    """A member the action refused: its errors under ``members.<index>.<field>`` (and the household undone)."""

    def __init__(self, index: int, error: DjangoValidationError) -> None:
        super().__init__(str(error))
        items = error.message_dict.items() if hasattr(error, "error_dict") else [("", error.messages)]
        self.errors = [
            {"field": f"members.{index}.{name}" if name and name != "__all__" else f"members.{index}", "message": m}
            for name, messages in items
            for m in messages
        ]


@router.post("/households", response={201: HouseholdOut, 403: ErrorOut, 422: ErrorOut}, summary="Register a household")
def create_household(request: AuthenticatedRequest, payload: HouseholdIn) -> Status[dict[str, Any]]:
    if not (access.is_coordination(request.user) or access.organisation_ids(request.user, access.EDIT_ROLES)):
        raise HttpError(403, _("You may not register households."))
    data = _form_data(payload.model_dump(exclude={"members"}))
    organisation = data.pop("organisation", "")
    org_form = OrganisationForm({"organisation": organisation}, user=request.user)
    form = HouseholdForm(data)
    errors = [] if form.is_valid() & org_form.is_valid() else _form_errors(form, org_form)
    editable = access.editable_people(request.user)
    people = editable.in_bulk([m.person_id for m in payload.members])
    seen: set[int] = set()
    for index, member in enumerate(payload.members):
        field = f"members.{index}"
        if member.person_id not in people:
            errors.append({"field": f"{field}.person_id", "message": _("Member: no such person.")})
        elif member.person_id in seen:
            errors.append({"field": f"{field}.person_id", "message": _("Member: the person is listed twice.")})
        if member.relationship not in Relationship.values:
            errors.append(
                {
                    "field": f"{field}.relationship",
                    "message": _("Relationship: choose one of the listed relationships."),
                }
            )
        seen.add(member.person_id)
    if sum(1 for m in payload.members if m.relationship == Relationship.HEAD) > 1:
        errors.append({"field": "members", "message": _("Relationship: this household already has a head.")})
    if errors:
        return _invalid(errors)
    try:
        with transaction.atomic():
            household = do_create_household(
                acting_user=request.user, organisation=org_form.cleaned_data["organisation"], **form.cleaned_data
            )
            for index, member in enumerate(payload.members):
                try:
                    do_add_household_member(
                        household,
                        people[member.person_id],
                        relationship=member.relationship,
                        started_on=member.started_on,
                        acting_user=request.user,
                    )
                except DjangoValidationError as error:
                    raise _MemberRefused(index, error) from error
    except _MemberRefused as refused:
        return _invalid(refused.errors)
    except DjangoValidationError as error:
        return _invalid([{"field": "members", "message": str(m)} for m in error.messages])
    return Status(201, _household_out(request, household))
