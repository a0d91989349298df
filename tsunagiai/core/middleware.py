"""Request hardening shared by every page and API operation (docs/security.md, docs/api.md).

- ``LoginRequiredExceptApiMiddleware``: login everywhere; the API answers 401 itself.
- ``NoStoreMiddleware``: nothing personal stays in the browser's cache.
- ``ControlCharacterMiddleware``: pages never see NUL and the other C0 controls.
- ``ApiGuardMiddleware``: every /api/ input checked once (control characters, pagination bounds,
  body size) and every /api/ error answered in the one JSON error format.
- ``IdempotencyMiddleware``: an API create retried with the same ``Idempotency-Key`` answers the
  first result again instead of creating a duplicate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, DataError, IntegrityError, InterfaceError, OperationalError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

logger = logging.getLogger(__name__)

Handler = Callable[[HttpRequest], HttpResponseBase]

# C0 controls except TAB, LF and CR, and DEL: nothing a person types, and PostgreSQL refuses NUL in text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Query parameters that page through a list: bounded for every API operation.
PAGINATION_PARAMETERS = frozenset({"offset", "limit", "page", "page_size", "per_page"})
PAGINATION_MAX = 2_147_483_647

# Paths whose responses may be cached: hashed static files, and the public HSDS API for callers
# who are not signed in (staff see staff-only resources there).
CACHEABLE_PREFIXES = ("/static/", "/favicon.ico")
PUBLIC_API_PREFIX = "/api/hsds/"

# How long a client may wait before retrying when the database is unavailable.
RETRY_AFTER_SECONDS = 5


def strip_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


class LoginRequiredExceptApiMiddleware(LoginRequiredMiddleware):
    """Deny by default for pages; the JSON API authenticates every operation itself.

    A redirect to the HTML login page would be the wrong answer to a program:
    /api/ operations are declared with ``auth=`` (bearer token or session) in
    ``tsunagiai.core.api`` and answer 401 in JSON.
    """

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every answer to a signed-in user and on the API.

    Record pages, API JSON, PDFs and CSV exports carry names: none may stay in
    the browser's disk cache (or a shared proxy's) after logout, and "back"
    after logout must ask the server again, which answers with the login page.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        path = request.path_info
        if path.startswith(CACHEABLE_PREFIXES):
            return response
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        if signed_in or (path.startswith("/api/") and not path.startswith(PUBLIC_API_PREFIX)):
            response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
            response["Pragma"] = "no-cache"
            response["Expires"] = "0"
        return response


def _cleaned(query: QueryDict) -> QueryDict | None:
    """A copy of ``query`` without control characters, or None when it has none."""
    if not any(CONTROL_CHARACTERS.search(v) for k, values in query.lists() for v in [k, *values]):
        return None
    cleaned = QueryDict(mutable=True, encoding=query.encoding)
    for key, values in query.lists():
        cleaned.setlist(strip_control_characters(key), [strip_control_characters(v) for v in values])
    cleaned._mutable = False
    return cleaned


class ControlCharacterMiddleware:
    """Pages: NUL, ESC, BEL and the other C0 controls (but TAB, LF, CR) are removed from every field.

    One place for every form, search box, htmx partial and autosaved draft: the
    view sees the text without them, so the form saves (or re-renders) with all
    else the user typed, and PostgreSQL never sees a NUL. The API refuses them
    instead (``ApiGuardMiddleware``): a program should learn that it sent them.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path_info.startswith("/api/"):
            if CONTROL_CHARACTERS.search(request.path_info):
                raise Http404  # no page has such a path; a text converter would pass it to the database
            cleaned_get = _cleaned(request.GET)
            if cleaned_get is not None:
                request.GET = cleaned_get  # type: ignore[assignment]
            if request.method == "POST" and request.content_type in {
                "application/x-www-form-urlencoded",
                "multipart/form-data",
            }:
                cleaned_post = _cleaned(request.POST)
                if cleaned_post is not None:
                    request.POST = cleaned_post  # type: ignore[assignment]
        return self.get_response(request)


def api_error(status: int, detail: str, errors: list[dict[str, str]] | None = None) -> JsonResponse:
    """The API's one error format (``tsunagiai.core.api``), for answers made outside an operation."""
    body: dict[str, Any] = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    return JsonResponse(body, status=status)


