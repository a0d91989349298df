"""Community resources (地域資源, C8): a directory shaped like HSDS 3.0 (Open Referral).

Formal agencies and informal groups alike — お助け隊, サロン, 子ども食堂, 認知症カフェ,
おでかけ支援 with a welfare corporation's idle vehicle, places to be active — are
*providers* (HSDS organization) offering *services* at *locations*, for
*service areas* (areas of the city), on *schedules*. Every row has a stable
``hsds_id`` (a UUID) so that an HSDS export and re-import keep identities.

A service marked ``is_internal`` is shown to staff only; everything else is
public, as a city's resource guide would be.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tsunagiai.core.models import TrackedModel


class Provider(TrackedModel):
    """HSDS organization: who offers the services — an agency, an NPO, a neighbourhood's mutual-help group."""

    class Kind(models.TextChoices):
        FORMAL = "formal", _("formal agency")
        INFORMAL = "informal", _("informal group")

    hsds_id = models.UUIDField(_("HSDS id"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(pgettext_lazy("resource", "name"), max_length=200)
    kana = models.CharField(pgettext_lazy("resource", "kana"), max_length=300, blank=True)
    description = models.TextField(pgettext_lazy("resource", "description"), max_length=4000, blank=True)
    kind = models.CharField(_("kind of provider"), max_length=10, choices=Kind.choices, default=Kind.INFORMAL)
    agency_type = models.ForeignKey(
        "reference.AgencyType", verbose_name=_("agency type"), on_delete=models.PROTECT, null=True, blank=True
    )
    # The member organisation in the directory, when the provider is one (a formal agency, or a group with logins).
    organisation = models.ForeignKey(
        "reference.Organisation",
        verbose_name=_("member organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resource_providers",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    phone = models.CharField(pgettext_lazy("resource", "phone"), max_length=30, blank=True)
    active = models.BooleanField(pgettext_lazy("resource", "active"), default=True)

    class Meta:
        verbose_name = _("resource provider")
        verbose_name_plural = _("resource providers")
        ordering = ["kana", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Location(TrackedModel):
    """HSDS location with its (Japanese) address: 都道府県 → state_province, 市区町村 → city, country JP."""

    hsds_id = models.UUIDField(_("HSDS id"), default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(
        Provider, verbose_name=_("resource provider"), on_delete=models.CASCADE, related_name="locations"
    )
    name = models.CharField(pgettext_lazy("resource", "name"), max_length=200)
    description = models.TextField(pgettext_lazy("resource", "description"), max_length=2000, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    prefecture = models.CharField(_("prefecture"), max_length=10, blank=True)
    municipality = models.CharField(_("municipality"), max_length=50, blank=True)
    address_line = models.CharField(_("address"), max_length=200, blank=True)
    town_block = models.ForeignKey(
        "reference.TownBlock",
        verbose_name=_("town block"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    accessibility = models.CharField(_("accessibility"), max_length=500, blank=True)
    transportation = models.CharField(_("getting there"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Service(TrackedModel):
    """HSDS service: what is offered, for whom, at what cost and capacity."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        INACTIVE = "inactive", _("inactive")
        DEFUNCT = "defunct", _("ended")

    hsds_id = models.UUIDField(_("HSDS id"), default=uuid.uuid4, unique=True, editable=False)
    provider = models.ForeignKey(
        Provider, verbose_name=_("resource provider"), on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(pgettext_lazy("resource", "name"), max_length=200)
    description = models.TextField(pgettext_lazy("resource", "description"), max_length=4000, blank=True)
    status = models.CharField(
        pgettext_lazy("resource", "status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    service_types = models.ManyToManyField(
        "reference.ResourceServiceType", verbose_name=_("kinds of service"), blank=True, related_name="services"
    )
    target_groups = models.ManyToManyField(
        "reference.TargetGroup", verbose_name=_("for whom"), blank=True, related_name="services"
    )
    # Issue categories the service helps with (matching a person's needs).
    categories = models.ManyToManyField(
        "reference.IssueCategory", verbose_name=_("helps with"), blank=True, related_name="services"
    )
    is_internal = models.BooleanField(
        _("staff only"), default=False, help_text=_("Not published in the public resource guide or the HSDS API.")
    )
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True, help_text=_("People at a time."))
    places_free = models.PositiveIntegerField(_("places free"), null=True, blank=True)
    fees_description = models.CharField(_("cost"), max_length=300, blank=True, help_text=_("e.g. 無料, 1回100円"))
    is_free = models.BooleanField(_("free of charge"), default=False)
    eligibility = models.CharField(_("who may use it"), max_length=500, blank=True)
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    application_process = models.CharField(_("how to apply"), max_length=500, blank=True)
    languages = models.CharField(_("languages"), max_length=100, blank=True, help_text=_("e.g. ja, pt, en"))
    # Can it reach people who cannot travel (a visit, pick-up, or transport offered)?
    offers_transport = models.BooleanField(_("transport or visits offered"), default=False)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)

    class Meta:
        verbose_name = _("community resource")
        verbose_name_plural = _("community resources")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["status", "is_internal"])]

    def __str__(self) -> str:
        return self.name


class ServiceAtLocation(models.Model):
    """HSDS service_at_location: where a service is given."""

    hsds_id = models.UUIDField(_("HSDS id"), default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_at_locations")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="service_at_locations")
    description = models.CharField(pgettext_lazy("resource", "description"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("service at a location")
        verbose_name_plural = _("services at locations")
        constraints = [models.UniqueConstraint(fields=["service", "location"], name="resources_sal_unique")]

    def __str__(self) -> str:
        return f"{self.service} @ {self.location}"


class ServiceArea(models.Model):
    """HSDS service_area: an area of the city (branch area, junior-high or elementary district, association)."""

    hsds_id = models.UUIDField(_("HSDS id"), default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_areas")
    area = models.ForeignKey("reference.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")
        constraints = [models.UniqueConstraint(fields=["service", "area"], name="resources_area_unique")]

    def __str__(self) -> str:
        return str(self.area)


class Schedule(models.Model):
    """HSDS schedule (RFC 5545-like): weekly or monthly opening times of a service."""

    class Frequency(models.TextChoices):
        WEEKLY = "WEEKLY", _("weekly")
        MONTHLY = "MONTHLY", _("monthly")

    hsds_id = models.UUIDField(_("HSDS id"), default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="schedules")
    freq = models.CharField(_("how often"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    # RFC 5545 BYDAY: MO,TU,… or, monthly, 1MO (first Monday), -1FR (last Friday).
    byday = models.CharField(_("days"), max_length=40, blank=True)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    description = models.CharField(pgettext_lazy("resource", "description"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")

    def __str__(self) -> str:
        return self.description or f"{self.freq} {self.byday}"
