"""Forms for people and households. Every error names its field, in the user's language."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import TYPE_CHECKING, Any, cast

import jaconv
from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tsunagiai.core.forms import AreaChoiceField, LabelledErrorsMixin
from tsunagiai.core.validation import date_problem
from tsunagiai.people.models import Household, Person, RelatedPerson, Relationship
from tsunagiai.people.patterns import PATTERN_FACT_FIELDS
from tsunagiai.reference.models import Area, Organisation, TownBlock

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"]
# Katakana (and hiragana, turned into katakana), the long-vowel mark and spaces.
_KANA = re.compile(r"^[\u3041-\u3096\u309d\u309e\u30a1-\u30fa\u30fc\u30fd\u30fe\s]*$")
_PHONE = re.compile(r"^[0-9][0-9-]{5,}[0-9]$")
_POSTAL_CODE = re.compile(r"^\d{3}-?\d{4}$")
FORBIDDEN_KEYS = frozenset({"my_number", "mynumber", "individual_number", "kojin_bango"})
# The 8050 rule reads "not working" (patterns.py): withdrawal has no value of its own.
EMPLOYMENT_HELP = gettext_lazy("Choose “not working” also for someone who is withdrawn (hikikomori).")


def normalise_kana(value: str) -> str:
    """Kana as offices record it: full-width katakana, single spaces."""
    value = unicodedata.normalize("NFKC", value or "")
    value = jaconv.hira2kata(value)
    return " ".join(value.split())


def is_kana(value: str) -> bool:
    return bool(_KANA.match(value))


def normalise_phone(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip().replace("ー", "-").replace("−", "-")


def is_phone(value: str) -> bool:
    return bool(_PHONE.match(value)) and "--" not in value


def birth_date_problem(value: dt.date, today: dt.date | None = None) -> str | None:
    """Why ``value`` cannot be a birth date (without the field name), or None: 1900-01-01 to today."""
    return date_problem(value, today=today)


class RefuseMyNumberMixin:
    """A submitted My Number (個人番号) is refused, never silently dropped."""

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        data = getattr(self, "data", {}) or {}
        prefix = getattr(self, "prefix", None)
        keys = {str(key).removeprefix(f"{prefix}-") if prefix else str(key) for key in data}
        if keys & FORBIDDEN_KEYS:
            raise forms.ValidationError(_("My Number (individual number) must not be entered or stored."))
        return cleaned


class PersonForm(LabelledErrorsMixin, RefuseMyNumberMixin, forms.ModelForm):  # type: ignore[misc,type-arg]
    """The facts of a person. Usable with a ``prefix`` inside another form (intake's "new person")."""

    field_order = [
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "birth_date",
        "sex",
    ]

    class Meta:
        model = Person
        fields = [
            "family_name",
            "given_name",
            "family_name_kana",
            "given_name_kana",
            "birth_date",
            "sex",
            "phone",
            "email",
            "postal_code",
            "town_block",
            "address_line",
            "care_level",
            "certificate_physical",
            "certificate_intellectual",
            "certificate_mental",
            "public_assistance",
            "primary_language",
            "needs_interpreter",
            "lives_alone",
            "employment_status",
            "notes",
        ]
        widgets = {
            "birth_date": forms.DateInput(attrs={"type": "date", "min": "1900-01-01"}, format="%Y-%m-%d"),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
            "postal_code": forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "471-0000"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "family_name_kana": forms.TextInput(attrs={"placeholder": "ヤマダ"}),
            "given_name_kana": forms.TextInput(attrs={"placeholder": "ハナコ"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        birth_date = cast(forms.DateField, self.fields["birth_date"])
        birth_date.input_formats = DATE_INPUT_FORMATS
        birth_date.widget.attrs["max"] = timezone.localdate().isoformat()
        town_block = cast("forms.ModelChoiceField[Any]", self.fields["town_block"])
        town_block.queryset = TownBlock.objects.filter(active=True).order_by("kana", "code")
        town_block.empty_label = _("Not known")
        # Japanese unless said otherwise: a post without the field is not an error.
        language = self.fields["primary_language"]
        language.required = False
        language.initial = language.initial or "ja"
        for name in ("sex", "care_level", "employment_status"):
            choice_field = cast(forms.TypedChoiceField, self.fields[name])
            model_choices = cast(list[tuple[str, Any]], list(choice_field.choices))  # type: ignore[arg-type]
            choice_field.choices = [("", "---------"), *[(v, label) for v, label in model_choices if v != ""]]
        self.fields["employment_status"].help_text = EMPLOYMENT_HELP
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length:
                field.widget.attrs["maxlength"] = str(field.max_length)

    def clean_primary_language(self) -> str:
        return str(self.cleaned_data.get("primary_language") or "ja")

    def clean_family_name(self) -> str:
        value = " ".join(str(self.cleaned_data.get("family_name", "")).split())
        if not value:
            raise forms.ValidationError(_("This field is required."))
        return value

    def clean_given_name(self) -> str:
        return " ".join(str(self.cleaned_data.get("given_name", "")).split())

    def _clean_kana(self, name: str) -> str:
        value = normalise_kana(self.cleaned_data.get(name, ""))
        if not is_kana(value):
            raise forms.ValidationError(_("enter kana only (katakana or hiragana)."))
        max_length = cast(int, getattr(Person._meta.get_field(name), "max_length", 0))
        if len(value) > max_length:
            raise forms.ValidationError(_("enter at most %(max)s characters.") % {"max": max_length})
        return value

    def clean_family_name_kana(self) -> str:
        return self._clean_kana("family_name_kana")

    def clean_given_name_kana(self) -> str:
        return self._clean_kana("given_name_kana")

    def clean_birth_date(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get("birth_date")
        if value is not None and (problem := birth_date_problem(value)):
            raise forms.ValidationError(problem)
        return value

    def clean_phone(self) -> str:
        value = normalise_phone(self.cleaned_data.get("phone", ""))
        if value and not is_phone(value):
            raise forms.ValidationError(_("enter digits and hyphens only (e.g. 0565-00-0000)."))
        return value

    def clean_postal_code(self) -> str:
        value = unicodedata.normalize("NFKC", self.cleaned_data.get("postal_code", "")).strip()
        if value and not _POSTAL_CODE.match(value):
            raise forms.ValidationError(_("enter seven digits (e.g. 471-0000)."))
        if value and "-" not in value:
            value = f"{value[:3]}-{value[3:]}"
        return value


class PersonEditForm(PersonForm):
    """A person form that carries the version it was loaded at (optimistic concurrency)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def person_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in PersonForm.Meta.fields}


class OrganisationForm(forms.Form):
    """Which of the user's organisations registers the record (asked only when they have several)."""

    organisation = forms.ModelChoiceField(label=gettext_lazy("registered by"), queryset=Organisation.objects.none())

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        from tsunagiai.accounts import access

        super().__init__(*args, **kwargs)
        organisations = access.staff_organisations(user)
        field = cast("forms.ModelChoiceField[Organisation]", self.fields["organisation"])
        field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations]).order_by("name")
        field.required = False
        self.needs_choice = len(organisations) > 1
        self.default = organisations[0] if organisations else None
        if self.default is not None:
            field.initial = self.default.pk

    def clean_organisation(self) -> Organisation:
        """Not given: the user's first organisation (most staff belong to one)."""
        organisation: Organisation | None = self.cleaned_data.get("organisation") or self.default
        if organisation is None:
            raise forms.ValidationError(_("This field is required."))
        return organisation


class PersonSearchForm(LabelledErrorsMixin, forms.Form):
    q = forms.CharField(label=gettext_lazy("Name, kana or date of birth"), required=False, max_length=100)
    area = AreaChoiceField(
        label=gettext_lazy("Area"), queryset=Area.objects.none(), required=False, empty_label=gettext_lazy("All areas")
    )
    age_band = forms.ChoiceField(label=gettext_lazy("Age"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from tsunagiai.people.selectors import AGE_BANDS

        super().__init__(*args, **kwargs)
        area = cast("forms.ModelChoiceField[Any]", self.fields["area"])
        area.queryset = Area.objects.filter(level__in=Area.HIERARCHY[:3], active=True).order_by(
            "level", "sort_order", "code"
        )
        age_band = cast(forms.ChoiceField, self.fields["age_band"])
        age_band.choices = [("", _("All ages"))] + [(band, _age_band_label(band)) for band in AGE_BANDS]
        # Changing a filter refreshes the results in place (the page still works without JS).
        for name in ("area", "age_band"):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": reverse("people:search"),
                    "hx-trigger": "change",
                    "hx-target": "#person-results",
                    "hx-swap": "outerHTML",
                    "hx-include": "closest form",
                    "hx-push-url": "true",
                }
            )


def _age_band_label(band: str) -> str:
    if band.endswith("+"):
        return _("%(low)s and over") % {"low": band[:-1]}
    low, high = band.split("-")
    return _("%(low)s to %(high)s") % {"low": low, "high": high}


class HouseholdSearchForm(LabelledErrorsMixin, forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Household or member name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    area = AreaChoiceField(
        label=gettext_lazy("Area"), queryset=Area.objects.none(), required=False, empty_label=gettext_lazy("All areas")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area = cast("forms.ModelChoiceField[Any]", self.fields["area"])
        area.queryset = Area.objects.filter(level__in=Area.HIERARCHY, active=True).order_by(
            "level", "sort_order", "code"
        )


class HouseholdForm(LabelledErrorsMixin, RefuseMyNumberMixin, forms.ModelForm):  # type: ignore[misc,type-arg]
    class Meta:
        model = Household
        fields = ["name", "town_block", "address_line", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        town_block = cast("forms.ModelChoiceField[Any]", self.fields["town_block"])
        town_block.queryset = TownBlock.objects.filter(active=True).order_by("kana", "code")
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length:
                field.widget.attrs["maxlength"] = str(field.max_length)


class HouseholdEditForm(HouseholdForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def household_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in HouseholdForm.Meta.fields}


def _not_future(value: dt.date | None) -> None:
    """A household membership's dates: 1900-01-01 to today (core.validation)."""
    if value is not None and (problem := date_problem(value)):
        raise forms.ValidationError(problem)


class NewMemberForm(LabelledErrorsMixin, forms.Form):
    """The relationship and start date when a new person is registered straight into a household."""

    # No default: the first choice was 世帯主 (head of household), so a new member of a household that has a
    # head already was registered as a second head unless the user noticed.
    relationship = forms.ChoiceField(
        label=gettext_lazy("relationship"), choices=[("", gettext_lazy("Choose…")), *Relationship.choices]
    )
    started_on = forms.DateField(
        label=gettext_lazy("from"),
        required=False,
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_started_on(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get("started_on")
        _not_future(value)
        return value


class MembershipForm(NewMemberForm):
    """Add an existing (visible) person to a household."""

    person = forms.IntegerField(label=gettext_lazy("Member"), widget=forms.HiddenInput)
    # The household the person was in when the form was shown (0: none); left out, it is not checked.
    current_household = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**62)
    field_order = ["person", "relationship", "started_on"]


_PATTERN_FACT_FIELDS = forms.fields_for_model(
    Person,
    fields=PATTERN_FACT_FIELDS,
    widgets={"birth_date": forms.DateInput(attrs={"type": "date", "min": "1900-01-01"}, format="%Y-%m-%d")},
)


class MemberFactsForm(LabelledErrorsMixin, forms.Form):
    """The facts of an existing person that the household patterns need, offered (never required) when they are added.

    Validated like the person form. Only the facts that were posted and differ from what is stored are written
    (``changed_facts``), on the person's version as the form was shown (``version``): a correction made elsewhere
    meanwhile is never overwritten.
    """

    birth_date = _PATTERN_FACT_FIELDS["birth_date"]
    care_level = _PATTERN_FACT_FIELDS["care_level"]
    employment_status = _PATTERN_FACT_FIELDS["employment_status"]
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**62, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        birth_date = cast(forms.DateField, self.fields["birth_date"])
        birth_date.input_formats = DATE_INPUT_FORMATS
        birth_date.widget.attrs["max"] = timezone.localdate().isoformat()
        for name in ("care_level", "employment_status"):
            choice_field = cast(forms.TypedChoiceField, self.fields[name])
            model_choices = cast(list[tuple[str, Any]], list(choice_field.choices))  # type: ignore[arg-type]
            choice_field.choices = [("", _("not known")), *[(v, label) for v, label in model_choices if v != ""]]
        self.fields["employment_status"].help_text = EMPLOYMENT_HELP
        for field in self.fields.values():
            field.required = False

    def clean_birth_date(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get("birth_date")
        if value is not None and (problem := birth_date_problem(value)):
            raise forms.ValidationError(problem)
        return value

    def changed_facts(self, person: Person) -> dict[str, Any]:
        """The posted facts that differ from the person's stored ones (a fact not sent is left as it is)."""
        posted = {name for name in PATTERN_FACT_FIELDS if self.add_prefix(name) in self.data}
        return {
            name: self.cleaned_data[name]
            for name in PATTERN_FACT_FIELDS
            if name in posted and self.cleaned_data[name] != getattr(person, name)
        }


class EndMembershipForm(LabelledErrorsMixin, forms.Form):
    """When and why a member left the household."""

    ended_on = forms.DateField(
        label=gettext_lazy("until"),
        input_formats=DATE_INPUT_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end_reason = forms.CharField(
        label=gettext_lazy("reason for leaving"),
        max_length=200,
        help_text=gettext_lazy("e.g. moved out, entered a care facility, died"),
    )

    def __init__(self, *args: Any, started_on: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.started_on = started_on
        self.fields["end_reason"].widget.attrs["maxlength"] = "200"

    def clean_ended_on(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get("ended_on")
        _not_future(value)
        if value is not None and self.started_on and value < self.started_on:
            raise forms.ValidationError(_("the date is before the member joined the household."))
        return value


class RelatedPersonForm(LabelledErrorsMixin, forms.ModelForm):  # type: ignore[misc,type-arg]
    class Meta:
        model = RelatedPerson
        fields = ["name", "role", "relationship", "contact", "notes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and field.max_length:
                field.widget.attrs["maxlength"] = str(field.max_length)
