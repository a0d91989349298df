"""Changing a user's own settings and API tokens."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagiai.accounts.models import ApiToken, User
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
