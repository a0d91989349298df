"""Intake (相談受付): one concern received at any window of any organisation."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagiai.core import eras
from tsunagiai.core.models import TrackedModel

CONCERN_MAX_LENGTH = 4000


class Intake(TrackedModel):
    """A consultation: who brought which concern about whom, and what was done first."""

    class Kind(models.TextChoices):
        STANDARD = "standard", _("consultation")
        VOLUNTEER_CONCERN = "volunteer_concern", _("community volunteer's concern")
        FIRE_REPORT = "fire_report", _("fire–welfare link report")

    class ConsentStatus(models.TextChoices):
        WRITTEN = "written", _("consent given in writing")
        ORAL = "oral", _("consent given orally")
        NOT_ASKED = "not_asked", _("not yet asked")
        REFUSED = "refused", _("refused")
        UNABLE = "unable", _("cannot be asked (e.g. cannot be contacted)")

    class FirstResponse(models.TextChoices):
        INFORMATION_ONLY = "information_only", _("information given, closed")
        CONNECT = "connect", _("connect to an agency")
        OPEN_CASE = "open_case", _("open a case")
        UNDECIDED = "undecided", _("not yet decided")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    class IncidentType(models.TextChoices):
        AMBULANCE = "ambulance", _("ambulance call")
        FIRE = "fire", _("fire")
        FIRE_PREVENTION_VISIT = "fire_prevention_visit", _("fire-prevention home visit")
        OTHER = "other", _("other")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.STANDARD, db_index=True)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    receiving_organisation = models.ForeignKey(
        "reference.Organisation",
        verbose_name=_("receiving organisation"),
        on_delete=models.PROTECT,
        related_name="intakes",
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_intakes",
        help_text=_("The community volunteer who reported the concern."),
    )
    channel = models.ForeignKey("reference.IntakeChannel", verbose_name=_("channel"), on_delete=models.PROTECT)
    consulter_type = models.ForeignKey("reference.ConsulterType", verbose_name=_("consulter"), on_delete=models.PROTECT)
    consulter_name = models.CharField(_("consulter's name"), max_length=100, blank=True)
    consulter_contact = models.CharField(_("consulter's contact"), max_length=100, blank=True)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intakes",
    )
    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intakes",
    )
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    subject_description = models.CharField(
        _("about whom (when not identified)"), max_length=200, blank=True, help_text=_("e.g. 80代女性・一人暮らし")
    )
    town_block = models.ForeignKey(
        "reference.TownBlock",
        verbose_name=_("where"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    address_line = models.CharField(_("address (after the town block)"), max_length=200, blank=True)
    concern = models.TextField(_("concern"), max_length=CONCERN_MAX_LENGTH)
    categories = models.ManyToManyField("reference.IssueCategory", verbose_name=_("categories"), blank=True)
    urgency = models.ForeignKey("reference.UrgencyLevel", verbose_name=_("urgency"), on_delete=models.PROTECT)
    consent_status = models.CharField(_("consent to share"), max_length=12, choices=ConsentStatus.choices)
    # The scope of a consent given at intake: with a person linked, it becomes a consent record
    # (docs/consent.md; recorded by the referrals app's receiver of intake_saved).
    consent_organisations = models.ManyToManyField(
        "reference.Organisation", verbose_name=_("organisations the consent covers"), blank=True, related_name="+"
    )
    first_response = models.CharField(
        _("first response"), max_length=20, choices=FirstResponse.choices, default=FirstResponse.UNDECIDED
    )
    first_response_note = models.TextField(_("first response note"), blank=True, max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    incident_at = models.DateTimeField(_("date and time of the call-out"), null=True, blank=True)
    incident_type = models.CharField(_("call-out"), max_length=30, choices=IncidentType.choices, blank=True)
    # The inbox items about this intake (their generic subject; tsunagiai.inbox.selectors.items_about),
    # deleted with it.
    inbox_items = GenericRelation("inbox.InboxItem", content_type_field="subject_type", object_id_field="subject_id")

    class Meta:
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["receiving_organisation", "-received_at"])]

    def __str__(self) -> str:
        return _("Intake #%(id)s") % {"id": self.pk}

    @property
    def is_emergency(self) -> bool:
        return self.urgency_id == "emergency"


class IntakeDraft(models.Model):
    """What a user has typed into an intake form but not yet saved.

    Kept server-side so that nothing typed is lost to a closed tab, a lost
    connection on a home visit, or an expired session.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="intake_drafts")
    kind = models.CharField(max_length=20, choices=Intake.Kind.choices, default=Intake.Kind.STANDARD)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("intake draft")
        verbose_name_plural = _("intake drafts")
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"{self.user} {eras.format_datetime(self.updated_at)}"
