"""Request typing shared by every app's views."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from tsunagiai.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """A request past LoginRequiredMiddleware and django-htmx: ``user`` is a real user, ``htmx`` is set."""

    user: User
    htmx: HtmxDetails
