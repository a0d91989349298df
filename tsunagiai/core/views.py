"""The home page and the health check."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from tsunagiai.accounts import access


@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: answers 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


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
