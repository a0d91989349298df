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
        REFERRAL_RECEIVED = "referral_received", _("referral received")
        REFERRAL_UPDATED = "referral_updated", _("referral updated")
        REFERRAL_OVERDUE = "referral_overdue", _("referral overdue")
        REFERRAL_ESCALATED = "referral_escalated", _("referral nobody accepted (gap case)")
        LEAD_REQUEST = "lead_request", _("request to take the lead")
        COORDINATION_OVERSTAY = "coordination_overstay", _("coordination section still lead")
        ACTION_OVERDUE = "action_overdue", _("plan action overdue")
        PLAN_REVIEW_DUE = "plan_review_due", _("plan review due")
        NO_CONTACT = "no_contact", _("no contact for a long time")
        EMERGENCY_ACCESS = "emergency_access", _("emergency access to a record (break-the-glass)")
        REGIONAL_ISSUE = "regional_issue", _("regional issue proposed from unmet needs")

    organisation = models.ForeignKey(
        "reference.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="inbox_items"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("for"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="inbox_items",
        help_text=_("Set when the item is for one member of the organisation only."),
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
    url = models.CharField(_("link"), max_length=300, blank=True)
    # Periodic sweeps post an item once per situation: the key (e.g.
    # "referral:12:not_seen") is unique among open items, so running a sweep
    # twice, even at once, posts nothing twice.
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, editable=False)
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
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=models.Q(resolved_at__isnull=True, dedupe_key__isnull=False),
                name="one_open_inbox_item_per_key",
            )
        ]

    def __str__(self) -> str:
        return self.title
