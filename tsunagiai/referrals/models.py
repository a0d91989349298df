"""Closed-loop referrals (C3, つなぎ合う): one organisation asks another to support a person or case.

The state machine lives in one table, ``TRANSITIONS``; ``Referral.transition_to``
refuses every move that is not in it. Every change is also an append-only
``ReferralEvent`` (who, when, from, to, why) that both sides see.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tsunagiai.consent import errors as consent_errors
from tsunagiai.core.models import TrackedModel


class IllegalTransition(Exception):
    """The referral cannot move from its state to the one asked for."""


class ConsentMissing(consent_errors.ConsentMissing):
    """Sending on the basis of consent, and no consent on record covers the receiving organisation.

    ``people`` are those whose consent is missing (the referral's person, or those of a case), so the
    page can offer to record it; empty for an unidentified person, whose consent is the intake's answer.
    """

    def __init__(self, message: str, *, people: list[Any]) -> None:
        super().__init__(message, people=people, field="sharing_basis")


class Status(models.TextChoices):
    SENT = "sent", _("sent")
    SEEN = "seen", _("seen")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    FIRST_CONTACT = "first_contact", _("first contact made")
    IN_PROGRESS = "in_progress", _("in progress")
    ON_HOLD = "on_hold", _("on hold")
    COMPLETED = "completed", _("completed")
    FAILED = "failed", _("could not be completed")
    CANCELLED = "cancelled", _("cancelled")


SENDER = "sender"
RECIPIENT = "recipient"

OPEN_STATES = frozenset(
    {Status.SENT, Status.SEEN, Status.ACCEPTED, Status.FIRST_CONTACT, Status.IN_PROGRESS, Status.ON_HOLD}
)
FINAL_STATES = frozenset({Status.DECLINED, Status.COMPLETED, Status.FAILED, Status.CANCELLED})

# (from, to) → the side that may make the move. The one place that says what is legal.
TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.SENT, Status.SEEN): RECIPIENT,
    (Status.SEEN, Status.ACCEPTED): RECIPIENT,
    (Status.SEEN, Status.DECLINED): RECIPIENT,
    (Status.ACCEPTED, Status.FIRST_CONTACT): RECIPIENT,
    (Status.ACCEPTED, Status.FAILED): RECIPIENT,  # the person could never be reached
    (Status.FIRST_CONTACT, Status.IN_PROGRESS): RECIPIENT,
    (Status.FIRST_CONTACT, Status.FAILED): RECIPIENT,
    (Status.IN_PROGRESS, Status.ON_HOLD): RECIPIENT,
    (Status.ON_HOLD, Status.IN_PROGRESS): RECIPIENT,
    (Status.IN_PROGRESS, Status.COMPLETED): RECIPIENT,
    (Status.ON_HOLD, Status.COMPLETED): RECIPIENT,
    (Status.IN_PROGRESS, Status.FAILED): RECIPIENT,
    (Status.ON_HOLD, Status.FAILED): RECIPIENT,
    **{(state, Status.CANCELLED): SENDER for state in OPEN_STATES},
}
# Moves that need a coded reason (and a note).
REASON_REQUIRED = frozenset({Status.DECLINED, Status.CANCELLED, Status.FAILED})

# HL7 FHIR Task.status for each state (the Gravity SDOH closed-loop referral workflow);
# first contact is an in-progress Task whose businessStatus says so.
FHIR_TASK_STATUS: dict[str, str] = {
    Status.SENT: "requested",
    Status.SEEN: "received",
    Status.ACCEPTED: "accepted",
    Status.DECLINED: "rejected",
    Status.FIRST_CONTACT: "in-progress",
    Status.IN_PROGRESS: "in-progress",
    Status.ON_HOLD: "on-hold",
    Status.COMPLETED: "completed",
    Status.FAILED: "failed",
    Status.CANCELLED: "cancelled",
}


def legal_targets(state: str) -> list[str]:
    return [to for (frm, to) in TRANSITIONS if frm == state]


class ReasonCode(models.TextChoices):
    NO_CAPACITY = "no_capacity", _("no capacity")
    NOT_ELIGIBLE = "not_eligible", _("not eligible")
    OUTSIDE_AREA = "outside_area", _("outside our area")
    COULD_NOT_CONTACT = "could_not_contact", _("could not contact")
    PERSON_DECLINED = "person_declined", _("the person declined")
    BETTER_ELSEWHERE = "better_elsewhere", _("better handled elsewhere")
    OTHER = "other", _("other")


class OutcomeCode(models.TextChoices):
    RESOLVED = "resolved", _("need met")
    ONGOING_SUPPORT = "ongoing_support", _("continuing support in our service")
    CONNECTED_ONWARD = "connected_onward", _("connected onward to another service")
    PARTIALLY_MET = "partially_met", _("need partly met")
    OTHER = "other", _("other")


class SharedSection(models.TextChoices):
    """What the recipient may read before accepting (need-to-know)."""

    CONCERN = "concern", _("the concern")
    PERSON_BASIC = "person_basic", _("name, age and sex")
    CONTACT = "contact", _("address and phone")
    HOUSEHOLD = "household", _("household members")
    CATEGORIES = "categories", _("issue categories and urgency")
    HISTORY = "history", _("earlier intakes")


class SharingBasis(models.TextChoices):
    CONSENT = "consent", _("the person's consent on record")
    LIFE_AND_SAFETY = "life_and_safety", _("protection of life, body or property (legal exception)")
    ABUSE_REPORT = "abuse_report", _("report of abuse (legal exception)")
    SUPPORT_CONFERENCE = "support_conference_106_6", _("support conference with a duty of confidentiality")


# The article each legal exception rests on, shown with the referral.
SHARING_BASIS_ARTICLE: dict[str, str] = {
    SharingBasis.CONSENT: "",
    SharingBasis.LIFE_AND_SAFETY: "個人情報保護法 第69条第2項第4号・第27条第1項第2号",
    SharingBasis.ABUSE_REPORT: "虐待防止法に基づく通報（児童虐待防止法・高齢者虐待防止法・障害者虐待防止法）",
    SharingBasis.SUPPORT_CONFERENCE: "社会福祉法 第106条の6",
}


class Referral(TrackedModel):
    """つなぎ: organisation A asks organisation B to support a person (or a case)."""

    Status = Status

    from_organisation = models.ForeignKey(
        "reference.Organisation",
        verbose_name=_("from organisation"),
        on_delete=models.PROTECT,
        related_name="referrals_sent",
    )
    to_organisation = models.ForeignKey(
        "reference.Organisation",
        verbose_name=_("to organisation"),
        on_delete=models.PROTECT,
        related_name="referrals_received",
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), db_index=True)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    household = models.ForeignKey(
        "people.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    intake = models.ForeignKey(
        "intake.Intake",
        verbose_name=_("intake"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("previous referral"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_referrals",
    )
    earlier_declines = models.PositiveIntegerField(_("declines earlier in the chain"), default=0)
    reason = models.TextField(_("reason for the referral"), max_length=2000)
    request = models.TextField(_("what is asked"), max_length=2000)
    shared_sections = models.JSONField(_("shared sections"), default=list)
    sharing_basis = models.CharField(_("basis for sharing"), max_length=30, choices=SharingBasis.choices)
    sharing_note = models.CharField(_("note on the basis"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SENT, db_index=True)
    status_changed_at = models.DateTimeField(_("status changed at"))
    seen_at = models.DateTimeField(_("seen at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("first contact at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    seen_due_at = models.DateTimeField(_("to be seen by"), null=True, blank=True)
    accept_due_at = models.DateTimeField(_("to be accepted by"), null=True, blank=True)
    first_contact_due_at = models.DateTimeField(_("first contact by"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    close_reason_code = models.CharField(_("reason code"), max_length=30, choices=ReasonCode.choices, blank=True)
    close_reason_note = models.TextField(_("reason"), max_length=2000, blank=True)
    outcome_code = models.CharField(_("outcome"), max_length=30, choices=OutcomeCode.choices, blank=True)
    outcome_text = models.TextField(_("outcome in words"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["to_organisation", "-sent_at"]),
            models.Index(fields=["from_organisation", "-sent_at"]),
        ]

    def __str__(self) -> str:
        return gettext("Referral #%(id)s") % {"id": self.pk}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def fhir_status(self) -> str:
        return FHIR_TASK_STATUS[self.status]

    @property
    def sharing_article(self) -> str:
        return SHARING_BASIS_ARTICLE.get(self.sharing_basis, "")

    def shares(self, section: str) -> bool:
        return section in (self.shared_sections or [])

    def check_transition(self, to: str) -> str:
        """The side that may make the move ``status → to``; ``IllegalTransition`` (in Japanese) if none may."""
        side = TRANSITIONS.get((self.status, to))
        if side is None:
            current = Status(self.status).label if self.status in Status.values else self.status
            target = Status(to).label if to in Status.values else to
            raise IllegalTransition(
                gettext("A referral that is “%(current)s” cannot become “%(target)s”.")
                % {"current": current, "target": target}
            )
        return side

    def transition_to(self, to: str, *, at: Any) -> str:
        """Move to ``to`` in memory (the caller saves with the version check); returns the status left."""
        self.check_transition(to)
        before = self.status
        self.status = to
        self.status_changed_at = at
        if to == Status.SEEN:
            self.seen_at = at
        elif to == Status.ACCEPTED:
            self.accepted_at = at
        elif to == Status.FIRST_CONTACT:
            self.first_contact_at = at
        if to in FINAL_STATES:
            self.closed_at = at
        return before


class ReferralEvent(models.Model):
    """One change of a referral's state: append-only, shown to both sides."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("status before"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("status after"), max_length=20, choices=Status.choices)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "reference.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    reason_code = models.CharField(_("reason code"), max_length=30, choices=ReasonCode.choices, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.from_status} → {self.to_status}"
