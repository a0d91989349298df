"""Community forms: the shape and types of the input; the rules live in the actions."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from tsunagiai.community.models import (
    DAY_PARTS,
    NOTE_MAX_LENGTH,
    WEEKDAYS,
    GroupMember,
    HelpRequest,
    Participation,
    Skill,
    availability_bit,
)
from tsunagiai.core.forms import LabelledErrorsMixin
from tsunagiai.core.validation import PLANNING_HORIZON, PlausibleDateField
from tsunagiai.people.models import Person
from tsunagiai.reference.models import Area, ResourceServiceType, TownBlock
from tsunagiai.resources.models import Provider, Service

WEEKDAY_CHOICES = [
    ("", _("Any day")),
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]
MOBILITY_CHOICES = [
    ("", _("From the care level")),
    ("no", _("Can go out")),
    ("yes", _("Cannot travel: transport or visits first")),
]
PART_LABELS = {"morning": _("morning"), "afternoon": _("afternoon"), "evening": _("evening")}


class NamedChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return getattr(obj, "full_name", None) or str(obj)


class ResourceSearchForm(LabelledErrorsMixin, forms.Form):
    person = NamedChoiceField(label=_("For whom"), queryset=Person.objects.none(), required=False, empty_label=None)
    weekday = forms.ChoiceField(label=_("Open on"), choices=WEEKDAY_CHOICES, required=False)
    service_type = forms.ModelChoiceField(
        label=_("Kind of service"),
        queryset=ResourceServiceType.objects.filter(active=True),
        required=False,
        empty_label=_("All kinds"),
    )
    mobility = forms.ChoiceField(label=_("Getting there"), choices=MOBILITY_CHOICES, required=False)

    def __init__(self, *args: Any, people: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["person"])  # type: ignore[type-arg]
        field.queryset = Person.objects.filter(pk__in=[p.pk for p in people])
        field.choices = [(p.pk, p.full_name) for p in people]


class ParticipationForm(LabelledErrorsMixin, forms.Form):
    person = forms.IntegerField(label=_("For whom"), min_value=1, max_value=2**62, widget=forms.HiddenInput)
    service = forms.ModelChoiceField(
        label=_("Community resource"), queryset=Service.objects.none(), widget=forms.HiddenInput
    )
    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX_LENGTH, required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["service"])  # type: ignore[type-arg]
        field.queryset = services


class ParticipationTransitionForm(LabelledErrorsMixin, forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=Participation.Status.choices)
    on = PlausibleDateField(label=_("Date"), required=False)
    stop_reason = forms.ChoiceField(
        label=_("Reason for stopping"),
        choices=[("", "—"), *Participation.StopReason.choices],
        required=False,
    )
    note = forms.CharField(label=_("Note"), max_length=NOTE_MAX_LENGTH, required=False, widget=forms.Textarea)
    version = forms.IntegerField(min_value=1, max_value=2**31, widget=forms.HiddenInput)


class GroupChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Provider) -> str:
        return obj.name


class TownBlockChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: TownBlock) -> str:
        return obj.name


class HelpRequestForm(LabelledErrorsMixin, forms.Form):
    task = forms.ChoiceField(label=_("Task"), choices=HelpRequest.Task.choices)
    description = forms.CharField(
        label=_("What is needed (no names)"),
        max_length=1000,
        widget=forms.Textarea,
        help_text=_("Shown to the group: describe the task and the situation without naming anyone."),
    )
    town_block = TownBlockChoiceField(label=_("Town block"), queryset=TownBlock.objects.none())
    preferred_date = PlausibleDateField(label=_("Preferred date"), required=False, max_future=PLANNING_HORIZON)
    preferred_time = forms.ChoiceField(label=_("Preferred time"), choices=HelpRequest.TimeOfDay.choices)
    group = GroupChoiceField(label=_("Group"), queryset=Provider.objects.none())
    person = forms.IntegerField(label=_("For whom"), min_value=1, max_value=2**62, required=False)
    share_identity = forms.BooleanField(
        label=_("Share the name and contact with the group"),
        required=False,
        help_text=_("Only when the person's consent in force covers the group."),
    )

    def __init__(self, *args: Any, groups: Any, blocks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group_field = cast(forms.ModelChoiceField, self.fields["group"])  # type: ignore[type-arg]
        block_field = cast(forms.ModelChoiceField, self.fields["town_block"])  # type: ignore[type-arg]
        group_field.queryset = groups
        block_field.queryset = blocks


class AssignForm(LabelledErrorsMixin, forms.Form):
    volunteers = forms.ModelMultipleChoiceField(
        label=_("Volunteers"), queryset=Skill.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    version = forms.IntegerField(min_value=1, max_value=2**31, widget=forms.HiddenInput)

    def __init__(self, *args: Any, volunteers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["volunteers"])  # type: ignore[type-arg]
        field.queryset = volunteers


class CloseForm(LabelledErrorsMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(HelpRequest.Status.DONE, _("Done")), (HelpRequest.Status.COULD_NOT, _("Could not help"))],
    )
    note = forms.CharField(label=_("Outcome note"), max_length=500, required=False)
    version = forms.IntegerField(min_value=1, max_value=2**31, widget=forms.HiddenInput)


class HelpFilterForm(LabelledErrorsMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("All")), *HelpRequest.Status.choices], required=False)
    task = forms.ChoiceField(label=_("Task"), choices=[("", _("All")), *HelpRequest.Task.choices], required=False)


class PeriodForm(LabelledErrorsMixin, forms.Form):
    # A period to count: plausible dates (core.validation), up to about five years ahead.
    date_from = PlausibleDateField(label=_("From"), required=False, max_future=PLANNING_HORIZON)
    date_to = PlausibleDateField(label=_("Until"), required=False, max_future=PLANNING_HORIZON)

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("Must not be before the start of the period."))
        return cleaned


def availability_choices() -> list[tuple[str, str]]:
    names = [str(label) for _v, label in WEEKDAY_CHOICES[1:]]
    return [
        (f"{day}_{part}", f"{names[i]} {PART_LABELS[part]}") for i, day in enumerate(WEEKDAYS) for part in DAY_PARTS
    ]


class VolunteerForm(LabelledErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=100)
    kana = forms.CharField(label=_("Full name (kana)"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills"), queryset=Skill.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas of activity"),
        queryset=Area.objects.filter(level=Area.Level.ELEMENTARY_DISTRICT, active=True),
        required=False,
    )
    availability = forms.MultipleChoiceField(
        label=_("Availability"), choices=availability_choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    version = forms.IntegerField(min_value=1, max_value=2**31, required=False, widget=forms.HiddenInput)

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data.get("phone", "")
        if phone and not all(ch.isdigit() or ch in "-+() " for ch in phone):
            raise forms.ValidationError(_("Use digits and hyphens only."))
        return phone

    def availability_bits(self) -> int:
        bits = 0
        for token in self.cleaned_data.get("availability", []):
            day, part = token.split("_")
            bits |= availability_bit(WEEKDAYS.index(day), DAY_PARTS.index(part))
        return bits


def availability_tokens(bits: int) -> list[str]:
    return [
        f"{day}_{part}"
        for i, day in enumerate(WEEKDAYS)
        for j, part in enumerate(DAY_PARTS)
        if bits & availability_bit(i, j)
    ]


class LoginField(forms.CharField):
    """The username of an existing login (optional): the member then sees the group's queue."""

    def clean(self, value: Any) -> Any:
        from tsunagiai.accounts.models import User

        username = super().clean(value)
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No login with this username."))
        return user


class GroupMemberForm(LabelledErrorsMixin, forms.Form):
    group = GroupChoiceField(label=_("Group"), queryset=Provider.objects.none())
    name = forms.CharField(label=_("Full name"), max_length=100)
    login = LoginField(label=_("Login (username)"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role in the group"), choices=GroupMember.GroupRole.choices)
    joined_on = PlausibleDateField(label=_("Joined on"), required=False)

    def __init__(self, *args: Any, groups: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["group"]).queryset = groups  # type: ignore[type-arg]
