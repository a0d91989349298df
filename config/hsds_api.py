"""The public, read-only HSDS 3.0 API under /api/hsds/ (Open Referral), a second NinjaAPI.

Separate from /api/v1 (which always requires authentication): this one is the
city's resource guide, readable without login. Its operations are declared in
the access policy like every other (``access.HSDS_API_RULES``, all ``public``)
and gated by ``declare_api_rules``; the operations themselves leave staff-only
resources out unless the caller is signed-in staff.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from tsunagiai.accounts.access import declare_api_rules
from tsunagiai.core.api import error_response, format_validation_errors
from tsunagiai.resources.hsds_api import router

hsds_api = NinjaAPI(
    title="Tsunagiai HSDS 3.0 API",
    version="3.0",
    description="Community resources as Human Services Data Specification 3.0 (Open Referral), read-only.",
    auth=None,
    urls_namespace="hsds",
    docs_url=None,
)


@hsds_api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(hsds_api, request, 422, _("Please check the input."), format_validation_errors(exc.errors))


@hsds_api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(hsds_api, request, 404, _("Not found."))


@hsds_api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(hsds_api, request, exc.status_code, str(exc))


hsds_api.add_router("/", router)
declare_api_rules(hsds_api)
