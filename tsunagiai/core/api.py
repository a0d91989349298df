"""The API object, its authentication and its error format.

Errors always come back as JSON with a 4xx status and a message in the
user's language that names the field at fault::

    {"detail": "入力内容を確認してください。",
     "errors": [{"field": "birth_date", "message": "生年月日: 未来の日付は指定できません。"}]}
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Any

from django.apps import apps
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyHeader, SessionAuth
from pydantic import BeforeValidator

from tsunagiai.core.concurrency import EditConflict


class BearerTokenAuth(APIKeyHeader):
    """``Authorization: Bearer tsg_…`` — a revocable token bound to one user."""

    param_name = "Authorization"
    openapi_type = "http"
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        from tsunagiai.accounts.models import ApiToken

        if not key:
            return None
        scheme, _sep, secret = key.partition(" ")
        if scheme.lower() != "bearer" or not secret:
            return None
        try:
            token = ApiToken.objects.select_related("user").get(key_hash=ApiToken.hash_key(secret.strip()))
        except ApiToken.DoesNotExist:
            return None
        if not token.is_usable() or not token.user.is_active:
            return None
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        request.user = token.user
        return token.user


def _iso_date_text(value: Any) -> Any:
    """Dates in the API are ``YYYY-MM-DD`` text: pydantic would otherwise read ``0`` as 1970-01-01."""
    if isinstance(value, str | int | float) and not (
        isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-"
    ):
        raise ValueError(_("Enter a real date (YYYY-MM-DD)."))
    return value


# A date given as text in ISO form (query filters): use instead of ``dt.date`` where lax parsing would mislead.
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text)]


class Conflict(HttpError):
    def __init__(self, message: str) -> None:
        super().__init__(409, message)


@functools.cache
def _field_labels() -> dict[str, Any]:
    """Field name → verbose name, from every model, to name fields in API errors."""
    labels: dict[str, Any] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("tsunagiai."):
            continue
        for field in model._meta.get_fields():
            verbose = getattr(field, "verbose_name", None)
            if verbose and field.name not in labels:
                labels[field.name] = verbose
                attname = getattr(field, "attname", None)
                if attname:
                    labels.setdefault(attname, verbose)
    return labels


# Request fields that are no model's field, named for the error messages.
API_FIELD_LABELS = {"text": gettext_lazy("concern text")}


def field_label(name: str) -> str:
    label = _field_labels().get(name) or API_FIELD_LABELS.get(name)
    return str(label) if label else name


def _message_for(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in {"string_too_long", "too_long"}:
        return _("Enter at most %(max)s characters.") % {"max": ctx.get("max_length", ctx.get("max", ""))}
    if kind in {"string_too_short", "too_short"}:
        return _("Enter at least %(min)s characters.") % {"min": ctx.get("min_length", ctx.get("min", ""))}
    if kind.startswith("date") or kind.startswith("datetime"):
        return _("Enter a real date (YYYY-MM-DD).")
    if kind.startswith("int") or kind.startswith("float") or kind.startswith("decimal"):
        return _("Enter a number.")
    if kind.startswith("bool"):
        return _("Enter true or false.")
    if kind in {"string_type", "list_type", "dict_type", "model_type", "model_attributes_type"}:
        return _("The value has the wrong type.")
    if kind in {"literal_error", "enum"}:
        return _("Choose one of the allowed values.")
    if kind == "extra_forbidden":
        return _("This field is not accepted.")
    if kind == "value_error":
        # Our own validators raise ValueError with a translated message.
        return str(error.get("msg", "")).removeprefix("Value error, ")
    return _("The value is not valid.")


def format_validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    formatted = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in {"body", "payload", "query", "path"}]
        name = loc[-1] if loc else ""
        if name.isdigit() and len(loc) > 1:
            name = loc[-2]
        label = field_label(name) if name else _("request")
        formatted.append({"field": ".".join(loc), "message": f"{label}: {_message_for(error)}"})
    return formatted


def error_response(api: NinjaAPI, request: HttpRequest, status: int, detail: str, errors: Any = None) -> HttpResponse:
    body: dict[str, Any] = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


# Every operation can answer with the error format above: the document says so,
# so that clients (and the schema fuzzing in tests/test_api_fuzz.py) know the shape.
ERROR_STATUSES: dict[str, str] = {
    "400": "The request body is not valid JSON.",
    "401": "Authentication required.",
    "403": "Not allowed.",
    "404": "Not found (or not visible to the caller).",
    "409": "Someone else changed the record first.",
    "422": "The input is not valid; each error names the field.",
}
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


class TsunagiaiAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document lists the error responses of every operation."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        reference = {"$ref": "#/components/schemas/Error"}
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_STATUSES.items():
                    responses.setdefault(
                        status, {"description": description, "content": {"application/json": {"schema": reference}}}
                    )
        return document


def build_api() -> NinjaAPI:
    api = TsunagiaiAPI(
        title="Tsunagiai API",
        version="1",
        description=(
            "JSON API of Tsunagiai (つなぎ合い). The same access policy as the web UI applies to every "
            "operation: a record the caller may not see answers 404, exactly like one that does not exist."
        ),
        auth=[BearerTokenAuth(), SessionAuth()],
        urls_namespace="api",
        docs_url="/docs" if settings.DEBUG else None,
    )

    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = format_validation_errors(exc.errors)
        if any(e.get("type") == "json_invalid" for e in exc.errors):
            return error_response(api, request, 400, _("The request body is not valid JSON."))
        return error_response(api, request, 422, _("Please check the input."), errors)

    @api.exception_handler(EditConflict)
    def on_conflict(request: HttpRequest, exc: EditConflict) -> HttpResponse:
        return error_response(api, request, 409, str(exc))

    @api.exception_handler(OverflowError)
    def on_overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
        # A number too large for the database (SQLite refuses ints beyond 64 bits before
        # querying): no record has such an id, so it is an input error, not a server error.
        return error_response(
            api, request, 422, _("Please check the input."), [{"field": "", "message": _("A number is out of range.")}]
        )

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(api, request, 404, _("Not found."))

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(api, request, 401, _("Authentication required."))

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400 and "parse" in str(exc).lower():
            return error_response(api, request, 400, _("The request body is not valid JSON."))
        return error_response(api, request, exc.status_code, str(exc))

    from tsunagiai.core.api_routers import register_routers

    register_routers(api)
    return api
