"""Regional forms: the shape and types of the input; the rules live in the actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagiai.cases.forms import active_organisations
from tsunagiai.core.forms import AreaChoiceField, LabelledErrorsMixin
from tsunagiai.core.validation import PlausibleDateField
from tsunagiai.reference.models import Area, IssueCategory, Organisation
from tsunagiai.regional.models import TEXT_MAX, CommunityMeeting, IssueStatus, NetworkEvent
from tsunagiai.resources.models import Service


def categories() -> Any:
    return IssueCategory.objects.filter(active=True).order_by("sort_order", "code")


def elementary_districts() -> Any:
    return Area.objects.filter(level=Area.Level.ELEMENTARY_DISTRICT, active=True).order_by("sort_order", "code")


def regional_areas() -> Any:
    return Area.objects.filter(
        level__in=[Area.Level.BRANCH_AREA, Area.Level.JUNIOR_HIGH_DISTRICT, Area.Level.ELEMENTARY_DISTRICT],
        active=True,
    ).order_by("level", "sort_order", "code")


class OrganisationsField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name}（{obj.agency_type.label}）"


class UnmetNeedForm(LabelledErrorsMixin, forms.Form):
    category = forms.ModelChoiceField(label=_("Issue category"), queryset=IssueCategory.objects.none())
    area = AreaChoiceField(
        label=_("Elementary district"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("The focus person's district"),
    )
    what_was_missing = forms.CharField(
        label=_("What was missing"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    noted_on = PlausibleDateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories()  # type: ignore[attr-defined]
        self.fields["area"].queryset = elementary_districts()  # type: ignore[attr-defined]
        self.fields["noted_on"].initial = timezone.localdate()


class IssueForm(LabelledErrorsMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    area = AreaChoiceField(label=_("Area"), queryset=Area.objects.none())
    categories = forms.ModelMultipleChoiceField(label=_("Issue categories"), queryset=IssueCategory.objects.none())
    description = forms.CharField(
        label=_("Description"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = regional_areas()  # type: ignore[attr-defined]
        self.fields["categories"].queryset = categories()  # type: ignore[attr-defined]


class TransitionForm(LabelledErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    to = forms.ChoiceField(label=_("New status"), choices=IssueStatus.choices)
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ServicesForm(LabelledErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    services = forms.ModelMultipleChoiceField(
        label=_("Resources created in answer"), queryset=Service.objects.none(), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = Service.objects.select_related("provider").order_by("name", "id")  # type: ignore[attr-defined]


class MeetingForm(LabelledErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=CommunityMeeting.Kind.choices)
    held_on = PlausibleDateField(label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=_("Title"), max_length=200)
    participating_organisations = OrganisationsField(
        label=_("Participating organisations"), queryset=Organisation.objects.none()
    )
    decisions = forms.CharField(
        label=_("Decisions"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    minutes = forms.CharField(
        label=_("Minutes"), max_length=TEXT_MAX * 5, required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participating_organisations"].queryset = active_organisations()  # type: ignore[attr-defined]


class EventForm(LabelledErrorsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of event"), choices=NetworkEvent.Kind.choices)
    held_on = PlausibleDateField(label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}))
    title = forms.CharField(label=_("Title"), max_length=200)
    participating_organisations = OrganisationsField(
        label=_("Participating organisations"), queryset=Organisation.objects.none()
    )
    note = forms.CharField(
        label=_("Note"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participating_organisations"].queryset = active_organisations()  # type: ignore[attr-defined]
