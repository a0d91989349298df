"""Sign-in security: who must use a second factor, the session's times, lockout evidence, credential changes.

Signal receivers here (connected in ``AccountsConfig.ready``):

- at sign-in (password or single sign-on): the session records when it was
  signed in and gets a fixed end (``SESSION_COOKIE_AGE`` from then), which
  activity does not move; the middleware ends it at that time;
- when django-axes locks a user name out from an address: one ``LoginLockout``
  row and one audit event per lockout (further attempts are counted on it);
- when a user's password changes or the user is deactivated, by whatever
  path (the settings page, ``manage.py changepassword``, a shell): every API
  token of theirs is revoked, audited.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.hashers import get_hasher, identify_hasher
from django.contrib.auth.signals import user_logged_in
from django.db.models import Q
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from tsunagiai.accounts.models import User

# When the session was signed in (seconds since the epoch); the absolute lifetime counts from here.
AUTHENTICATED_AT_KEY = "tsunagiai_authenticated_at"
# A user with neither a password here nor an authenticator (single sign-on only)
# proves who they are for a sensitive change by having signed in this recently.
RECENT_SIGN_IN_S = 5 * 60
# Set by an action on the user object it saves: who made the change (absent: outside the application).
ACTING_USER_ATTR = "_tsunagiai_acting_user"
_CHANGES_ATTR = "_tsunagiai_credential_changes"


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


def session_lifetime_s() -> int:
    return int(settings.SESSION_COOKIE_AGE)


def signed_in_at(request: HttpRequest) -> float | None:
    value = request.session.get(AUTHENTICATED_AT_KEY)
    return float(value) if isinstance(value, int | float) else None


@receiver(user_logged_in, dispatch_uid="tsunagiai_stamp_activity_at_login")
def _stamp_session_at_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    from tsunagiai.accounts.middleware import LAST_ACTIVITY_KEY

    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[AUTHENTICATED_AT_KEY] = now
    request.session[LAST_ACTIVITY_KEY] = now
    # A fixed end for the cookie and the stored session: saving the session
    # (the idle stamp) no longer pushes it back. The middleware ends the
    # session at the lifetime; the store keeps it one idle period longer so
    # that the login page can say why the user was signed out.
    ends = dt.datetime.fromtimestamp(now, tz=dt.UTC) + dt.timedelta(
        seconds=session_lifetime_s(), minutes=settings.IDLE_TIMEOUT_MINUTES
    )
    request.session.set_expiry(ends)


# --- lockouts ------------------------------------------------------------------------


@receiver(user_locked_out, dispatch_uid="tsunagiai_record_lockout")
def _record_lockout(
    sender: Any, request: HttpRequest | None, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    from tsunagiai.accounts.actions import do_record_lockout

    user_agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    failures = getattr(request, "axes_failures_since_start", None)
    do_record_lockout(
        username=username or "",
        ip_address=ip_address,
        user_agent=str(user_agent)[:255],
        failures=int(failures) if isinstance(failures, int) else settings.AXES_FAILURE_LIMIT,
    )


# --- credential changes ----------------------------------------------------------------


def _is_hash_upgrade(old_hash: str, instance: User) -> bool:
    """Django re-hashing the same password at sign-in (a newer hasher or more iterations), not a new password."""
    if getattr(instance, "_password", None) is not None:  # set_password() was called: a new password
        return False
    if not instance.has_usable_password():  # the password was taken away
        return False
    try:
        old_hasher = identify_hasher(old_hash)
    except ValueError:
        return False
    preferred = get_hasher("default")
    return bool(old_hasher.algorithm != preferred.algorithm or preferred.must_update(old_hash))


@receiver(pre_save, sender=User, dispatch_uid="tsunagiai_note_credential_changes")
def _note_credential_changes(
    sender: Any, instance: User, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    setattr(instance, _CHANGES_ATTR, [])
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    before = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    changes = []
    if before["password"] != instance.password and not _is_hash_upgrade(before["password"], instance):
        changes.append("password_changed")
    if before["is_active"] and not instance.is_active:
        changes.append("deactivated")
    setattr(instance, _CHANGES_ATTR, changes)


@receiver(post_save, sender=User, dispatch_uid="tsunagiai_revoke_tokens_on_credential_changes")
def _act_on_credential_changes(sender: Any, instance: User, raw: bool = False, **kwargs: Any) -> None:
    from tsunagiai.accounts.actions import do_record_credential_change

    changes: list[str] = getattr(instance, _CHANGES_ATTR, [])
    setattr(instance, _CHANGES_ATTR, [])
    acting_user = getattr(instance, ACTING_USER_ATTR, None)
    for reason in changes:
        do_record_credential_change(instance, acting_user=acting_user, reason=reason)
