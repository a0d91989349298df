"""The current request's client address, for the audit log.

Actions are called from views, the API, commands and tasks; rather than
thread the request through every call, a middleware keeps the address in a
context variable that ``record_audit_event`` reads (None outside a request).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

_ip_address: ContextVar[str | None] = ContextVar("tsunagiai_ip_address", default=None)


def current_ip_address() -> str | None:
    return _ip_address.get()


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # REMOTE_ADDR is what the WSGI server saw; behind a reverse proxy the
        # proxy must be configured to set it (see docs/deployment.md).
        token = _ip_address.set(request.META.get("REMOTE_ADDR") or None)
        try:
            return self.get_response(request)
        finally:
            _ip_address.reset(token)
