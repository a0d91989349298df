"""The home page and the health checks."""

from __future__ import annotations

import logging
import uuid

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from tsunagiai.accounts import access

logger = logging.getLogger(__name__)

# /readyz must answer quickly even when a service hangs: a statement on PostgreSQL is cut after this long
# (connecting is bounded by connect_timeout in DATABASE_URL, see deploy/tsunagiai.env.example).
READY_DATABASE_TIMEOUT_MS = 2000


@login_not_required
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for whatever the page links: the static icon, for everyone."""
    return redirect(static("favicon.ico"), permanent=True)


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness, for the process supervisor: the process answers requests. Touches no other service."""
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness, for the proxy or load balancer: 200 when the database and the cache answer, else 503.

    The body names each check and "ok" or "unavailable" — never an error text, which could carry a host
    name or a password from a connection string (the error goes to the log).
    """
    checks = {"database": _database_ready(), "cache": _cache_ready()}
    ready = all(checks.values())
    return JsonResponse(
        {
            "status": "ok" if ready else "unavailable",
            "checks": {name: "ok" if ok else "unavailable" for name, ok in checks.items()},
        },
        status=200 if ready else 503,
    )


def _database_ready() -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"SET LOCAL statement_timeout = {READY_DATABASE_TIMEOUT_MS}")
            cursor.execute("SELECT 1")
    except Exception:
        logger.exception("readyz: the database does not answer")
        return False
    return True


def _cache_ready() -> bool:
    key = f"readyz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=10)
        answered: bool = cache.get(key) == "1"
        cache.delete(key)
    except Exception:
        logger.exception("readyz: the cache does not answer")
        return False
    if not answered:
        logger.error("readyz: the cache did not return what was stored")
    return answered


def home(request: HttpRequest) -> HttpResponse:
    """Each role starts where its work is."""
    user = request.user
    if access.is_staff_member(user):
        return redirect("intake:list")
    if access.is_volunteer(user):
        return redirect("intake:my_reports")
    return render(request, "core/home.html", {})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent with a stale or missing CSRF token: say what to do, in the user's language."""
    return render(request, "403_csrf.html", status=403)
