"""Participation support (参加支援) and mutual help (お助け隊, ボランティア), C8.

- ``Participation``: a person of a case connected to a community resource
  (``resources.Service``) and how it went: proposed → tried → continuing | stopped.
- ``HelpRequest``: a small task (a light bulb, weeding, moving furniture, rubbish)
  sent to a mutual-help group (a ``resources.Provider`` offering a ``mutual_help``
  service). The group sees only what the request carries: an anonymous
  description and the town block, and the name and contact only when the
  person's consent covers the group (copied at sending time, never read from
  the person's record by a group member).
- ``GroupMember``: who belongs to a group; those with a login see their group's queue.
- ``Volunteer``: the volunteer centre's (社協ボランティアセンター) register, with skills
  from the ``Skill`` vocabulary (data), areas and weekly availability.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tsunagiai.core.models import TimeStampedModel, TrackedModel

NOTE_MAX_LENGTH = 2000


class Participation(TrackedModel):
    """参加支援の記録: who was connected to what, and how it went."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", pgettext_lazy("participation", "proposed")
        TRIED = "tried", pgettext_lazy("participation", "tried")
        CONTINUING = "continuing", pgettext_lazy("participation", "continuing")
        STOPPED = "stopped", pgettext_lazy("participation", "stopped")

    class StopReason(models.TextChoices):
        DECLINED = "declined", _("the person declined")
        NOT_SUITABLE = "not_suitable", _("did not suit the person")
        HEALTH = "health", _("health or care needs changed")
        NO_PLACE = "no_place", _("no place free")
        TRANSPORT = "transport", _("could not get there")
        SERVICE_ENDED = "service_ended", _("the activity ended")
        MOVED = "moved", _("moved away")
        OTHER = "other", _("other reason")

    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="participations"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="participations"
    )
    service = models.ForeignKey(
        "resources.Service",
        verbose_name=_("community resource"),
        on_delete=models.PROTECT,
        related_name="participations",
    )
    organisation = models.ForeignKey(
        "reference.Organisation",
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        pgettext_lazy("participation", "status"),
        max_length=12,
        choices=Status.choices,
        default=Status.PROPOSED,
        db_index=True,
    )
    proposed_on = models.DateField(_("proposed on"))
    tried_on = models.DateField(_("first tried on"), null=True, blank=True)
    continuing_since = models.DateField(_("continuing since"), null=True, blank=True)
    stopped_on = models.DateField(_("stopped on"), null=True, blank=True)
    stop_reason = models.CharField(_("reason for stopping"), max_length=20, choices=StopReason.choices, blank=True)
    note = models.TextField(pgettext_lazy("participation", "note"), max_length=NOTE_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["-proposed_on", "-id"]
        indexes = [models.Index(fields=["case", "status"])]

    def __str__(self) -> str:
        return f"{self.person} → {self.service}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.STOPPED


class Skill(models.Model):
    """A volunteer skill (vocabulary loaded as data by a migration; editable in the admin)."""

    code = models.CharField(pgettext_lazy("reference", "code"), max_length=40, primary_key=True)
    label = models.CharField(pgettext_lazy("reference", "label"), max_length=100)
    # The help-request task this skill serves, if any (matching volunteers to requests).
    task = models.CharField(_("help task"), max_length=20, blank=True)
    sort_order = models.PositiveIntegerField(pgettext_lazy("reference", "order"), default=0)

    class Meta:
        verbose_name = _("volunteer skill")
        verbose_name_plural = _("volunteer skills")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.label


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_PARTS = ("morning", "afternoon", "evening")
WEEKDAY_LABELS = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
DAY_PART_LABELS = (_("morning"), _("afternoon"), _("evening"))


def availability_bit(weekday: int, part: int) -> int:
    """The bit of ``Volunteer.availability`` for a weekday (0 = Monday) and a part of the day (0-2)."""
    return 1 << (weekday * len(DAY_PARTS) + part)


class Volunteer(TrackedModel):
    """A volunteer registered at the volunteer centre (社協ボランティアセンター)."""

    name = models.CharField(_("full name"), max_length=100)
    kana = models.CharField(_("full name (kana)"), max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="volunteer_record",
    )
    centre = models.ForeignKey(
        "reference.Organisation",
        verbose_name=_("volunteer centre"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True, related_name="volunteers")
    areas = models.ManyToManyField("reference.Area", verbose_name=_("areas of activity"), blank=True, related_name="+")
    # Bits of weekday × part of the day (see ``availability_bit``).
    availability = models.PositiveIntegerField(_("availability"), default=0)
    active = models.BooleanField(pgettext_lazy("volunteer", "active"), default=True)
    note = models.CharField(pgettext_lazy("participation", "note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["kana", "name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def availability_label(self) -> str:
        """e.g. "Mon morning, Wed afternoon" (translated)."""
        return ", ".join(
            f"{WEEKDAY_LABELS[day]} {DAY_PART_LABELS[part]}"
            for day in range(len(WEEKDAYS))
            for part in range(len(DAY_PARTS))
            if self.availability & availability_bit(day, part)
        )

    def available(self, weekday: int, part: int | None = None) -> bool:
        if part is None:
            return any(self.availability & availability_bit(weekday, p) for p in range(len(DAY_PARTS)))
        return bool(self.availability & availability_bit(weekday, part))


class GroupMember(TimeStampedModel):
    """A member of a mutual-help group (a resources.Provider); with a login, they see the group's queue."""

    class GroupRole(models.TextChoices):
        LEADER = "leader", _("group leader")
        MEMBER = "member", _("group member")

    provider = models.ForeignKey(
        "resources.Provider", verbose_name=_("group"), on_delete=models.CASCADE, related_name="group_members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="group_memberships",
    )
    name = models.CharField(_("full name"), max_length=100)
    role = models.CharField(_("role in the group"), max_length=10, choices=GroupRole.choices, default=GroupRole.MEMBER)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        ordering = ["provider_id", "joined_on", "id"]
        constraints = [
            # One *current* membership per login: a member who left may join again (the old row stays
            # for the figures of past periods).
            models.UniqueConstraint(
                fields=["provider", "user"],
                condition=models.Q(user__isnull=False, left_on__isnull=True),
                name="community_one_current_login_per_group",
            )
        ]

    def __str__(self) -> str:
        return self.name


class HelpRequest(TrackedModel):
    """お助け隊への依頼: a small task for a mutual-help group."""

    class Task(models.TextChoices):
        LIGHT_BULB = "light_bulb", _("changing a light bulb")
        WEEDING = "weeding", _("weeding")
        FURNITURE = "furniture", _("moving furniture")
        RUBBISH = "rubbish", _("taking out rubbish")
        OTHER = "other", _("other small task")

    class Status(models.TextChoices):
        REQUESTED = "requested", pgettext_lazy("help request", "requested")
        ASSIGNED = "assigned", pgettext_lazy("help request", "assigned")
        DONE = "done", pgettext_lazy("help request", "done")
        COULD_NOT = "could_not", pgettext_lazy("help request", "could not help")

    class TimeOfDay(models.TextChoices):
        ANY = "any", _("any time")
        MORNING = "morning", _("morning")
        AFTERNOON = "afternoon", _("afternoon")
        EVENING = "evening", _("evening")

    task = models.CharField(_("task"), max_length=20, choices=Task.choices)
    description = models.TextField(
        _("what is needed (no names)"),
        max_length=1000,
        help_text=_("Shown to the group: describe the task and the situation without naming anyone."),
    )
    town_block = models.ForeignKey(
        "reference.TownBlock", verbose_name=_("town block"), on_delete=models.PROTECT, related_name="+"
    )
    preferred_date = models.DateField(_("preferred date"), null=True, blank=True)
    preferred_time = models.CharField(
        _("preferred time"), max_length=10, choices=TimeOfDay.choices, default=TimeOfDay.ANY
    )
    # For whom: staff-side only; never shown to the group.
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("for whom"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="help_requests",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="help_requests",
    )
    # What the group may see about the person: copied when the person's consent covered the group.
    identity_shared = models.BooleanField(_("name and contact shared with the group"), default=False)
    shared_name = models.CharField(_("name shared"), max_length=100, blank=True)
    shared_address = models.CharField(_("address shared"), max_length=300, blank=True)
    shared_phone = models.CharField(_("phone shared"), max_length=30, blank=True)
    requested_by_organisation = models.ForeignKey(
        "reference.Organisation", verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    group = models.ForeignKey(
        "resources.Provider", verbose_name=_("group"), on_delete=models.PROTECT, related_name="help_requests"
    )
    volunteers = models.ManyToManyField(
        Volunteer, verbose_name=_("volunteers"), blank=True, related_name="help_requests"
    )
    status = models.CharField(
        pgettext_lazy("help request", "status"),
        max_length=10,
        choices=Status.choices,
        default=Status.REQUESTED,
        db_index=True,
    )
    requested_at = models.DateTimeField(_("requested at"))
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    outcome_note = models.CharField(_("outcome"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["group", "status"]), models.Index(fields=["requested_by_organisation"])]

    def __str__(self) -> str:
        return f"{self.get_task_display()} ({self.town_block})"

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.REQUESTED, self.Status.ASSIGNED}
