"""Cases (C4): a household's coordinated support, with a team and one lead.

Assessment, plans, support records and conferences (C5, C6) live beside
these models in this app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagiai.core.models import TrackedModel


class Case(TrackedModel):
    """伴走支援の単位: a household (and its focus members) supported by a team with one lead."""

    class Status(models.TextChoices):
        INTAKE = "intake", _("intake")
        ASSESSMENT = "assessment", _("assessment")
        PLANNING = "planning", _("planning")
        ACTIVE = "active", _("active")
        MONITORING = "monitoring", _("monitoring")
        CLOSED = "closed", _("closed")

    household = models.ForeignKey(
        "people.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="cases"
    )
    focus_members = models.ManyToManyField(
        "people.Person", verbose_name=_("focus members"), blank=True, related_name="focus_of_cases"
    )
    intakes = models.ManyToManyField("intake.Intake", verbose_name=_("intakes"), blank=True, related_name="cases")
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.INTAKE, db_index=True)
    lead_organisation = models.ForeignKey(
        "reference.Organisation",
        verbose_name=_("lead organisation"),
        on_delete=models.PROTECT,
        related_name="led_cases",
    )
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    is_gap_case = models.BooleanField(_("gap case (制度の狭間)"), default=False)
    is_difficult = models.BooleanField(_("difficult case (支援困難)"), default=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return self.title


class TeamMember(models.Model):
    """An organisation (and optionally a named staff member) on a case's team, over time."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team_members")
    organisation = models.ForeignKey(
        "reference.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    role = models.CharField(_("role in the team"), max_length=100, blank=True)
    joined_at = models.DateTimeField(_("joined at"))
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["case_id", "joined_at", "id"]
        indexes = [models.Index(fields=["organisation", "left_at"])]

    def __str__(self) -> str:
        return f"{self.organisation}" + (f" / {self.user}" if self.user_id else "")
