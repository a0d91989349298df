"""Assessment, support plans with revisions, support records and conferences (SYSTEM.md C5, C6).

They live beside ``cases`` (docs/decisions/0006-support-app.md): a case is
the unit of support and its lifecycle stays small; everything that grows
with the support itself is here and points at the case.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tsunagiai.core import eras
from tsunagiai.core.models import TrackedModel

TEXT_MAX = 4000


class Domain(models.TextChoices):
    """The nine life domains of an assessment."""

    HEALTH = "health", pgettext_lazy("domain", "health")
    CARE = "care", pgettext_lazy("domain", "care")
    DISABILITY = "disability", pgettext_lazy("domain", "disability")
    MONEY = "money", pgettext_lazy("domain", "money")
    WORK = "work", pgettext_lazy("domain", "work")
    HOUSING = "housing", pgettext_lazy("domain", "housing")
    FAMILY = "family", pgettext_lazy("domain", "family")
    SOCIAL_TIES = "social_ties", pgettext_lazy("domain", "social ties")
    SAFETY = "safety", pgettext_lazy("domain", "safety")


class Assessment(TrackedModel):
    """アセスメント: one household member's situation in one domain, with strengths and wishes.

    One row per (case, member, domain), edited in place with a version; the
    audit log keeps every earlier wording.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="assessments")
    person = models.ForeignKey(
        "people.Person", verbose_name=_("household member"), on_delete=models.PROTECT, related_name="+"
    )
    domain = models.CharField(_("domain"), max_length=20, choices=Domain.choices)
    situation = models.TextField(_("situation"), blank=True, max_length=TEXT_MAX)
    strengths = models.TextField(_("strengths"), blank=True, max_length=TEXT_MAX)
    wishes_in_own_words = models.TextField(_("wishes in their own words"), blank=True, max_length=TEXT_MAX)
    assessed_on = models.DateField(_("assessed on"))

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["case_id", "person_id", "domain"]
        constraints = [
            models.UniqueConstraint(fields=["case", "person", "domain"], name="one_assessment_per_member_and_domain")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.person_id}/{self.domain}"


