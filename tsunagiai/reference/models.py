"""Reference data loaded from files: the shared vocabulary, areas and organisations.

Vocabulary rows use their stable code as primary key, so a foreign key column
holds the code itself (``intake.channel_id == "phone"``): readable in exports
and the API, enforced by the database, and grouped without a join.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Term(models.Model):
    """One code of the shared vocabulary (taxonomy.yaml)."""

    code = models.CharField(pgettext_lazy("reference", "code"), max_length=40, primary_key=True)
    label = models.CharField(pgettext_lazy("reference", "label"), max_length=100)
    description = models.TextField(pgettext_lazy("reference", "description"), blank=True)
    sort_order = models.PositiveIntegerField(pgettext_lazy("reference", "order"), default=0)
    active = models.BooleanField(pgettext_lazy("reference", "active"), default=True)

    class Meta:
        abstract = True
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.label


class IssueCategory(Term):
    """課題分類 — what a household is struggling with."""

    class Meta(Term.Meta):
        verbose_name = _("issue category")
        verbose_name_plural = _("issue categories")


class HouseholdPattern(Term):
    """世帯の状態像 — 8050, double care, young carer, multi-issue."""

    class Meta(Term.Meta):
        verbose_name = _("household pattern")
        verbose_name_plural = _("household patterns")


class UrgencyLevel(Term):
    """緊急度."""

    class Meta(Term.Meta):
        verbose_name = _("urgency level")
        verbose_name_plural = _("urgency levels")


class AgencyType(Term):
    """相談・支援機関の種別."""

    class Meta(Term.Meta):
        verbose_name = _("agency type")
        verbose_name_plural = _("agency types")


class ConsulterType(Term):
    """相談者 — who brought the concern."""

    class Meta(Term.Meta):
        verbose_name = _("consulter type")
        verbose_name_plural = _("consulter types")


class IntakeChannel(Term):
    """受付の方法."""

    class Meta(Term.Meta):
        verbose_name = _("intake channel")
        verbose_name_plural = _("intake channels")


class ResourceServiceType(Term):
    """地域資源のサービス種別."""

    class Meta(Term.Meta):
        verbose_name = _("resource service type")
        verbose_name_plural = _("resource service types")


class TargetGroup(Term):
    """対象."""

    class Meta(Term.Meta):
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")


class Municipality(models.Model):
    """The municipality this deployment serves (one per database)."""

    code = models.CharField(_("municipality code"), max_length=6, primary_key=True)
    name = models.CharField(pgettext_lazy("reference", "name"), max_length=50)
    prefecture = models.CharField(_("prefecture"), max_length=10)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return f"{self.prefecture}{self.name}"


class Area(models.Model):
    """An area of the municipality at one level of the hierarchy.

    支所区域 → 中学校区 → 小学校区 → 自治区 form a tree through ``parent``; fire-station
    areas and disability-support blocks are separate, flat divisions.
    """

    class Level(models.TextChoices):
        BRANCH_AREA = "branch_area", _("branch-office area")
        JUNIOR_HIGH_DISTRICT = "junior_high_district", _("junior-high district")
        ELEMENTARY_DISTRICT = "elementary_district", _("elementary district")
        NEIGHBOURHOOD_ASSOCIATION = "neighbourhood_association", _("neighbourhood association")
        FIRE_STATION_AREA = "fire_station_area", _("fire-station area")
        DISABILITY_BLOCK = "disability_block", _("disability-support block")

    # The tree, from the top; each level's parent is the level before it.
    HIERARCHY = (
        Level.BRANCH_AREA,
        Level.JUNIOR_HIGH_DISTRICT,
        Level.ELEMENTARY_DISTRICT,
        Level.NEIGHBOURHOOD_ASSOCIATION,
    )

    code = models.CharField(pgettext_lazy("reference", "code"), max_length=40, unique=True)
    level = models.CharField(pgettext_lazy("reference", "level"), max_length=30, choices=Level.choices, db_index=True)
    name = models.CharField(pgettext_lazy("reference", "name"), max_length=100)
    kana = models.CharField(pgettext_lazy("reference", "kana"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent area"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    is_sample = models.BooleanField(_("sample data"), default=False, help_text=_("Invented for the demo, not real."))
    sort_order = models.PositiveIntegerField(pgettext_lazy("reference", "order"), default=0)
    source = models.CharField(
        pgettext_lazy("reference", "source"), max_length=500, blank=True, help_text=_("Where the name comes from.")
    )
    note = models.CharField(pgettext_lazy("reference", "note"), max_length=300, blank=True)
    active = models.BooleanField(pgettext_lazy("reference", "active"), default=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["level", "sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class TownBlock(models.Model):
    """町字 — the unit an address resolves to, mapped to its areas.

    The ancestors of the neighbourhood association are stored too (filled by
    the loader) so that filtering people by any area level is one join.
    """

    code = models.CharField(pgettext_lazy("reference", "code"), max_length=40, unique=True)
    name = models.CharField(_("town block"), max_length=100)
    kana = models.CharField(pgettext_lazy("reference", "kana"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    neighbourhood_association = models.ForeignKey(
        Area, verbose_name=_("neighbourhood association"), on_delete=models.PROTECT, related_name="+"
    )
    elementary_district = models.ForeignKey(
        Area, verbose_name=_("elementary district"), on_delete=models.PROTECT, related_name="+"
    )
    junior_high_district = models.ForeignKey(
        Area, verbose_name=_("junior-high district"), on_delete=models.PROTECT, related_name="+"
    )
    branch_area = models.ForeignKey(
        Area, verbose_name=_("branch-office area"), on_delete=models.PROTECT, related_name="+"
    )
    fire_station_area = models.ForeignKey(
        Area, verbose_name=_("fire-station area"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    disability_block = models.ForeignKey(
        Area,
        verbose_name=_("disability-support block"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_sample = models.BooleanField(_("sample data"), default=False, help_text=_("Invented for the demo, not real."))
    source = models.CharField(
        pgettext_lazy("reference", "source"), max_length=500, blank=True, help_text=_("Where the name comes from.")
    )
    note = models.CharField(pgettext_lazy("reference", "note"), max_length=300, blank=True)
    active = models.BooleanField(pgettext_lazy("reference", "active"), default=True)

    class Meta:
        verbose_name = _("town block")
        verbose_name_plural = _("town blocks")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """所属・機関: a member organisation of the comprehensive support system."""

    code = models.CharField(pgettext_lazy("reference", "code"), max_length=40, unique=True)
    name = models.CharField(pgettext_lazy("reference", "name"), max_length=150)
    kana = models.CharField(pgettext_lazy("reference", "kana"), max_length=300, blank=True)
    agency_type = models.ForeignKey(AgencyType, verbose_name=_("agency type"), on_delete=models.PROTECT)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    covered_areas = models.ManyToManyField(
        Area, verbose_name=_("covered areas"), blank=True, related_name="organisations"
    )
    phone = models.CharField(pgettext_lazy("reference", "phone"), max_length=30, blank=True)
    address = models.CharField(pgettext_lazy("reference", "address"), max_length=200, blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False, help_text=_("Invented for the demo, not real."))
    source = models.CharField(
        pgettext_lazy("reference", "source"), max_length=500, blank=True, help_text=_("Where the name comes from.")
    )
    note = models.CharField(pgettext_lazy("reference", "note"), max_length=300, blank=True)
    active = models.BooleanField(pgettext_lazy("reference", "active"), default=True)
    require_totp = models.BooleanField(
        _("requires a second factor"),
        default=False,
        help_text=_("Members confirm each sign-in with a code from an authenticator app (TOTP)."),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["agency_type__sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_coordination_section(self) -> bool:
        return self.agency_type_id == "coordination_section"
