"""Who must use a second factor, and the session's activity stamp at sign-in."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db.models import Q
from django.dispatch import receiver
from django.http import HttpRequest

from tsunagiai.accounts.models import User


def must_use_second_factor(user: User) -> bool:
    """True when the user opted in (a confirmed TOTP device) or an organisation they belong to requires it.

    One query, asked only while the session is not yet verified.
    """
    return (
        User.objects.filter(pk=user.pk)
        .filter(
            Q(totpdevice__confirmed=True) | Q(memberships__active=True, memberships__organisation__require_totp=True)
        )
        .exists()
    )


@receiver(user_logged_in, dispatch_uid="tsunagiai_stamp_activity_at_login")
def _stamp_activity_at_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    from tsunagiai.accounts.middleware import LAST_ACTIVITY_KEY

    if request is not None and hasattr(request, "session"):
        request.session[LAST_ACTIVITY_KEY] = time.time()
