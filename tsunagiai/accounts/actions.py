"""Changing a user's own settings, password and API tokens; recording and lifting login lockouts."""

from __future__ import annotations

import datetime as dt

from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagiai.accounts.models import ApiToken, LoginLockout, User
from tsunagiai.accounts.security import ACTING_USER_ATTR
from tsunagiai.audit.actions import record_audit_event


@transaction.atomic
def do_update_preferences(user: User, *, acting_user: User, date_style: str) -> User:
    before = user.date_style
    user.date_style = date_style
    user.save(update_fields=["date_style"])
    record_audit_event(
        "accounts.preferences_changed",
        acting_user=acting_user,
        obj=user,
        changes={"date_style": {"before": before, "after": date_style}},
    )
    return user


@transaction.atomic
def do_create_api_token(
    user: User, *, acting_user: User, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user``; the secret is returned once and never stored."""
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(user=user, name=name, key_hash=ApiToken.hash_key(secret), expires_at=expires_at)
    record_audit_event("accounts.api_token_created", acting_user=acting_user, obj=token)
    return token, secret


@transaction.atomic
def do_revoke_api_token(token: ApiToken, *, acting_user: User) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_audit_event("accounts.api_token_revoked", acting_user=acting_user, obj=token)
    return token


@transaction.atomic
def do_confirm_totp_device(device: TOTPDevice, *, acting_user: User) -> TOTPDevice:
    """The first correct code confirms a new authenticator; it replaces any earlier one."""
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_audit_event("accounts.second_factor_enabled", acting_user=acting_user, obj=device.user)
    return device


@transaction.atomic
def do_remove_totp_devices(user: User, *, acting_user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    record_audit_event("accounts.second_factor_removed", acting_user=acting_user, obj=user)


# --- password and credential changes ---------------------------------------------------


@transaction.atomic
def do_change_password(user: User, *, acting_user: User, new_password: str) -> User:
    """Set a new password. Saving it revokes the user's API tokens (``do_record_credential_change``)."""
    user.set_password(new_password)
    setattr(user, ACTING_USER_ATTR, acting_user)
    try:
        user.save(update_fields=["password"])
    finally:
        delattr(user, ACTING_USER_ATTR)
    return user


@transaction.atomic
def do_record_credential_change(user: User, *, acting_user: User | None, reason: str) -> int:
    """A user's password changed or the user was deactivated, by whatever path: audit it, revoke the tokens.

    Called when the user is saved (``tsunagiai.accounts.security``); ``acting_user``
    is None for a change made outside the application (``manage.py
    changepassword``, a shell). Sessions need nothing here: Django ends the
    user's other sessions when the password changes (the session keeps a hash
    of it), and an inactive user's session no longer signs anyone in.
    """
    action = {"password_changed": "accounts.password_changed", "deactivated": "accounts.user_deactivated"}[reason]
    record_audit_event(action, acting_user=acting_user, obj=user)
    return do_revoke_all_api_tokens(user, acting_user=acting_user, reason=reason)


@transaction.atomic
def do_revoke_all_api_tokens(user: User, *, acting_user: User | None, reason: str) -> int:
    """Revoke every API token of ``user`` not yet revoked; audited with the count and the reason."""
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if count:
        record_audit_event(
            "accounts.tokens_revoked", acting_user=acting_user, obj=user, changes={"count": count, "reason": reason}
        )
    return count


# --- login lockouts ---------------------------------------------------------------------


def _same_client(username: str, ip_address: str | None) -> dict[str, object]:
    return {"username": username, **({"ip_address": ip_address} if ip_address else {"ip_address__isnull": True})}


@transaction.atomic
def do_record_lockout(*, username: str, ip_address: str | None, user_agent: str, failures: int) -> LoginLockout:
    """django-axes locked ``username`` out from ``ip_address``: keep the evidence, audit the lockout once.

    Attempts while the lockout holds are counted on the same row (axes
    counts them as failures too, which extends the cool-off).
    """
    now = timezone.now()
    current = (
        LoginLockout.objects.select_for_update()
        .filter(**_same_client(username, ip_address), unlocked_at__isnull=True)
        .filter(last_attempt_at__gt=now - settings.AXES_COOLOFF_TIME)
        .order_by("-locked_at")
        .first()
    )
    if current is not None:
        LoginLockout.objects.filter(pk=current.pk).update(
            attempts_while_locked=F("attempts_while_locked") + 1, last_attempt_at=now
        )
        return current
    lockout = LoginLockout.objects.create(
        username=username[:255],
        ip_address=ip_address,
        user_agent=user_agent[:255],
        locked_at=now,
        last_attempt_at=now,
        failure_count=failures,
    )
    record_audit_event(
        "accounts.locked_out",
        acting_user=None,
        obj=lockout,
        changes={"username": lockout.username, "ip_address": ip_address, "locked_at": now, "failures": failures},
    )
    return lockout


@transaction.atomic
def do_unlock_login(lockout: LoginLockout, *, acting_user: User) -> LoginLockout:
    """An administrator lifts a lockout early: the user name may log in from that address again."""
    lockout = LoginLockout.objects.select_for_update().get(pk=lockout.pk)
    if lockout.unlocked_at is not None:
        return lockout
    # The database handler's records (AXES_HANDLER is axes' default, the database).
    _total, deleted = AccessAttempt.objects.filter(**_same_client(lockout.username, lockout.ip_address)).delete()
    cleared = deleted.get(AccessAttempt._meta.label, 0)
    lockout.unlocked_at = timezone.now()
    lockout.unlocked_by = acting_user
    lockout.save(update_fields=["unlocked_at", "unlocked_by"])
    record_audit_event(
        "accounts.login_unlocked",
        acting_user=acting_user,
        obj=lockout,
        changes={"username": lockout.username, "ip_address": lockout.ip_address, "attempts_cleared": cleared},
    )
    return lockout
