"""Login is required everywhere, except the API, which answers 401 itself."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponseBase


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
