"""Inboxes: what an organisation or a user must look at now."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagiai.inbox import kinds


class InboxItem(models.Model):
    """Something waiting for an organisation (or one user) to act on."""

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
    # A code registered by the app that posts the item (tsunagiai.inbox.kinds): no choices here, so a
    # new kind needs no migration of the inbox.
    kind = models.CharField(_("kind"), max_length=kinds.MAX_CODE_LENGTH)
    title = models.CharField(_("title"), max_length=200)
    # What the item is about (an intake, a case...), any model: the inbox knows no domain app. The app
    # that posts items about its model declares a GenericRelation to them, so they go when it goes.
    subject_type = models.ForeignKey(
        ContentType, verbose_name=_("subject type"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(_("subject"), null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
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
        indexes = [
            models.Index(fields=["organisation", "resolved_at"]),
            models.Index(fields=["subject_type", "subject_id"], name="inbox_item_subject"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=models.Q(resolved_at__isnull=True, dedupe_key__isnull=False),
                name="one_open_inbox_item_per_key",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def kind_label(self) -> str:
        """The kind as the app that posts it names it; its code when no app registers it (any more)."""
        return kinds.kind_label(self.kind)
