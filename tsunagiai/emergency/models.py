"""Break-the-glass: a time-limited, reasoned, announced and audited access to one record outside the team."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagiai.core import eras

REASON_MIN_LENGTH = 10
REASON_MAX_LENGTH = 1000


class EmergencyAccess(models.Model):
    """One user's emergency access to one person, household or case, valid from ``started_at`` to ``expires_at``."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=REASON_MAX_LENGTH)
    started_at = models.DateTimeField(_("started at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("emergency access")
        verbose_name_plural = _("emergency accesses")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(person__isnull=False, household__isnull=True, case__isnull=True)
                    | models.Q(person__isnull=True, household__isnull=False, case__isnull=True)
                    | models.Q(person__isnull=True, household__isnull=True, case__isnull=False)
                ),
                name="emergency_access_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {eras.format_datetime(self.started_at)}"
