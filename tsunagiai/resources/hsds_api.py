"""The read-only HSDS 3.0 API under /api/hsds/ (see config/hsds_api.py and docs/resources.md).

Public: no login, for the resources that are not staff-only. A signed-in staff
member (session, or ``Authorization: Bearer`` API token) also sees the staff-only
ones. Ids are the rows' ``hsds_id`` UUIDs; an unknown (or invisible) id is 404.
Paging as HSDS: ``page`` (from 1) and ``per_page`` (1–200); the answer carries
``total_items``, ``total_pages``, ``page_number``, ``size``, ``first_page``,
``last_page``, ``empty`` and ``contents``.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from tsunagiai.accounts import access
from tsunagiai.core.api import BearerTokenAuth
from tsunagiai.resources import hsds
from tsunagiai.resources.hsds_schema import HSDS_VERSION
from tsunagiai.resources.models import Location, Provider, Service, ServiceAtLocation
from tsunagiai.resources.selectors import visible_locations, visible_providers, visible_service_at_locations

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

router = Router(tags=["HSDS"])
MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50


def caller(request: HttpRequest) -> Any:
    """The signed-in user (session or API token), or the anonymous user."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    header = request.headers.get("Authorization")
    if header:
        token_user = BearerTokenAuth().authenticate(request, header)
        if token_user is not None:
            return token_user
    return user


class Paging(Schema):
    page: int = Field(1, ge=1, le=1_000_000, description="Page number of paginated result (from 1).")
    per_page: int = Field(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE, description="Results in a single page (1–200).")


class ServiceFilters(Paging):
    search: str = Field("", max_length=200, description="Full text search.")
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    modified_after: dt.datetime | None = None
    minimal: bool = False
    full: bool = False
    format: str = Field("json", pattern="^json$")


class OrganizationFilters(Paging):
    search: str = Field("", max_length=200)
    full: bool = False
    full_service: bool = False
    format: str = Field("json", pattern="^json$")


class TaxonomyFilters(Paging):
    search: str = Field("", max_length=200)
    format: str = Field("json", pattern="^json$")


class TermFilters(TaxonomyFilters):
    taxonomy_id: uuid.UUID | None = None
    top_only: bool = False
    parent_id: uuid.UUID | None = None