class SupportPlan(TrackedModel):
    """支援プラン of a case: its revisions are the content; ``current_number`` points at the latest."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="support_plan")
    current_number = models.PositiveIntegerField(_("current revision"), default=0)

    class Meta:
        verbose_name = _("support plan")
        verbose_name_plural = _("support plans")

    def __str__(self) -> str:
        return f"{self.case_id} v{self.current_number}"


class PlanRevision(models.Model):
    """One version of a plan, never changed after it is written (action statuses aside)."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    goals = models.TextField(_("goals"), max_length=TEXT_MAX)
    review_on = models.DateField(_("review date"))
    person_agreed = models.BooleanField(_("the person agreed"), default=False)
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    agreement_how = models.CharField(_("how the person agreed"), max_length=200, blank=True)
    reason = models.CharField(_("reason for the revision"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("plan revision")
        verbose_name_plural = _("plan revisions")
        ordering = ["plan_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="one_plan_revision_per_number")]

    def __str__(self) -> str:
        return f"{self.plan_id} v{self.number}"


class PlanAction(models.Model):
    """Who does what by when, in one revision. ``key`` follows the same action across revisions."""

    class OwnerKind(models.TextChoices):
        ORGANISATION = "organisation", _("an organisation")
        STAFF = "staff", _("a staff member")
        COMMUNITY_RESOURCE = "community_resource", _("a community resource")
        FAMILY = "family", _("the family")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        DROPPED = "dropped", _("dropped")

    revision = models.ForeignKey(PlanRevision, on_delete=models.CASCADE, related_name="actions")
    key = models.PositiveIntegerField(_("action number"))
    owner_kind = models.CharField(_("who"), max_length=20, choices=OwnerKind.choices)
    owner_organisation = models.ForeignKey(
        "reference.Organisation",
        verbose_name=_("owner organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner staff member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    owner_text = models.CharField(_("community resource or family member"), max_length=200, blank=True)
    what = models.CharField(_("what"), max_length=500)
    due_on = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)

    class Meta:
        verbose_name = _("plan action")
        verbose_name_plural = _("plan actions")
        ordering = ["revision_id", "due_on", "key"]
        constraints = [models.UniqueConstraint(fields=["revision", "key"], name="one_plan_action_per_key")]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.what

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.PLANNED, self.Status.IN_PROGRESS}

    def owner_label(self) -> str:
        if self.owner_kind == self.OwnerKind.STAFF and self.owner_user is not None:
            name = str(self.owner_user)
            return f"{name}（{self.owner_organisation.name}）" if self.owner_organisation else name
        if self.owner_kind == self.OwnerKind.ORGANISATION and self.owner_organisation is not None:
            return self.owner_organisation.name
        return self.owner_text or str(self.get_owner_kind_display())


class ReadableMomentField(models.DateTimeField):  # type: ignore[type-arg]
    """A DateTimeField that always reads back, even where a stored moment lies outside Python's range.

    Before dates were checked (core.validation), ``0001-01-01T00:00+09:00`` could
    be stored: PostgreSQL keeps it as 1 BC, which the driver cannot read, so every
    page listing the row failed. Reading clamps such moments to the first and last
    moments Python can show; the row is shown (and can be corrected) instead of
    breaking the page. Writing and filtering are unchanged.
    """

    def select_format(self, compiler: Any, sql: str, params: Any) -> tuple[str, Any]:
        sql, params = super().select_format(compiler, sql, params)
        vendor = compiler.connection.vendor
        if vendor == "postgresql":
            return f"LEAST(GREATEST({sql}, %s), %s)", (*params, READABLE_FROM, READABLE_UNTIL)
        if vendor == "sqlite":
            stored = compiler.connection.ops.adapt_datetimefield_value
            return f"MIN(MAX({sql}, %s), %s)", (*params, stored(READABLE_FROM), stored(READABLE_UNTIL))
        return sql, params


# The first and last moments every page can show (a day inside Python's range, in any time zone).
READABLE_FROM = dt.datetime(1, 1, 2, tzinfo=dt.UTC)
READABLE_UNTIL = dt.datetime(9999, 12, 30, tzinfo=dt.UTC)


class SupportRecord(models.Model):
    """経過記録: one dated entry on the household's timeline, about one of its cases or the household.

    A record is never edited: a mistake is put right by a correcting entry
    (``corrects`` points at the record it replaces, with the reason), which keeps
    the original on the timeline, struck through, beside its correction.
    """

    class Kind(models.TextChoices):
        VISIT = "visit", _("home visit")
        PHONE = "phone", pgettext_lazy("record kind", "phone")
        ACCOMPANIMENT = "accompaniment", _("accompaniment")
        MEETING = "meeting", _("meeting")
        OTHER = "other", pgettext_lazy("record kind", "other")

    household = models.ForeignKey(
        "people.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="support_records"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_records",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_at = ReadableMomentField(_("when"))
    summary = models.TextField(_("summary"), max_length=TEXT_MAX)
    organisation = models.ForeignKey(
        "reference.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # One correction per record (the constraint settles two corrections at once); a correction may be corrected.
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction",
    )
    correction_reason = models.CharField(_("reason for the correction"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("support record")
        verbose_name_plural = _("support records")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["household", "-occurred_at"]),
            models.Index(fields=["case", "-occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {eras.format_date(self.occurred_at)}"

    @property
    def correcting_entry(self) -> SupportRecord | None:
        """The entry that corrects this one, if any (fetched with ``select_related("correction")``)."""
        try:
            return self.correction  # type: ignore[no-any-return]
        except SupportRecord.DoesNotExist:
            return None

    @property
    def date_is_implausible(self) -> bool:
        """Stored before dates were checked and outside the plausible range: shown with a call to correct it."""
        from django.utils import timezone

        from tsunagiai.core.validation import EARLIEST_DATE

        moment: dt.datetime = self.occurred_at
        return moment.date() < EARLIEST_DATE or moment > timezone.now() + dt.timedelta(days=1)


class Conference(TrackedModel):
    """A case meeting. Its kind is its legal basis, which decides what may be shared (C6)."""

    class Kind(models.TextChoices):
        SUPPORT_CONFERENCE_106_6 = "support_conference_106_6", _("support conference (支援会議, art. 106-6)")
        MULTI_LAYERED = "multi_layered_conference", _("multi-layered support conference (重層的支援会議)")
        OTHER = "other_meeting", _("other case meeting")

    held_on = models.DateField(_("date"))
    kind = models.CharField(_("kind of meeting"), max_length=30, choices=Kind.choices)
    # The fixed legal flag (REQUIREMENTS §1.4): kinds may be renamed locally,
    # but whether the meeting rests on 社会福祉法 第106条の6 is stored as such.
    is_statutory_106_6 = models.BooleanField(_("statutory support conference (art. 106-6)"), default=False)
    title = models.CharField(_("title"), max_length=200)
    convened_by = models.ForeignKey(
        "reference.Organisation", verbose_name=_("convened by"), on_delete=models.PROTECT, related_name="+"
    )
    participating_organisations = models.ManyToManyField(
        "reference.Organisation", verbose_name=_("participating organisations"), related_name="conferences"
    )
    minutes = models.TextField(_("minutes"), blank=True, max_length=20000)
    confidentiality_note = models.CharField(_("confidentiality note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("conference")
        verbose_name_plural = _("conferences")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def needs_consent(self) -> bool:
        return self.kind == self.Kind.MULTI_LAYERED


class ConferenceCase(models.Model):
    """A case on a conference's agenda, with the consent check made when it was put there."""

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="agenda")
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="+")
    consent_checked = models.BooleanField(_("consent checked"), default=False)
    consent_ids = models.JSONField(_("consents relied on"), default=list, blank=True)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("case on the agenda")
        verbose_name_plural = _("cases on the agenda")
        ordering = ["conference_id", "id"]
        constraints = [models.UniqueConstraint(fields=["conference", "case"], name="one_agenda_entry_per_case")]

    def __str__(self) -> str:
        return f"{self.conference_id}/{self.case_id}"


class ConferenceDecision(models.Model):
    """A decision about a case; confirming it applies it to the case."""

    class Kind(models.TextChoices):
        LEAD_CHANGE = "lead_change", _("change of lead")
        PLAN_CHANGE = "plan_change", _("change of plan")
        NEW_REFERRAL = "new_referral", _("new referral")
        OTHER = "other", pgettext_lazy("decision kind", "other")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        CONFIRMED = "confirmed", _("confirmed")
        WITHDRAWN = "withdrawn", pgettext_lazy("decision status", "withdrawn")

    conference = models.ForeignKey(Conference, on_delete=models.CASCADE, related_name="decisions")
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind of decision"), max_length=20, choices=Kind.choices)
    target_organisation = models.ForeignKey(
        "reference.Organisation",
        verbose_name=_("target organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    details = models.TextField(_("details"), max_length=TEXT_MAX)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result_note = models.CharField(_("result"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("conference decision")
        verbose_name_plural = _("conference decisions")
        ordering = ["conference_id", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.details[:40]}"
