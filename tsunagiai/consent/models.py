"""Consent records (本人同意, SYSTEM.md C11): who agreed to share what with whom, until when.

A consent is never deleted: a withdrawal (撤回) is recorded on it and takes
effect at once, so the history of what was allowed when stays readable.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagiai.core import eras


class InformationScope(models.TextChoices):
    """Which kinds of information the person agreed to share."""

    BASIC = "basic", _("basic facts (name, address, household)")
    HEALTH = "health", _("health")
    DISABILITY = "disability", _("disability")
    CARE = "care", _("long-term care")
    FINANCES = "finances", _("finances")
    FAMILY = "family", _("family circumstances")
    HISTORY = "history", _("support history")


class Consent(models.Model):
    """One consent given by (or for) a person, with its scope, method, expiry and withdrawal."""

    class Method(models.TextChoices):
        WRITTEN = "written", _("written (signed)")
        ORAL = "oral", _("oral")

    class GivenBy(models.TextChoices):
        PERSON = "person", _("the person (本人)")
        PROXY = "proxy", _("a proxy (代理)")

    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="consents"
    )
    given_on = models.DateField(_("given on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    witness = models.CharField(
        _("witness"), max_length=100, blank=True, help_text=_("For oral consent: who else heard it.")
    )
    given_by = models.CharField(_("given by"), max_length=10, choices=GivenBy.choices, default=GivenBy.PERSON)
    proxy_name = models.CharField(_("proxy's name"), max_length=100, blank=True)
    proxy_relationship = models.CharField(_("proxy's relationship"), max_length=50, blank=True)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    policy_explained = models.BooleanField(_("handling rules explained"), default=False)
    scope_organisations = models.ManyToManyField(
        "reference.Organisation", verbose_name=_("organisations covered"), blank=True, related_name="+"
    )
    scope_agency_types = models.ManyToManyField(
        "reference.AgencyType", verbose_name=_("agency types covered"), blank=True, related_name="+"
    )
    # A short list of InformationScope codes: kept as JSON because it is read
    # with the consent and never queried on its own.
    scope_information = models.JSONField(_("information covered"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    # The intake whose answer on consent (with its scope) this record was made from, if any.
    intake = models.ForeignKey(
        "intake.Intake",
        verbose_name=_("intake"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by_organisation = models.ForeignKey(
        "reference.Organisation", verbose_name=_("recording organisation"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawal recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawal_note = models.CharField(_("withdrawal note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["person_id", "-given_on", "-id"]
        indexes = [models.Index(fields=["person", "withdrawn_at"])]
        constraints = [
            # An intake's answer becomes at most one consent record, however often the intake is saved.
            models.UniqueConstraint(
                fields=["intake"], condition=models.Q(intake__isnull=False), name="consent_one_per_intake"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id}: {eras.format_date(self.given_on)}"

    def is_valid_on(self, on: dt.date) -> bool:
        """In force on ``on``: given by then, not expired, not withdrawn (a withdrawal counts at once)."""
        if self.withdrawn_at is not None:
            return False
        if self.given_on > on:
            return False
        return self.expires_on is None or self.expires_on >= on

    def information_labels(self) -> list[str]:
        labels = dict(InformationScope.choices)
        return [str(labels.get(code, code)) for code in self.scope_information]
