"""The analytics rollup: counts and key sums per month (or per period), area and organisation.

Every dashboard and report figure for a period of the publication grid is a sum of rollup rows, so
computing one no longer reads the intakes, referrals and cases themselves (docs/analytics.md, "Rollup").
Rows carry the number of records and the sum of their record keys (``cellkey``), both additive, so a
figure for any union of rows is perturbed consistently.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RollupRow(models.Model):
    """One cell of the rollup.

    ``family`` names what is counted (``intake``, ``new_household``, ``household``, ``referral``,
    ``case``). ``span`` is ``m`` for a month: those rows add up to quarters and fiscal years. The family
    that counts distinct households in a period (``household``) has its own rows per month (``m``),
    quarter (``q``) and fiscal year (``y``).

    Where: ``level`` ``c`` is the whole city (records without a known area included); ``a`` is one
    combination of branch area, junior-high and elementary district (a town block's; ``elementary`` -1:
    area unknown), so that any area at any level is the sum of the rows that name it.
    ``organisation``: an organisation id, NULL for all of them. ``dimension``/``value``: ``total``/``""``
    counts every record of the cell, ``channel``/``phone`` those with that channel, and so on.
    """

    family = models.CharField(_("family"), max_length=20)
    span = models.CharField(_("span"), max_length=1, default="m")
    period = models.DateField(_("period start"))
    level = models.CharField(_("level"), max_length=1)
    branch_area = models.BigIntegerField(_("branch area"), null=True)
    junior_high = models.BigIntegerField(_("junior-high school district"), null=True)
    elementary = models.BigIntegerField(_("elementary school district"), null=True)
    organisation = models.BigIntegerField(_("organisation"), null=True)
    dimension = models.CharField(_("dimension"), max_length=20)
    value = models.CharField(_("value"), max_length=60, blank=True)
    n = models.IntegerField(_("count"))
    key_sum = models.BigIntegerField(_("sum of record keys"))
    amount = models.FloatField(_("sum of a magnitude"), default=0.0)

    class Meta:
        verbose_name = _("rollup row")
        verbose_name_plural = _("rollup rows")
        indexes = [
            models.Index(fields=["family", "level", "organisation", "span", "period"], name="analytics_rollup_city"),
            models.Index(fields=["family", "level", "dimension", "span", "period"], name="analytics_rollup_dimension"),
            models.Index(fields=["family", "branch_area", "span", "period"], name="analytics_rollup_branch"),
            models.Index(fields=["family", "junior_high", "span", "period"], name="analytics_rollup_junior"),
            models.Index(fields=["family", "elementary", "span", "period"], name="analytics_rollup_elementary"),
            models.Index(fields=["period"], name="analytics_rollup_period"),
        ]

    def __str__(self) -> str:
        return f"{self.family} {self.period:%Y-%m} {self.dimension}={self.value}: {self.n}"


class RollupMonth(models.Model):
    """The state of one month of the rollup: dirty months are computed again before they are read.

    ``version`` goes up whenever the month is computed again with another result; the dashboard's cache
    key holds the versions of the months it shows, so a change in April leaves May's dashboards cached.
    """

    month = models.DateField(_("month"), unique=True)
    dirty = models.BooleanField(_("to be computed again"), default=True)
    version = models.PositiveBigIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("rollup month")
        verbose_name_plural = _("rollup months")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} v{self.version}{' (dirty)' if self.dirty else ''}"


class RollupHousehold(models.Model):
    """A household whose intakes changed: the months of all its intakes are computed again (its first
    intake, which decides when it was newly connected, may have moved)."""

    household = models.BigIntegerField(_("household"), unique=True)

    class Meta:
        verbose_name = _("household to recount")
        verbose_name_plural = _("households to recount")

    def __str__(self) -> str:
        return str(self.household)


class RollupHouseholdSpan(models.Model):
    """Where each household is counted: its first intake ever (``kind`` ``first``, ``period`` the month of
    that intake) and, per month, quarter and fiscal year with intakes (``m``/``q``/``y``), the area and
    organisation of its first intake in it and whether its intakes in it span ≥ 2 core agency types.

    Kept so that a change to one household's intakes updates its own rows and the sums of the periods it
    is in, without reading every intake of the fiscal year again."""

    household = models.BigIntegerField(_("household"))
    kind = models.CharField(_("kind"), max_length=5)
    period = models.DateField(_("period start"))
    branch_area = models.BigIntegerField(_("branch area"), null=True)
    junior_high = models.BigIntegerField(_("junior-high school district"), null=True)
    elementary = models.BigIntegerField(_("elementary school district"), null=True)
    organisation = models.BigIntegerField(_("organisation"))
    multi = models.BooleanField(_("multiple issues"), default=False)

    class Meta:
        verbose_name = _("household in a period")
        verbose_name_plural = _("households in periods")
        constraints = [
            models.UniqueConstraint(fields=["household", "kind", "period"], name="analytics_household_span_once")
        ]
        indexes = [models.Index(fields=["kind", "period"], name="analytics_household_span")]

    def __str__(self) -> str:
        return f"{self.household} {self.kind} {self.period:%Y-%m}"


class RollupState(models.Model):
    """One row: what the rollup was built with. Another secret or routing policy means a full rebuild."""

    key_fingerprint = models.CharField(_("record key fingerprint"), max_length=32)
    policy_fingerprint = models.CharField(_("routing policy fingerprint"), max_length=64)
    built_at = models.DateTimeField(_("built at"))
    rebuild = models.BooleanField(_("rebuild everything"), default=False)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup states")

    def __str__(self) -> str:
        return f"{self.built_at:%Y-%m-%d %H:%M}"
