"""Staff users, their organisation memberships and roles, and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagiai.core import eras
from tsunagiai.core.models import TimeStampedModel


class Role(models.TextChoices):
    """What a member may do in an organisation (docs/glossary.md, Roles)."""

    INTAKE = "intake", _("intake only")
    CASEWORKER = "caseworker", _("caseworker")
    COORDINATOR = "coordinator", _("coordinator")
    SUPERVISOR = "supervisor", _("supervisor")
    VOLUNTEER = "volunteer", _("community volunteer")
    ANALYST = "analyst", _("analyst")
    ADMIN = "admin", _("administrator")
    AUDITOR = "auditor", _("auditor")


class User(AbstractUser):
    """A staff member or community volunteer who signs in."""

    class DateStyle(models.TextChoices):
        ERA = "era", _("Japanese era (令和7年4月1日)")
        WESTERN = "western", _("Western calendar (2025年4月1日)")

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    full_name_kana = models.CharField(_("full name (kana)"), max_length=200, blank=True)
    date_style = models.CharField(_("date style"), max_length=10, choices=DateStyle.choices, default=DateStyle.ERA)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


class Membership(TimeStampedModel):
    """A user's role in one organisation. A user may belong to several."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        "reference.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="unique_membership_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} / {self.organisation} / {self.get_role_display()}"


class ApiToken(models.Model):
    """A bearer token for the JSON API, bound to one user and revocable.

    Only a SHA-256 hash of the secret is stored; the secret is shown once.
    """

    PREFIX = "tsg_"

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("token name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} / {self.name}"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def new_secret(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class LoginLockout(models.Model):
    """One lockout of a user name from one address (django-axes counts; this keeps the evidence).

    Written when the failure limit is reached; attempts during the lockout are
    counted on the same row. The user name is what was typed — it need not
    belong to anyone — so it is kept as text, not as a link to a user.
    """

    username = models.CharField(_("user name"), max_length=255, db_index=True)
    ip_address = models.GenericIPAddressField(_("client address"), null=True, blank=True, db_index=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)
    locked_at = models.DateTimeField(_("locked at"), default=timezone.now, db_index=True)
    failure_count = models.PositiveIntegerField(_("failed attempts"))
    attempts_while_locked = models.PositiveIntegerField(_("attempts while locked"), default=0)
    last_attempt_at = models.DateTimeField(_("last attempt at"), default=timezone.now)
    unlocked_at = models.DateTimeField(_("unlocked at"), null=True, blank=True)
    unlocked_by = models.ForeignKey(
        User, verbose_name=_("unlocked by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("login lockout")
        verbose_name_plural = _("login lockouts")
        ordering = ["-locked_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.username} / {self.ip_address} / {eras.format_datetime(self.locked_at)}"
