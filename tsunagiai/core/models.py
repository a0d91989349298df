"""Base models shared by every domain app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Records when a row was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class TrackedModel(TimeStampedModel):
    """A record staff edit: who created and changed it, and an optimistic version.

    ``version`` goes up by one on every change made through an action. An edit
    submitted with an older version is refused (see ``core.concurrency``), so
    two people editing the same record never silently overwrite each other.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        abstract = True


class IdempotencyKey(models.Model):
    """An API create made with an ``Idempotency-Key`` header, and the answer it got (docs/api.md).

    Unique per user and key, so that two requests racing with the same key
    cannot both create. Kept for ``IDEMPOTENCY_KEY_RETENTION_HOURS``
    (``manage.py run_sweeps`` forgets older ones).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("idempotency key"), max_length=255)
    method = models.CharField(_("HTTP method"), max_length=10)
    path = models.CharField(_("request path"), max_length=2000)
    fingerprint = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), default=0)
    content_type = models.CharField(_("content type"), max_length=200, blank=True)
    body = models.TextField(_("response body"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
