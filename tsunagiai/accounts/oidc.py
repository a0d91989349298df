"""OpenID Connect single sign-on, for a city with its own identity provider.

The provider proves who someone is; Tsunagiai decides what they may do. A
signed-in claim is matched to an existing, active user (by default the
``email`` claim to ``User.email``); nobody is created and no role comes from
the provider: memberships stay managed in Tsunagiai.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from tsunagiai.accounts.models import User


class ExistingUserOIDCBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        value = claims.get(settings.OIDC_MATCH_CLAIM)
        if not value or not isinstance(value, str):
            return User.objects.none()
        lookup = f"{settings.OIDC_MATCH_FIELD}__iexact"
        return User.objects.filter(is_active=True, **{lookup: value})

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get(settings.OIDC_MATCH_CLAIM))

    def create_user(self, claims: dict[str, Any]) -> None:
        # Never reached while OIDC_CREATE_USER is False; refuse in any case.
        return None
