"""The dashboard's filters (GET): period, area (branch area, junior-high or elementary district), organisation.

The period is one of the publication grid (a month, fiscal quarter or fiscal year: ``grid``). Free dates
(``date_from``/``date_to``) are offered only to those who see exact figures (the coordination section);
anyone else who sends them gets a 400 naming the field, not figures for a period off the grid.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tsunagiai.analytics import grid, rollup
from tsunagiai.analytics.dashboard import Scope
from tsunagiai.analytics.kpis import AREA_LEVELS
from tsunagiai.core.forms import LabelledErrorsMixin
from tsunagiai.reference.models import Area, Organisation

ALL = gettext_lazy("All")
MAX_PERIOD_YEARS = 20


def _area_choices() -> list[tuple[Any, Any]]:
    labels = dict(Area.Level.choices)
    areas = Area.objects.filter(level__in=AREA_LEVELS, active=True).order_by("sort_order", "code")
    grouped: dict[str, list[tuple[str, str]]] = {level: [] for level in AREA_LEVELS}
    for pk, name, level in areas.values_list("id", "name", "level"):
        grouped[level].append((str(pk), name))
    return [("", ALL), *[(labels[level], grouped[level]) for level in AREA_LEVELS if grouped[level]]]


class DashboardFilterForm(LabelledErrorsMixin, forms.Form):
    period = forms.CharField(label=gettext_lazy("Period"), required=False, widget=forms.Select, max_length=12)
    date_from = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    area = forms.ChoiceField(label=gettext_lazy("Area"), required=False)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=gettext_lazy("Organisation"), required=False, empty_label=ALL
    )

    def __init__(self, *args: Any, exact: bool = False, date_style: str = "era", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.exact = exact
        today = timezone.localdate()
        self.default_period = grid.current_fiscal_year(today)
        first = rollup.first_month() or today
        period_field: Any = self.fields["period"]
        period_field.widget.choices = grid.choices(first, today, date_style)
        period_field.initial = self.default_period.code
        area_field: Any = self.fields["area"]
        area_field.choices = _area_choices()
        organisation_field: Any = self.fields["organisation"]
        organisation_field.queryset = Organisation.objects.filter(active=True).order_by("code")  # validates
        # The options as ModelChoiceField makes them (pk, str(organisation) = name), from two columns, not model rows.
        organisation_field.choices = [("", ALL), *organisation_field.queryset.values_list("pk", "name")]
        if not exact:  # free dates are not offered; sent anyway, they are refused in clean()
            del self.fields["date_from"]
            del self.fields["date_to"]

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:  # the error list beside the field describes it (screen readers)
                self.fields[name].widget.attrs.update({"aria-describedby": f"id_{name}-errors", "aria-invalid": "true"})

    def clean_period(self) -> grid.GridPeriod | None:
        code = self.cleaned_data.get("period") or ""
        if not code:
            return None
        try:
            return grid.parse(code)
        except ValueError:
            raise forms.ValidationError(
                gettext_lazy("choose a month, a quarter or a fiscal year from the list.")
            ) from None

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if not self.exact and (start or end or self.data.get("date_from") or self.data.get("date_to")):
            self.add_error(
                "period",
                gettext_lazy(
                    "figures are published for whole months, quarters and fiscal years only; choose one from the list."
                ),
            )
            return cleaned
        if start and end and start > end:
            self.add_error("date_to", gettext_lazy("must not be before the start of the period."))
        for name in ("date_from", "date_to"):
            value = cleaned.get(name)
            if value and abs(value.year - timezone.localdate().year) > MAX_PERIOD_YEARS:
                self.add_error(name, gettext_lazy("is too far from today."))
        return cleaned

    def scope(self) -> Scope:
        """The valid scope (an invalid form gives the default scope: the errors are shown)."""
        if not self.is_bound or not self.is_valid():
            return Scope(period=self.default_period, exact=self.exact)
        data = self.cleaned_data
        area = None
        if data.get("area"):
            area = Area.objects.filter(pk=int(data["area"]), level__in=AREA_LEVELS).only("id", "level").first()
        organisation = data.get("organisation")
        free = self.exact and (data.get("date_from") or data.get("date_to"))
        return Scope(
            period=None if free else (data.get("period") or self.default_period),
            date_from=data.get("date_from") if free else None,
            date_to=data.get("date_to") if free else None,
            area_level=area.level if area else "",
            area_id=area.pk if area else None,
            organisation_id=organisation.pk if organisation else None,
            exact=self.exact,
        )