def page_of[T](
    items: QuerySet[Any] | Sequence[T], paging: Paging, emit: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    total = items.count() if isinstance(items, QuerySet) else len(items)
    pages = max(1, math.ceil(total / paging.per_page))
    start = (paging.page - 1) * paging.per_page
    rows = list(items[start : start + paging.per_page])
    return {
        "total_items": total,
        "total_pages": pages,
        "page_number": paging.page,
        "size": len(rows),
        "first_page": paging.page == 1,
        "last_page": paging.page >= pages,
        "empty": total == 0,
        "contents": [emit(row) for row in rows],
    }


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def _term(term_id: uuid.UUID) -> tuple[hsds.Vocabulary, str] | None:
    for vocabulary, term in hsds.all_terms():
        if vocabulary.term_id(term.code) == str(term_id):
            return vocabulary, term.code
    return None


def _filter_services(services: QuerySet[Service], filters: ServiceFilters) -> QuerySet[Service]:
    for word in filters.search.split():
        services = services.filter(
            Q(name__icontains=word) | Q(description__icontains=word) | Q(provider__name__icontains=word)
        )
    if filters.organization_id is not None:
        services = services.filter(provider__hsds_id=filters.organization_id)
    if filters.modified_after is not None:
        after = filters.modified_after
        if timezone.is_naive(after):
            after = timezone.make_aware(after)
        services = services.filter(updated_at__gte=after)
    if filters.taxonomy_id is not None:
        vocabulary = hsds.VOCABULARY_BY_ID.get(str(filters.taxonomy_id))
        relation = hsds.SERVICE_RELATION[vocabulary.key] if vocabulary else None
        services = services.filter(**{f"{relation}__isnull": False}).distinct() if relation else services.none()
    if filters.taxonomy_term_id is not None:
        found = _term(filters.taxonomy_term_id)
        if found is None:
            services = services.none()
        else:
            vocabulary, code = found
            services = services.filter(**{hsds.SERVICE_RELATION[vocabulary.key]: code})
    return services


def _ordered(services: QuerySet[Service]) -> QuerySet[Service]:
    return services.order_by("name", "id")


@router.get("/", summary="Information about this API and its HSDS profile", operation_id="getAPIMetaInformation")
def api_info(request: HttpRequest) -> dict[str, Any]:
    base = request.build_absolute_uri("/api/hsds/")
    return {
        "version": HSDS_VERSION,
        "profile": hsds.PROFILE,
        "openapi_url": f"{base}openapi.json",
        "publisher": getattr(settings, "RESOURCES_PUBLISHER", ""),
    }


@router.get("/services", summary="Services (paged, filtered)", operation_id="getServices")
def list_services(request: HttpRequest, filters: Query[ServiceFilters]) -> dict[str, Any]:
    user = caller(request)
    services = _filter_services(access.visible_services(user), filters)
    if filters.minimal:
        return page_of(
            _ordered(services).select_related("provider"), filters, lambda s: hsds.service_obj(s, full=False)
        )
    staff = access.may_see_internal_resources(user)
    page = page_of(_ordered(services).select_related("provider"), filters, lambda s: s)
    page["contents"] = hsds.service_objs(page["contents"], with_organization=filters.full, include_internal_flag=staff)
    return page


@router.get("/services/{id}", summary="One service, fully nested", operation_id="getServiceById")
def get_service(request: HttpRequest, id: str) -> dict[str, Any]:
    user = caller(request)
    service = hsds.service_queryset(access.visible_services(user)).filter(hsds_id=_uuid(id)).first()
    if service is None:
        raise Http404
    data = hsds.service_obj(
        service, with_organization=True, include_internal_flag=access.may_see_internal_resources(user)
    )
    sals = {str(s.hsds_id): s for s in service.service_at_locations.all()}
    data["service_at_locations"] = [
        hsds.service_at_location_obj(sals[item["id"]], service, with_location=True)
        for item in data["service_at_locations"]
    ]
    return data


def _organization_with(user: User, providers: list[Provider], *, services_too: bool) -> list[dict[str, Any]]:
    """Organizations with their (visible) locations and, for ``full``, their visible services."""
    ids = [p.pk for p in providers]
    locations: dict[int, list[Location]] = {}
    for location in visible_locations(user).filter(provider_id__in=ids).select_related("provider", "town_block"):
        locations.setdefault(location.provider_id, []).append(location)
    services: dict[int, list[dict[str, Any]]] = {}
    if services_too:
        staff = access.may_see_internal_resources(user)
        rows = list(_ordered(access.visible_services(user).filter(provider_id__in=ids).select_related("provider")))
        for service, data in zip(rows, hsds.service_objs(rows, include_internal_flag=staff), strict=True):
            services.setdefault(service.provider_id, []).append(data)
    result = []
    for provider in providers:
        data = hsds.organization_obj(provider, locations=locations.get(provider.pk, []))
        if services_too:
            data["services"] = services.get(provider.pk, [])
        result.append(data)
    return result


@router.get("/organizations", summary="Organizations (paged)", operation_id="getOrganizations")
def list_organizations(request: HttpRequest, filters: Query[OrganizationFilters]) -> dict[str, Any]:
    user = caller(request)
    providers = visible_providers(user).select_related("agency_type").order_by("kana", "name", "id")
    for word in filters.search.split():
        providers = providers.filter(Q(name__icontains=word) | Q(kana__icontains=word) | Q(description__icontains=word))
    page = page_of(providers, filters, lambda p: p)
    page["contents"] = _organization_with(user, page["contents"], services_too=filters.full or filters.full_service)
    return page


@router.get("/organizations/{id}", summary="One organization with its services", operation_id="getOrganizationById")
def get_organization(request: HttpRequest, id: str, full_service: bool = False) -> dict[str, Any]:
    user = caller(request)
    provider = visible_providers(user).filter(hsds_id=_uuid(id)).first()
    if provider is None:
        raise Http404
    return _organization_with(user, [provider], services_too=True)[0]


@router.get("/taxonomies", summary="Taxonomies: our kinds of service, target groups and issue categories")
def list_taxonomies(request: HttpRequest, filters: Query[TaxonomyFilters]) -> dict[str, Any]:
    vocabularies = [
        v
        for v in hsds.VOCABULARIES
        if all(w.lower() in f"{v.name} {v.description}".lower() for w in filters.search.split())
    ]
    return page_of(vocabularies, filters, lambda v: v.taxonomy())


@router.get("/taxonomies/{id}", summary="One taxonomy")
def get_taxonomy(request: HttpRequest, id: str) -> dict[str, Any]:
    vocabulary = hsds.VOCABULARY_BY_ID.get(str(_uuid(id)))
    if vocabulary is None:
        raise Http404
    return vocabulary.taxonomy()


@router.get("/taxonomy_terms", summary="Taxonomy terms (paged)")
def list_taxonomy_terms(request: HttpRequest, filters: Query[TermFilters]) -> dict[str, Any]:
    terms = hsds.all_terms()
    if filters.taxonomy_id is not None:
        terms = [(v, t) for v, t in terms if v.id == str(filters.taxonomy_id)]
    if filters.parent_id is not None:
        terms = []  # our taxonomies are flat: no term has a parent
    for word in filters.search.split():
        terms = [(v, t) for v, t in terms if word.lower() in f"{t.code} {t.label} {t.description}".lower()]
    return page_of(terms, filters, lambda pair: pair[0].term(pair[1], with_taxonomy=True))


@router.get("/taxonomy_terms/{id}", summary="One taxonomy term")
def get_taxonomy_term(request: HttpRequest, id: str) -> dict[str, Any]:
    found = [(v, t) for v, t in hsds.all_terms() if v.term_id(t.code) == str(_uuid(id))]
    if not found:
        raise Http404
    vocabulary, term = found[0]
    return vocabulary.term(term, with_taxonomy=True)


def _sal_queryset(user: User) -> QuerySet[ServiceAtLocation]:
    return (
        visible_service_at_locations(user)
        .select_related("location__provider", "location__town_block")
        .prefetch_related(Prefetch("service", queryset=hsds.service_queryset(Service.objects.all())))
        .order_by("service__name", "location__name", "id")
    )


@router.get("/service_at_locations", summary="Services at locations (paged, filtered)")
def list_service_at_locations(request: HttpRequest, filters: Query[ServiceFilters]) -> dict[str, Any]:
    user = caller(request)
    services = _filter_services(access.visible_services(user), filters)
    sals = _sal_queryset(user).filter(service__in=services.values("pk"))
    return page_of(sals, filters, lambda sal: _sal_full(sal, full=filters.full))


def _sal_full(sal: ServiceAtLocation, *, full: bool) -> dict[str, Any]:
    data = hsds.service_at_location_obj(sal, sal.service, with_location=True)
    if full:
        data["schedules"] = [hsds.schedule_obj(s, sal.service) for s in sal.service.schedules.all()]
    return data


@router.get("/service_at_locations/{id}", summary="One service at a location")
def get_service_at_location(request: HttpRequest, id: str) -> dict[str, Any]:
    sal = _sal_queryset(caller(request)).filter(hsds_id=_uuid(id)).first()
    if sal is None:
        raise Http404
    return _sal_full(sal, full=True)
