"""What triage suggested for an intake, beside what staff chose (C7: it suggests; staff decide)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TriageSuggestion(models.Model):
    """The suggestion computed server-side from the saved concern, and staff's choice at that save.

    The chosen categories and urgency are a snapshot: later edits of the
    intake update this row at their own save (the audit log keeps each
    before/after), and an edit elsewhere never rewrites what was chosen here.
    """

    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("accepted as suggested")
        CHANGED = "changed", _("changed by staff")
        NO_SUGGESTION = "no_suggestion", _("nothing was suggested")

    intake = models.OneToOneField(
        "intake.Intake", verbose_name=_("intake"), on_delete=models.CASCADE, related_name="triage_suggestion"
    )
    suggested_categories = models.JSONField(_("suggested categories"), default=list)
    scores = models.JSONField(_("category scores"), default=dict)
    suggested_urgency = models.CharField(_("suggested urgency"), max_length=20)
    cues = models.JSONField(_("urgency cues"), default=list)
    # Situation rules that held (negated ones included), as in the API: name, level, negated, facts (text, start, end).
    situations = models.JSONField(_("situations"), default=list, blank=True)
    # Calibrated probability that the note is an emergency; None without a calibration (and for rows stored before it).
    emergency_probability = models.FloatField(_("calibrated probability of an emergency"), null=True, blank=True)
    # Shown as 「緊急の可能性 — 確認してください」 rather than the suggested urgency (the suggestion was unsure).
    possible_emergency = models.BooleanField(_("possible emergency"), default=False)
    evidence = models.JSONField(_("words behind the categories"), default=list)
    patterns = models.JSONField(_("suggested patterns"), default=list)
    lead = models.CharField(_("suggested lead"), max_length=40, blank=True)
    agencies = models.JSONField(_("suggested agencies"), default=list)
    can_suggest = models.BooleanField(_("a suggestion could be made"), default=True)
    low_confidence = models.BooleanField(_("low confidence"), default=False)
    model_version = models.CharField(_("model version"), max_length=100)
    chosen_categories = models.JSONField(_("chosen categories"), default=list)
    chosen_urgency = models.CharField(_("chosen urgency"), max_length=20)
    decision = models.CharField(_("staff decision"), max_length=20, choices=Decision.choices)
    training_opt_in = models.BooleanField(_("use the correction to improve the suggestions"), default=False)
    opted_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opted in by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("triage suggestion")
        verbose_name_plural = _("triage suggestions")
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return _("Triage suggestion for intake #%(id)s") % {"id": self.intake_id}
