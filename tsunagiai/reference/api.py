"""Reference data over the API: the vocabulary, areas and the organisation directory (read-only).

Any signed-in member of an organisation may read it, whatever their role;
a user without a membership gets 404, as for anything they may not see.
"""

from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import ValidationError
from ninja.pagination import LimitOffsetPagination, paginate

from tsunagiai.accounts import access
from tsunagiai.reference import selectors
from tsunagiai.reference.models import Area, Organisation, Term
from tsunagiai.reference.taxonomy import VOCABULARIES

router = Router(tags=["reference"])


def _require_member(request: HttpRequest) -> None:
    user = getattr(request, "auth", None) or request.user
    if not access.memberships(user):
        raise Http404


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError([{"loc": ("query", field), "type": "value_error", "msg": message}])


class TermOut(Schema):
    code: str
    label: str
    description: str


class TaxonomyOut(Schema):
    issue_categories: list[TermOut]
    household_patterns: list[TermOut]
    urgency_levels: list[TermOut]
    agency_types: list[TermOut]
    consulter_types: list[TermOut]
    intake_channels: list[TermOut]
    resource_service_types: list[TermOut]
    target_groups: list[TermOut]


class AreaOut(Schema):
    id: int
    code: str
    level: str
    level_label: str
    name: str
    kana: str
    parent: str | None
    is_sample: bool

    @staticmethod
    def resolve_level_label(obj: Area) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_parent(obj: Area) -> str | None:
        return obj.parent.code if obj.parent is not None else None


class AreaFilters(Schema):
    level: Area.Level | None = None
    parent: str | None = None


class OrganisationRefOut(Schema):
    id: int
    code: str
    name: str
    agency_type: str

    @staticmethod
    def resolve_agency_type(obj: Organisation) -> str:
        return obj.agency_type_id


class OrganisationOut(Schema):
    id: int
    code: str
    name: str
    kana: str
    agency_type: str
    agency_type_label: str
    parent: OrganisationRefOut | None
    covered_areas: list[str]
    phone: str
    address: str
    is_sample: bool

    @staticmethod
    def resolve_agency_type(obj: Organisation) -> str:
        return obj.agency_type_id

    @staticmethod
    def resolve_agency_type_label(obj: Organisation) -> str:
        return obj.agency_type.label

    @staticmethod
    def resolve_parent(obj: Organisation) -> Organisation | None:
        return obj.parent if obj.parent is not None and obj.parent.active else None

    @staticmethod
    def resolve_covered_areas(obj: Organisation) -> list[str]:
        return [area.code for area in obj.covered_areas.all()]


class OrganisationDetailOut(OrganisationOut):
    source: str
    note: str
    children: list[OrganisationRefOut]

    @staticmethod
    def resolve_children(obj: Organisation) -> list[Organisation]:
        return list(obj.children.all())


class OrganisationFilters(Schema):
    agency_type: str | None = None
    area: str | None = None


@router.get("/taxonomy", response=TaxonomyOut, summary="The shared vocabulary: every list with its codes and labels")
def get_taxonomy(request: HttpRequest) -> dict[str, list[Term]]:
    _require_member(request)
    return {
        key: list(model._default_manager.filter(active=True)) for key, (model, _description) in VOCABULARIES.items()
    }


@router.get("/areas", response=list[AreaOut], summary="Active areas, optionally of one level or under one parent")
def list_areas(request: HttpRequest, filters: Query[AreaFilters]) -> Any:
    _require_member(request)
    parent: Area | None = None
    if filters.parent:
        parent = selectors.area_by_code(filters.parent)
        if parent is None:
            raise _invalid("parent", _("Unknown area code."))
    return selectors.active_areas(level=filters.level, parent=parent)


@router.get(
    "/organisations", response=list[OrganisationOut], summary="The organisation directory, by agency type and area"
)
@paginate(LimitOffsetPagination)
def list_organisations(request: HttpRequest, filters: Query[OrganisationFilters]) -> Any:
    _require_member(request)
    area: Area | None = None
    if filters.agency_type and not selectors.active_agency_types().filter(code=filters.agency_type).exists():
        raise _invalid("agency_type", _("Unknown agency type."))
    if filters.area:
        area = selectors.area_by_code(filters.area)
        if area is None:
            raise _invalid("area", _("Unknown area code."))
    return selectors.organisation_directory(agency_type=filters.agency_type, area=area)


@router.get("/organisations/{organisation_id}", response=OrganisationDetailOut, summary="One organisation")
def get_organisation(request: HttpRequest, organisation_id: int) -> Organisation:
    _require_member(request)
    return selectors.organisation_detail(organisation_id)
