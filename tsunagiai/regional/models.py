"""Regional issues (地域課題, C9): from individual unmet needs to what the community does about them.

An *unmet need* is recorded in a case: a need no resource met (制度の狭間 made
visible). It stores the elementary district and its junior-high district and
branch area (copied from the area tree when recorded), so that counting at
any level is a GROUP BY on one table, never a join through people.

When unmet needs of one category cluster in one elementary district, the
sweep proposes a *regional issue*. A regional issue holds counts only as
evidence — never a person — and moves ``identified → discussed → action →
resolved`` through community meetings, ending with the resources created in
answer. *Network events* (研修) together with referrals and shared case teams
draw the network of organisations.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tsunagiai.core import eras
from tsunagiai.core.models import TrackedModel

TEXT_MAX = 4000


class UnmetNeed(TrackedModel):
    """A need of a case that no resource met: its category, where, what was missing, when."""

    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="unmet_needs")
    category = models.ForeignKey(
        "reference.IssueCategory", verbose_name=_("issue category"), on_delete=models.PROTECT, related_name="+"
    )
    # The elementary district (小学校区); its ancestors are stored for aggregation without joins.
    area = models.ForeignKey(
        "reference.Area", verbose_name=_("elementary district"), on_delete=models.PROTECT, related_name="+"
    )
    junior_high_district = models.ForeignKey(
        "reference.Area",
        verbose_name=_("junior-high district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    branch_area = models.ForeignKey(
        "reference.Area",
        verbose_name=_("branch-office area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    what_was_missing = models.TextField(_("what was missing"), max_length=1000)
    noted_on = models.DateField(_("noted on"), db_index=True)
    organisation = models.ForeignKey(
        "reference.Organisation", verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("unmet need")
        verbose_name_plural = _("unmet needs")
        ordering = ["-noted_on", "-id"]
        indexes = [models.Index(fields=["area", "category", "noted_on"])]

    def __str__(self) -> str:
        return f"{self.category.label} {eras.format_date(self.noted_on)}"


class IssueStatus(models.TextChoices):
    IDENTIFIED = "identified", pgettext_lazy("regional issue", "identified")
    DISCUSSED = "discussed", pgettext_lazy("regional issue", "discussed")
    ACTION = "action", pgettext_lazy("regional issue", "in action")
    RESOLVED = "resolved", pgettext_lazy("regional issue", "resolved")


# The status machine: from each status, where it may go next.
ISSUE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    IssueStatus.IDENTIFIED: (IssueStatus.DISCUSSED, IssueStatus.RESOLVED),
    IssueStatus.DISCUSSED: (IssueStatus.ACTION, IssueStatus.IDENTIFIED, IssueStatus.RESOLVED),
    IssueStatus.ACTION: (IssueStatus.RESOLVED, IssueStatus.DISCUSSED),
    IssueStatus.RESOLVED: (IssueStatus.DISCUSSED,),
}


class RegionalIssue(TrackedModel):
    """地域課題: a need shared by many in one area, taken up by the community."""

    Status = IssueStatus

    title = models.CharField(_("title"), max_length=200)
    area = models.ForeignKey("reference.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    categories = models.ManyToManyField("reference.IssueCategory", verbose_name=_("issue categories"), related_name="+")
    description = models.TextField(pgettext_lazy("regional issue", "description"), max_length=TEXT_MAX, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=IssueStatus.choices, default=IssueStatus.IDENTIFIED, db_index=True
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    # Set when the sweep proposed it: the cluster ("<area id>:<category>") and the count that passed the threshold.
    cluster_key = models.CharField(_("cluster"), max_length=80, blank=True, db_index=True, editable=False)
    proposed_count = models.PositiveIntegerField(_("count when proposed"), null=True, blank=True, editable=False)
    services = models.ManyToManyField(
        "resources.Service", verbose_name=_("resources created in answer"), blank=True, related_name="regional_issues"
    )

    class Meta:
        verbose_name = _("regional issue")
        verbose_name_plural = _("regional issues")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open issue per proposed cluster, decided by the database: two
            # sweeps running at once cannot both propose it (a row lock cannot
            # guard a row that does not exist yet).
            models.UniqueConstraint(
                fields=["cluster_key"],
                condition=~models.Q(cluster_key="") & ~models.Q(status=IssueStatus.RESOLVED),
                name="one_open_regional_issue_per_cluster",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status != IssueStatus.RESOLVED

    def allowed_transitions(self) -> tuple[str, ...]:
        return ISSUE_TRANSITIONS.get(self.status, ())


class IssueStatusChange(models.Model):
    """One change of a regional issue's status, with its reason. Append-only."""

    issue = models.ForeignKey(RegionalIssue, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("previous status"), max_length=12, choices=IssueStatus.choices, blank=True)
    to_status = models.CharField(_("new status"), max_length=12, choices=IssueStatus.choices)
    reason = models.TextField(_("reason"), max_length=1000, blank=True)
    changed_at = models.DateTimeField(_("changed at"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("status change of a regional issue")
        verbose_name_plural = _("status changes of regional issues")
        ordering = ["issue_id", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class CommunityMeeting(TrackedModel):
    """コミュニティ会議, 地域ケア会議, 協議体: who met, when, and what they decided."""

    class Kind(models.TextChoices):
        COMMUNITY = "community_meeting", _("community meeting (コミュニティ会議)")
        REGIONAL_CARE = "regional_care_meeting", _("regional care meeting (地域ケア会議)")
        COUNCIL = "council", _("coordination council (協議体)")

    kind = models.CharField(_("kind of meeting"), max_length=30, choices=Kind.choices)
    held_on = models.DateField(_("held on"))
    title = models.CharField(_("title"), max_length=200)
    area = models.ForeignKey(
        "reference.Area", verbose_name=_("area"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    participating_organisations = models.ManyToManyField(
        "reference.Organisation", verbose_name=_("participating organisations"), blank=True, related_name="+"
    )
    decisions = models.TextField(_("decisions"), max_length=TEXT_MAX, blank=True)
    minutes = models.TextField(_("minutes"), max_length=TEXT_MAX * 5, blank=True)
    issues = models.ManyToManyField(
        RegionalIssue, verbose_name=_("regional issues"), blank=True, related_name="meetings"
    )

    class Meta:
        verbose_name = _("community meeting")
        verbose_name_plural = _("community meetings")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title


class NetworkEvent(TrackedModel):
    """A training or network event (消福連携研修, 多職種研修, …) and who took part."""

    class Kind(models.TextChoices):
        FIRE_WELFARE = "fire_welfare_training", _("fire–welfare link training (消福連携研修)")
        MULTIDISCIPLINARY = "multidisciplinary_training", _("multidisciplinary training (多職種研修)")
        NETWORK_MEETING = "network_meeting", _("network meeting (連絡会)")
        OTHER = "other", pgettext_lazy("network event", "other")

    kind = models.CharField(_("kind of event"), max_length=30, choices=Kind.choices)
    held_on = models.DateField(_("held on"), db_index=True)
    title = models.CharField(_("title"), max_length=200)
    participating_organisations = models.ManyToManyField(
        "reference.Organisation", verbose_name=_("participating organisations"), related_name="+"
    )
    note = models.TextField(pgettext_lazy("network event", "note"), max_length=TEXT_MAX, blank=True)

    class Meta:
        verbose_name = _("training or network event")
        verbose_name_plural = _("training and network events")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title
