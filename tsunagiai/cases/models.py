"""Cases (C4): a household's coordinated support, with a team and one lead.

Assessment, plans, support records and conferences (C5, C6) live in the
support app and point at ``Case``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tsunagiai.core.models import TrackedModel


class Case(TrackedModel):
    """伴走支援の単位: a household (and its focus members) supported by a team with one lead."""

    class Status(models.TextChoices):
        INTAKE = "intake", pgettext_lazy("case status", "intake")
        ASSESSMENT = "assessment", pgettext_lazy("case status", "assessment")
        PLANNING = "planning", pgettext_lazy("case status", "planning")
        ACTIVE = "active", pgettext_lazy("case status", "active")
        MONITORING = "monitoring", pgettext_lazy("case status", "monitoring")
        CLOSED = "closed", pgettext_lazy("case status", "closed")

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
    # When the current lead took the lead (the latest LeadChange): the overstay rule counts from here.
    lead_since = models.DateTimeField(_("lead since"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    is_gap_case = models.BooleanField(_("gap case (制度の狭間)"), default=False)
    is_difficult = models.BooleanField(_("difficult case (支援困難)"), default=False)
    # Derived from the intakes' categories by the routing policy; stored so that lists can filter on it.
    is_multi_issue = models.BooleanField(_("multiple issues"), default=False, editable=False)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["lead_organisation", "status"])]

    def __str__(self) -> str:
        return self.title


class TeamBasis(models.TextChoices):
    """Why an organisation on the team may see the case's people (docs/consent.md).

    The same codes as a referral's sharing basis, so an accepted referral passes
    its basis on; ``intake`` is the organisation that took the consultation itself
    (nothing is disclosed to it).
    """

    CONSENT = "consent", _("the person's consent on record")
    LIFE_AND_SAFETY = "life_and_safety", _("protection of life, body or property (legal exception)")
    ABUSE_REPORT = "abuse_report", _("report of abuse (legal exception)")
    SUPPORT_CONFERENCE = "support_conference_106_6", _("support conference with a duty of confidentiality")
    INTAKE = "intake", _("took the consultation itself")


class TeamMember(models.Model):
    """An organisation (and optionally a named staff member) on a case's team, over time."""

    Basis = TeamBasis

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
    basis = models.CharField(
        _("basis for sharing"), max_length=30, choices=TeamBasis.choices, default=TeamBasis.CONSENT
    )
    basis_note = models.CharField(_("note on the basis"), max_length=300, blank=True)
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


class LeadChange(models.Model):
    """One change of the lead (主導役); the first row of a case records the opening lead. Append-only."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lead_changes")
    from_organisation = models.ForeignKey(
        "reference.Organisation",
        verbose_name=_("previous lead"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    to_organisation = models.ForeignKey(
        "reference.Organisation", verbose_name=_("new lead"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=1000)
    changed_at = models.DateTimeField(_("changed at"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("lead change")
        verbose_name_plural = _("lead changes")
        ordering = ["case_id", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_organisation or '—'} → {self.to_organisation}"


class LeadRequest(models.Model):
    """A team member's request to take the lead, decided by the current lead or the coordination section."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("lead request", "pending")
        ACCEPTED = "accepted", pgettext_lazy("lead request", "accepted")
        DECLINED = "declined", pgettext_lazy("lead request", "declined")
        WITHDRAWN = "withdrawn", pgettext_lazy("lead request", "withdrawn")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lead_requests")
    organisation = models.ForeignKey(
        "reference.Organisation", verbose_name=_("requesting organisation"), on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    reason = models.TextField(_("reason"), max_length=1000)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("lead request")
        verbose_name_plural = _("lead requests")
        ordering = ["case_id", "-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "organisation"],
                condition=models.Q(status="pending"),
                name="one_pending_lead_request_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_status_display()})"


class CaseStatusChange(models.Model):
    """One change of a case's status, with its reason (mandatory when reopening). Append-only."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("previous status"), max_length=20, choices=Case.Status.choices, blank=True)
    to_status = models.CharField(_("new status"), max_length=20, choices=Case.Status.choices)
    reason = models.TextField(_("reason"), max_length=1000, blank=True)
    changed_at = models.DateTimeField(_("changed at"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["case_id", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"
