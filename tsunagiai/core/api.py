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
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi import schema as ninja_openapi_schema
from ninja.schema import NinjaGenerateJsonSchema
from ninja.security import APIKeyHeader, SessionAuth
from ninja.security.base import SecuritySchema
from pydantic import AfterValidator, BaseModel, BeforeValidator
from pydantic.json_schema import CoreModeRef, DefsRef

from tsunagiai.core.concurrency import EditConflict
from tsunagiai.core.errors import ActionRefused
from tsunagiai.core.validation import PLANNING_HORIZON, api_date_check, api_moment_check


def user_for_bearer_token(header: str | None) -> Any:
    """The active user an ``Authorization: Bearer tsg_…`` header value stands for, or None."""
    from tsunagiai.accounts.models import ApiToken

    if not header:
        return None
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    try:
        token = ApiToken.objects.select_related("user").get(key_hash=ApiToken.hash_key(secret.strip()))
    except ApiToken.DoesNotExist:
        return None
    if not token.is_usable() or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


class BearerTokenAuth(APIKeyHeader):
    """``Authorization: Bearer tsg_…`` — a revocable token bound to one user."""

    param_name = "Authorization"

    def __init__(self) -> None:
        super().__init__()
        # An HTTP scheme has no "in"/"name" (OpenAPI 3.1): the header is implied by the scheme.
        self.openapi_security_schema = SecuritySchema(
            type="http", scheme="bearer", description="A revocable API token: `Authorization: Bearer tsg_…`."
        )

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = user_for_bearer_token(key)
        if user is not None:
            request.user = user
        return user


def _iso_date_text(value: Any) -> Any:
    """Dates in the API are ``YYYY-MM-DD`` text: pydantic would otherwise read ``0`` as 1970-01-01."""
    if isinstance(value, str | int | float) and not (
        isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-"
    ):
        raise ValueError(_("Enter a real date (YYYY-MM-DD)."))
    return value


# A date given as text in ISO form (query filters): use instead of ``dt.date`` where lax parsing would mislead.
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text)]

# Dates and moments typed into a write: plausible (core.validation), else 422 naming the field.
# What happened: 1900-01-01 … today (moments: now + a few minutes of clock skew).
PastDate = Annotated[dt.date, BeforeValidator(_iso_date_text), AfterValidator(api_date_check())]
PastMoment = Annotated[dt.datetime, AfterValidator(api_moment_check())]
# What is planned: 1900-01-01 … about five years ahead.
PlannedDate = Annotated[dt.date, BeforeValidator(_iso_date_text), AfterValidator(api_date_check(PLANNING_HORIZON))]


class Conflict(HttpError):
    def __init__(self, message: str) -> None:
        super().__init__(409, message)


@functools.cache
def _field_labels() -> dict[str, Any]:
    """Field name → verbose name, from every model, to name fields in API errors.

    The audit log is left out: nothing writes it through the API, and its ``occurred_at`` (発生日時) would
    otherwise name the support record's field of that name (日時) in the record API's errors.
    """
    labels: dict[str, Any] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("tsunagiai.") or model._meta.app_label == "audit":
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
    "413": "The request body is larger than the server accepts.",
    "422": "The input is not valid; each error names the field.",
    "503": "The database is unavailable for a moment; retry after the Retry-After seconds.",
}
# Every create accepts it (tsunagiai.core.middleware.IdempotencyMiddleware, docs/api.md).
IDEMPOTENCY_PARAMETER: dict[str, Any] = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": (
        "A key of your choice (1-255 visible ASCII characters, e.g. a UUID) to make a retry safe: "
        "repeating the request with the same key within 24 hours answers the first result again "
        "(with `Idempotent-Replayed: true`) instead of creating twice; the same key with another request "
        "answers 422."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
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


@functools.cache
def _colliding_schema_names() -> frozenset[str]:
    """Names that more than one of the project's pydantic models carry (e.g. each app's ``ErrorOut``)."""
    seen: dict[str, set[type]] = {}
    pending: list[type] = [BaseModel]
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if model.__module__.startswith("tsunagiai."):
            seen.setdefault(model.__name__, set()).add(model)
    return frozenset(name for name, models in seen.items() if len(models) > 1)


class UniqueNameJsonSchema(NinjaGenerateJsonSchema):
    """Component names unique across routers: a name two apps use gets the app's name in front.

    django-ninja keys ``components/schemas`` by the class name alone, so the second
    ``TransitionIn`` (or ``PatternOut``) silently replaced the first in the document.
    """

    def get_defs_ref(self, core_mode_ref: CoreModeRef) -> DefsRef:
        defs_ref = super().get_defs_ref(core_mode_ref)
        core_ref = core_mode_ref[0].rsplit(":", 1)[0]
        module, _dot, name = core_ref.rpartition(".")
        parts = module.split(".")
        if len(parts) > 1 and parts[0] == "tsunagiai" and name in _colliding_schema_names():
            unique = DefsRef(parts[1].title().replace("_", "") + name)
            self._prioritized_defsref_choices[unique] = [unique]
            return unique
        return defs_ref


# django-ninja builds every schema with the generator its OpenAPI module names: use ours.
ninja_openapi_schema.NinjaGenerateJsonSchema = UniqueNameJsonSchema  # type: ignore[attr-defined,misc]


class TsunagiaiAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI document lists the error responses of every operation."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        reference = {"$ref": "#/components/schemas/Error"}
        for operations in document.get("paths", {}).values():
            for method, operation in operations.items():
                if method == "post":
                    operation.setdefault("parameters", []).append(IDEMPOTENCY_PARAMETER)
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

    @api.exception_handler(DjangoValidationError)
    def on_refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        # An action's own check (defence in depth behind the schema and the forms): 422 naming the field.
        if hasattr(exc, "error_dict"):
            errors = [
                {"field": "" if name == "__all__" else name, "message": str(message)}
                for name, messages in exc.message_dict.items()
                for message in messages
            ]
        else:
            errors = [{"field": "", "message": str(message)} for message in exc.messages]
        return error_response(api, request, 422, _("Please check the input."), errors)

    @api.exception_handler(ActionRefused)
    def on_action_refused(request: HttpRequest, exc: ActionRefused) -> HttpResponse:
        # The rules refused the change (tsunagiai.core.errors): 422 naming the field(s).
        return error_response(api, request, 422, _("Please check the input."), exc.errors)

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

    from tsunagiai.accounts.access import NotLinkable

    @api.exception_handler(NotLinkable)
    def on_not_linkable(request: HttpRequest, exc: NotLinkable) -> HttpResponse:
        # A write named a record open to the caller only through an emergency access (read-only): an input error.
        return error_response(
            api, request, 422, _("Please check the input."), [{"field": exc.field, "message": str(exc)}]
        )

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
