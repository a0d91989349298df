"""Inboxes: what an organisation or a user must look at now."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InboxItem(models.Model):
    """Something waiting for an organisation (or one user) to act on."""

    class Kind(models.TextChoices):
        EMERGENCY_INTAKE = "emergency_intake", _("emergency intake")
        VOLUNTEER_CONCERN = "volunteer_concern", _("community volunteer's concern")
        FIRE_REPORT = "fire_report", _("fire–welfare link report")

    organisation = models.ForeignKey(
        "reference.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="inbox_items"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    intake = models.ForeignKey(
        "intake.Intake",
        verbose_name=_("intake"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="inbox_items",
    )
    is_urgent = models.BooleanField(_("urgent"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("inbox item")
        verbose_name_plural = _("inbox items")
        ordering = ["resolved_at", "-is_urgent", "-created_at"]
        indexes = [models.Index(fields=["organisation", "resolved_at"])]

    def __str__(self) -> str:
        return self.title
