"""Use suspension (利用停止): when and why a person's record was suspended, and when it was lifted.

The person carries the current state (``Person.use_suspended``, read by the
access policy); this table keeps every suspension with its reason, its legal
reference and who decided it, and is never deleted: lifting sets ``lifted_at``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagiai.core import eras

REASON_MAX = 2000


class LegalReference(models.TextChoices):
    """The article a suspension rests on (個人情報の保護に関する法律, 行政機関等: 第98条)."""

    UNLAWFUL_USE = "art98_1_1", _("Art. 98(1)(i): held, handled, obtained or used unlawfully — stop using or erase")
    UNLAWFUL_PROVISION = "art98_1_2", _("Art. 98(1)(ii): provided to others unlawfully — stop providing")
    OTHER = "other", _("other (explained in the reason)")


class UseSuspension(models.Model):
    """One suspension of the use of a person's record (利用停止), from its decision until it is lifted."""

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="use_suspensions"
    )
    legal_reference = models.CharField(_("legal reference"), max_length=20, choices=LegalReference.choices)
    reason = models.TextField(_("reason"), max_length=REASON_MAX)
    suspended_at = models.DateTimeField(_("suspended at"))
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("suspended by"), on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lifted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    lift_reason = models.TextField(_("reason for lifting"), max_length=REASON_MAX, blank=True)

    class Meta:
        verbose_name = _("use suspension")
        verbose_name_plural = _("use suspensions")
        ordering = ["-suspended_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(lifted_at__isnull=True), name="one_open_use_suspension_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {eras.format_date(self.suspended_at)}"

    @property
    def is_open(self) -> bool:
        return self.lifted_at is None
