"""Session hardening: absolute lifetime and idle timeout, the second factor, and the Permissions-Policy header."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from tsunagiai.accounts.security import must_use_second_factor, session_lifetime_s, signed_in_at

LAST_ACTIVITY_KEY = "tsunagiai_last_activity"
# The stamp is rewritten at most this often, not on every request, so that a
# busy page does not save the session each time.
_STAMP_GRANULARITY_S = 15

Handler = Callable[[HttpRequest], HttpResponseBase]


def _is_passive(request: HttpRequest) -> bool:
    """A timer-driven htmx poll: it must not count as the user being active."""
    if request.headers.get("HX-Request") != "true":
        return False
    trigger = request.headers.get("HX-Trigger", "")
    return trigger in settings.IDLE_PASSIVE_HX_TRIGGERS or request.headers.get("X-Tsunagiai-Poll") == "1"


class IdleSessionTimeoutMiddleware:
    """End a signed-in session at its absolute lifetime, or after ``IDLE_TIMEOUT_MINUTES`` without activity.

    Absolute lifetime: ``SESSION_COOKIE_AGE`` (8 hours) from sign-in, kept in
    the session at sign-in (``security.AUTHENTICATED_AT_KEY``, by password or
    single sign-on); activity does not extend it. A signed-in session without
    that time is not trusted and ends too.

    Idle timeout: the time of the last real request is kept in the session.
    Polling (the inbox refreshes itself every 30 seconds) is checked against
    the timeout but does not renew it.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            started = signed_in_at(request)
            if started is None or now - started >= session_lifetime_s():
                logout(request)
                return self._ended(request, "expired")
            last = request.session.get(LAST_ACTIVITY_KEY)
            limit = settings.IDLE_TIMEOUT_MINUTES * 60
            if isinstance(last, int | float) and now - last > limit:
                logout(request)
                return self._ended(request, "timeout")
            if not _is_passive(request) and (not isinstance(last, int | float) or now - last >= _STAMP_GRANULARITY_S):
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)

    @staticmethod
    def _ended(request: HttpRequest, why: str) -> HttpResponseBase:
        if request.path_info.startswith("/api/"):
            detail = (
                _("Your session ended after a period of inactivity.")
                if why == "timeout"
                else _("Your session ended: a sign-in lasts at most %(hours)s hours. Log in again.")
                % {"hours": f"{session_lifetime_s() / 3600:g}"}
            )
            return JsonResponse({"detail": detail}, status=401)
        query = {why: "1"}
        if request.method == "GET" and not request.headers.get("HX-Request"):
            query["next"] = request.get_full_path()
        url = f"{reverse('login')}?{urlencode(query)}"
        if request.headers.get("HX-Request") == "true":
            # htmx would swap the login page into a fragment; make it navigate.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)


# Pages a user who still owes the second factor may open.
_SECOND_FACTOR_OPEN_NAMES = (
    "accounts:otp_verify",
    "accounts:otp_setup",
    "logout",
    "login",
    "set_language",
    "healthz",
    "favicon",
)


class SecondFactorRequiredMiddleware:
    """After the password, a user who must use TOTP proves the code before anything else."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[union-attr,attr-defined]
            and not self._is_open(request)
            and must_use_second_factor(user)  # type: ignore[arg-type]
        ):
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": _("Enter your verification code first.")}, status=401)
            url = f"{reverse('accounts:otp_verify')}?{urlencode({'next': request.get_full_path()})}"
            if request.headers.get("HX-Request") == "true":
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
        return self.get_response(request)

    @staticmethod
    def _is_open(request: HttpRequest) -> bool:
        path = request.path_info
        if path.startswith(settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL):
            return True
        return any(path == reverse(name) for name in _SECOND_FACTOR_OPEN_NAMES)


class PermissionsPolicyMiddleware:
    """No page needs the camera, microphone, location or payment APIs: say so."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class AccessRuleMiddleware:
    """The first gate: every page declares its access rule (``tsunagiai.accounts.access``).

    A page without a rule is refused to everyone (deny by default); a user
    the rule does not admit gets 404 on a record's page and 403 on a
    role-gated list or form. The JSON API is gated per operation in the same
    way (``access.declare_api_rules``). Object-level checks follow in the view.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: dict[str, Any]
    ) -> HttpResponseBase | None:
        from tsunagiai.accounts import access

        if request.path_info.startswith("/api/"):
            return None
        match = request.resolver_match
        rule = access.page_rule(view_func, match.view_name if match else None)
        access.enforce_rule(request.user, rule, about_a_record=bool(view_kwargs))
        return None
