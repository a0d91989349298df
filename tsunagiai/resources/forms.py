"""Forms of the directory: the filters and the resource form (a service, one location, two schedules)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tsunagiai.core.forms import LabelledErrorsMixin
from tsunagiai.reference.models import Area, IssueCategory, ResourceServiceType, TargetGroup, TownBlock
from tsunagiai.resources.actions import ResourceData, ScheduleData
from tsunagiai.resources.hsds import DAY_NAMES
from tsunagiai.resources.hsds_schema import MAX_AGE
from tsunagiai.resources.models import Provider, Schedule, Service

DAYS = [(code, name) for code, name in DAY_NAMES.items()]
WEEKS = [("", _("every week")), ("1", _("1st")), ("2", _("2nd")), ("3", _("3rd")), ("4", _("4th")), ("-1", _("last"))]
SCHEDULE_ROWS = 2


def _areas() -> Any:
    return Area.objects.filter(
        active=True,
        level__in=[
            Area.Level.BRANCH_AREA,
            Area.Level.JUNIOR_HIGH_DISTRICT,
            Area.Level.ELEMENTARY_DISTRICT,
            Area.Level.NEIGHBOURHOOD_ASSOCIATION,
        ],
    ).order_by("sort_order", "code")


class DirectoryFilterForm(LabelledErrorsMixin, forms.Form):
    q = forms.CharField(label=_("Words"), max_length=100, required=False)
    service_type = forms.ModelChoiceField(
        label=_("kinds of service"), queryset=ResourceServiceType.objects.filter(active=True), required=False
    )
    target_group = forms.ModelChoiceField(
        label=_("for whom"), queryset=TargetGroup.objects.filter(active=True), required=False
    )
    area = forms.ModelChoiceField(label=_("area"), queryset=Area.objects.none(), required=False)
    category = forms.ModelChoiceField(
        label=_("helps with"), queryset=IssueCategory.objects.filter(active=True), required=False
    )
    kind = forms.ChoiceField(
        label=_("kind of provider"), choices=[("", "---------"), *Provider.Kind.choices], required=False
    )
    include_internal = forms.BooleanField(label=_("Include staff-only resources"), required=False)
    include_inactive = forms.BooleanField(label=_("Include resources no longer active"), required=False)

    def __init__(self, *args: Any, staff: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = _areas()  # type: ignore[attr-defined]
        if not staff:
            del self.fields["include_internal"]


class ResourceForm(LabelledErrorsMixin, forms.ModelForm):  # type: ignore[misc,type-arg]
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    provider = forms.ModelChoiceField(label=_("resource provider"), queryset=Provider.objects.filter(active=True))
    service_types = forms.ModelMultipleChoiceField(
        label=_("kinds of service"),
        queryset=ResourceServiceType.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
    )
    target_groups = forms.ModelMultipleChoiceField(
        label=_("for whom"),
        queryset=TargetGroup.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("helps with"),
        queryset=IssueCategory.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    areas = forms.ModelMultipleChoiceField(label=_("service areas"), queryset=Area.objects.none(), required=False)
    location_name = forms.CharField(label=_("place"), max_length=200, required=False)
    prefecture = forms.CharField(label=_("prefecture"), max_length=10, required=False)
    municipality = forms.CharField(label=_("municipality"), max_length=50, required=False)
    address_line = forms.CharField(label=_("address"), max_length=200, required=False)
    town_block = forms.ModelChoiceField(label=_("town block"), queryset=TownBlock.objects.none(), required=False)
    accessibility = forms.CharField(label=_("accessibility"), max_length=500, required=False)

    class Meta:
        model = Service
        fields = [
            "name",
            "description",
            "status",
            "is_internal",
            "capacity",
            "places_free",
            "fees_description",
            "is_free",
            "eligibility",
            "minimum_age",
            "maximum_age",
            "application_process",
            "languages",
            "offers_transport",
            "contact_name",
            "contact_phone",
            "contact_email",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = _areas()  # type: ignore[attr-defined]
        self.fields["town_block"].queryset = TownBlock.objects.filter(active=True).order_by("code")  # type: ignore[attr-defined]
        for row in range(1, SCHEDULE_ROWS + 1):
            self.fields[f"schedule{row}_days"] = forms.MultipleChoiceField(
                label=_("days (schedule %(n)s)") % {"n": row},
                choices=DAYS,
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )
            self.fields[f"schedule{row}_week"] = forms.ChoiceField(
                label=_("week of the month (schedule %(n)s)") % {"n": row}, choices=WEEKS, required=False
            )
            self.fields[f"schedule{row}_opens"] = forms.TimeField(
                label=_("opens at (schedule %(n)s)") % {"n": row},
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}),
            )
            self.fields[f"schedule{row}_closes"] = forms.TimeField(
                label=_("closes at (schedule %(n)s)") % {"n": row},
                required=False,
                widget=forms.TimeInput(attrs={"type": "time"}),
            )
        service = self.instance
        if service.pk and not self.is_bound:
            self.initial.update(
                {
                    "version": service.version,
                    "provider": service.provider_id,
                    "service_types": list(service.service_types.all()),
                    "target_groups": list(service.target_groups.all()),
                    "categories": list(service.categories.all()),
                    "areas": [a.area_id for a in service.service_areas.all()],
                }
            )
            sal = service.service_at_locations.select_related("location").order_by("id").first()
            if sal:
                loc = sal.location
                self.initial.update(
                    {
                        "location_name": loc.name,
                        "prefecture": loc.prefecture,
                        "municipality": loc.municipality,
                        "address_line": loc.address_line,
                        "town_block": loc.town_block_id,
                        "accessibility": loc.accessibility,
                    }
                )
            for row, schedule in enumerate(service.schedules.all()[:SCHEDULE_ROWS], start=1):
                days = [d.strip() for d in schedule.byday.split(",") if d.strip()]
                self.initial[f"schedule{row}_days"] = [d[-2:] for d in days]
                self.initial[f"schedule{row}_week"] = days[0][:-2] if schedule.freq == "MONTHLY" and days else ""
                self.initial[f"schedule{row}_opens"] = schedule.opens_at
                self.initial[f"schedule{row}_closes"] = schedule.closes_at

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        capacity, free = data.get("capacity"), data.get("places_free")
        if capacity is not None and free is not None and free > capacity:
            self.add_error("places_free", _("Cannot be more than the capacity."))
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.add_error("maximum_age", _("Cannot be lower than the minimum age."))
        for age in ("minimum_age", "maximum_age"):
            if data.get(age) is not None and data[age] > MAX_AGE:  # the importer's rule too (hsds_schema)
                self.add_error(age, _("Enter an age of at most 120."))
        for row in range(1, SCHEDULE_ROWS + 1):
            days = data.get(f"schedule{row}_days") or []
            week = data.get(f"schedule{row}_week") or ""
            opens, closes = data.get(f"schedule{row}_opens"), data.get(f"schedule{row}_closes")
            if (week or opens or closes) and not days:
                self.add_error(f"schedule{row}_days", _("Choose the days."))
            if opens and closes and closes <= opens:
                self.add_error(f"schedule{row}_closes", _("Must be later than the opening time."))
            if week and len(days) > 1:
                self.add_error(f"schedule{row}_days", _("For a monthly schedule choose one day."))
        if (data.get("address_line") or data.get("town_block")) and not data.get("location_name"):
            self.add_error("location_name", _("Name the place of the address."))
        return data

    def resource_data(self) -> ResourceData:
        data = self.cleaned_data
        schedules = []
        for row in range(1, SCHEDULE_ROWS + 1):
            days = data.get(f"schedule{row}_days") or []
            if not days:
                continue
            week = data.get(f"schedule{row}_week") or ""
            freq = Schedule.Frequency.MONTHLY if week else Schedule.Frequency.WEEKLY
            ordered = [code for code, _n in DAYS if code in days]
            schedules.append(
                ScheduleData(
                    freq=freq,
                    byday=",".join(f"{week}{d}" for d in ordered),
                    opens_at=data.get(f"schedule{row}_opens"),
                    closes_at=data.get(f"schedule{row}_closes"),
                )
            )
        return ResourceData(
            values={name: data[name] for name in self.Meta.fields},
            provider=data["provider"],
            service_types=list(data["service_types"]),
            target_groups=list(data["target_groups"]),
            categories=list(data["categories"]),
            areas=list(data["areas"]),
            location_name=data["location_name"],
            prefecture=data["prefecture"],
            municipality=data["municipality"],
            address_line=data["address_line"],
            town_block=data["town_block"],
            accessibility=data["accessibility"],
            schedules=schedules,
        )