def _control_character_paths(value: Any, path: str = "") -> Iterator[str]:
    """The dotted paths (``members.0.role``) of the strings in a JSON value that hold control characters."""
    if isinstance(value, str):
        if CONTROL_CHARACTERS.search(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if CONTROL_CHARACTERS.search(str(key)):
                yield child
            else:
                yield from _control_character_paths(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _control_character_paths(item, f"{path}.{index}" if path else str(index))


def _field_error(path: str, message: str) -> dict[str, str]:
    from tsunagiai.core.api import field_label

    parts = [part for part in path.split(".") if part]
    name = parts[-1] if parts else ""
    if name.isdigit() and len(parts) > 1:
        name = parts[-2]
    label = field_label(name) if name else _("request")
    return {"field": path, "message": f"{label}: {message}"}


def _generic_detail(status: int) -> str:
    details = {
        400: _("The request is not valid."),
        401: _("Authentication required."),
        403: _("This operation is not allowed."),
        404: _("Not found."),
        405: _("This method is not allowed here."),
        409: _("Someone else changed the record first. Reload it and try again."),
        413: _("The request body is too large."),
        422: _("Please check the input."),
        429: _("Too many requests. Wait a moment and try again."),
        503: _("The service is temporarily unavailable. Try again shortly."),
    }
    return details.get(status, _("The server could not complete the request."))


class ApiGuardMiddleware:
    """Everything under /api/: inputs checked in one place, every error in the one JSON format.

    Before the operation: a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` answers 413;
    a control character in a query parameter or a JSON string answers 422 naming
    the field; ``offset``/``limit``/``page`` outside 0…2³¹−1 answer 422.
    After it: any answer of 400 or more that is not JSON (Django's 404 for an
    unknown path, ninja's plain-text 405, an HTML error page) becomes JSON, and
    exceptions become JSON too — the database unavailable or the connection lost
    503 with ``Retry-After``, a uniqueness race 409, a value the database cannot
    hold 422, anything else 500 without a traceback.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path_info.startswith("/api/"):
            return self.get_response(request)
        refusal = self._check(request)
        response = refusal if refusal is not None else self.get_response(request)
        if response.status_code >= 400 and "json" not in response.get("Content-Type", ""):
            converted = api_error(response.status_code, _generic_detail(response.status_code))
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    converted[header] = response[header]
            return converted
        return response

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        if CONTROL_CHARACTERS.search(request.path_info):
            return api_error(404, _("Not found."))
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            return self._too_large()
        errors: list[dict[str, str]] = []
        for key, value in ((k, v) for k, values in request.GET.lists() for v in values):
            if CONTROL_CHARACTERS.search(key) or CONTROL_CHARACTERS.search(value):
                errors.append(_field_error(key, _("Control characters (such as NUL) are not allowed.")))
            elif key in PAGINATION_PARAMETERS and not _within_bounds(value):
                errors.append(
                    _field_error(key, _("Enter a number from 0 to %(max)s.") % {"max": f"{PAGINATION_MAX:,}"})
                )
        if request.method in {"POST", "PUT", "PATCH"} and "json" in (request.content_type or ""):
            try:
                body = request.body
            except RequestDataTooBig:
                return self._too_large()
            try:
                data = json.loads(body) if body else None
            except (ValueError, RecursionError):
                data = None  # the operation answers 400 for a body that is not JSON
            refused = _("Control characters (such as NUL) are not allowed.")
            errors.extend(_field_error(path, refused) for path in _control_character_paths(data))
        if errors:
            return api_error(422, _("Please check the input."), errors)
        return None

    @staticmethod
    def _too_large() -> JsonResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        return api_error(413, _("The request body is too large (at most %(size)s bytes).") % {"size": f"{limit:,}"})

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path_info.startswith("/api/"):
            return None
        return self.answer_for(request, exception)

    @classmethod
    def answer_for(cls, request: HttpRequest, exception: Exception) -> HttpResponse:
        """The JSON answer to an exception under /api/."""
        if isinstance(exception, RequestDataTooBig):
            return cls._too_large()
        if isinstance(exception, OperationalError | InterfaceError):
            logger.warning("API %s %s: database unavailable: %s", request.method, request.path, exception)
            response = api_error(503, _generic_detail(503))
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        if isinstance(exception, IntegrityError):
            logger.warning("API %s %s: integrity race: %s", request.method, request.path, exception)
            return api_error(409, _generic_detail(409))
        if isinstance(exception, DataError):
            logger.warning("API %s %s: value out of range: %s", request.method, request.path, exception)
            return api_error(
                422, _("Please check the input."), [{"field": "", "message": _("A value is out of range.")}]
            )
        logger.error("API %s %s failed", request.method, request.path, exc_info=exception)
        return api_error(500, _generic_detail(500))


def _within_bounds(value: str) -> bool:
    text = value.strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        return True  # not a number: the operation's own validation names the field
    if len(text.lstrip("+-").lstrip("0")) > 10:
        return False
    return 0 <= int(text) <= PAGINATION_MAX


IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
IDEMPOTENCY_KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")


def idempotency_retention() -> dt.timedelta:
    return dt.timedelta(hours=settings.IDEMPOTENCY_KEY_RETENTION_HOURS)


class IdempotencyMiddleware:
    """``Idempotency-Key`` on API creates: a retry after a lost answer gets the first answer again.

    The key is kept per user with the request's method, path and a hash of its
    body, together with the answer, in the same transaction as the create: a
    crash before the commit leaves neither the record nor the key (the retry then
    creates it once); after the commit the retry gets the stored answer with
    ``Idempotent-Replayed: true``. Two requests racing with one key meet on the
    unique constraint and the second is answered from the first. The same key
    with another request answers 422. Only successful answers are kept; an error
    leaves the key unused so that a corrected retry can proceed.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None or request.method != "POST" or not request.path_info.startswith("/api/v1/"):
            return self.get_response(request)
        if not IDEMPOTENCY_KEY_PATTERN.fullmatch(key):
            return api_error(
                422,
                _("Please check the input."),
                [
                    {
                        "field": IDEMPOTENCY_HEADER,
                        "message": f"{IDEMPOTENCY_HEADER}: "
                        + _("Use 1 to 255 visible ASCII characters (a UUID, for example)."),
                    }
                ],
            )
        user = self._caller(request)
        if user is None:
            return self.get_response(request)  # the operation answers 401 itself
        return self._once(request, user, key)

    @staticmethod
    def _caller(request: HttpRequest) -> Any:
        from tsunagiai.core.api import user_for_bearer_token

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return user_for_bearer_token(request.headers.get("Authorization"))

    @staticmethod
    def _fingerprint(request: HttpRequest) -> str:
        digest = hashlib.sha256()
        for part in (request.method or "", request.path_info, request.content_type or ""):
            digest.update(part.encode() + b"\n")
        digest.update(request.body)
        return digest.hexdigest()

    def _once(self, request: HttpRequest, user: User, key: str) -> HttpResponseBase:
        try:
            return self._run_once(request, user, key)
        except DatabaseError as exc:
            # The database went away around the key itself: the same answer as inside an operation.
            return ApiGuardMiddleware.answer_for(request, exc)

    def _run_once(self, request: HttpRequest, user: User, key: str) -> HttpResponseBase:
        from tsunagiai.core.models import IdempotencyKey

        fingerprint = self._fingerprint(request)
        keys = IdempotencyKey.objects.filter(user=user, key=key)
        earlier = keys.first()
        if earlier is not None and earlier.created_at >= timezone.now() - idempotency_retention():
            return self._replay(earlier, fingerprint)
        try:
            with transaction.atomic():
                if earlier is not None:
                    earlier.delete()  # expired, not yet swept: the key may be used again
                record = IdempotencyKey.objects.create(
                    user=user, key=key, method=request.method or "", path=request.path_info, fingerprint=fingerprint
                )
                response = self.get_response(request)
                if 200 <= response.status_code < 300 and isinstance(response, HttpResponse):
                    record.status_code = response.status_code
                    record.content_type = response.get("Content-Type", "")
                    record.body = response.content.decode(response.charset or "utf-8")
                    record.save(update_fields=["status_code", "content_type", "body"])
                else:
                    transaction.set_rollback(True)
        except IntegrityError:
            # Another request with this key committed first (it held the key while it ran).
            earlier = keys.first()
            if earlier is None:
                raise
            return self._replay(earlier, fingerprint)
        return response

    @staticmethod
    def _replay(earlier: Any, fingerprint: str) -> HttpResponse:
        if earlier.fingerprint != fingerprint:
            return api_error(
                422,
                _("Please check the input."),
                [
                    {
                        "field": IDEMPOTENCY_HEADER,
                        "message": f"{IDEMPOTENCY_HEADER}: " + _("This key was already used for a different request."),
                    }
                ],
            )
        response = HttpResponse(earlier.body, status=earlier.status_code, content_type=earlier.content_type)
        response[REPLAY_HEADER] = "true"
        return response


def sweep_idempotency_keys(now: dt.datetime) -> int:
    """Forget keys older than ``IDEMPOTENCY_KEY_RETENTION_HOURS`` (run by ``manage.py run_sweeps``)."""
    from tsunagiai.core.models import IdempotencyKey

    deleted, _counts = IdempotencyKey.objects.filter(created_at__lt=now - idempotency_retention()).delete()
    return deleted
