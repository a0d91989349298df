"""Intake forms: the standard consultation and the two short forms. Every error names its field."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Collection, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.choices import BaseChoiceIterator
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tsunagiai.accounts import access
from tsunagiai.accounts.access import messages as emergency_messages
from tsunagiai.core.forms import LabelledErrorsMixin
from tsunagiai.core.validation import CLOCK_SKEW, PLANNING_HORIZON, PlausibleDateField
from tsunagiai.intake.actions import RECORDED_FIELDS, HouseholdChoice, intake_moment_problem
from tsunagiai.intake.models import CONCERN_MAX_LENGTH, Intake
from tsunagiai.people.forms import PersonForm
from tsunagiai.people.models import Person, Relationship
from tsunagiai.reference.forms import OrganisationsField
from tsunagiai.reference.models import (
    ConsulterType,
    IntakeChannel,
    IssueCategory,
    Organisation,
    TownBlock,
    UrgencyLevel,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from tsunagiai.accounts.models import User

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"

# The triage panel (tsunagiai.triage, which builds on intake) reads the concern as staff type: the form
# names only the panel's URL and the opt-in field, and the suggestion is stored by triage's receiver of
# ``intake.signals.intake_saved``, so intake imports nothing of triage.
PANEL_TARGET = "#triage-panel"
# Debounced: a suggestion after the typing pauses, and one for the text already there.
PANEL_TRIGGER = "input changed delay:600ms, load"
OPT_IN_FIELD = "triage_training_opt_in"


def attach_suggestion_panel(form: forms.Form, field_name: str = "concern") -> None:
    """Make the concern textarea ask the triage panel for a suggestion as staff type (htmx)."""
    form.fields[field_name].widget.attrs.update(
        {
            "hx-post": reverse("triage:suggest"),
            "hx-trigger": PANEL_TRIGGER,
            "hx-target": PANEL_TARGET,
            "hx-swap": "innerHTML",
            "hx-sync": "this:replace",
            "aria-controls": "triage-panel",
        }
    )


def training_opt_in_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=gettext_lazy("Use my choices to improve the suggestions (names and addresses are masked)"),
        required=False,
    )


def training_opt_in_of(intake: Intake) -> bool:
    """Whether the staff member opted in to training with this intake (its stored triage suggestion)."""
    suggestion = getattr(intake, "triage_suggestion", None)  # the reverse one-to-one; None when there is none
    return bool(suggestion and suggestion.training_opt_in)


DATETIME_INPUT_FORMATS = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M"]
PERSON_PREFIX = "person"
CHOOSE = gettext_lazy("Choose…")
ALL = gettext_lazy("All")


class PersonMode:
    FOUND = "found"
    NEW = "new"
    ANONYMOUS = "anonymous"

    CHOICES = (
        (FOUND, gettext_lazy("A person already registered (search above)")),
        (NEW, gettext_lazy("Register a new person")),
        (ANONYMOUS, gettext_lazy("Anonymous or not identified")),
    )


HOUSEHOLD_CHOICES = (
    (HouseholdChoice.NEW, gettext_lazy("Start a new household with this person")),
    (HouseholdChoice.JOIN, gettext_lazy("Add to the household of the person found above")),
    (HouseholdChoice.NONE, gettext_lazy("Do not register a household now")),
)


def now_for_input() -> dt.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


def datetime_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


def moment_problem(value: dt.datetime) -> str | None:
    """Why ``value`` cannot be when something happened (without the field name), or None.

    The one rule of the actions (``intake_moment_problem``): plausible (core.validation), within two years.
    """
    return intake_moment_problem(value)


def _terms[T: (IntakeChannel, ConsulterType, UrgencyLevel, IssueCategory)](model: type[T]) -> QuerySet[T]:
    return model.objects.filter(active=True).order_by("sort_order", "code")


def set_queryset(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    """Narrow a choice field's queryset at request time (the user's organisations, active terms)."""
    field = cast("forms.ModelChoiceField[Any]", form.fields[name])
    field.queryset = queryset


def _town_block_field() -> forms.ModelChoiceField[TownBlock]:
    return forms.ModelChoiceField(
        queryset=TownBlock.objects.filter(active=True).order_by("kana", "code"),
        required=False,
        label=gettext_lazy("Where (town block)"),
        empty_label=CHOOSE,
    )


class _IntakeFieldsForm(LabelledErrorsMixin, forms.Form):
    """The fields shared by recording and editing a standard intake."""

    received_at = forms.DateTimeField(
        label=gettext_lazy("Received at"), input_formats=DATETIME_INPUT_FORMATS, widget=datetime_widget()
    )
    receiving_organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=gettext_lazy("Receiving organisation"), empty_label=None
    )
    channel = forms.ModelChoiceField(
        queryset=IntakeChannel.objects.none(), label=gettext_lazy("Channel"), empty_label=CHOOSE
    )
    consulter_type = forms.ModelChoiceField(
        queryset=ConsulterType.objects.none(), label=gettext_lazy("Consulter"), empty_label=CHOOSE
    )
    consulter_name = forms.CharField(label=gettext_lazy("Consulter's name"), max_length=100, required=False)
    consulter_contact = forms.CharField(label=gettext_lazy("Consulter's contact"), max_length=100, required=False)
    subject_description = forms.CharField(
        label=gettext_lazy("About whom (when not identified)"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("e.g. a woman in her 80s living alone"),
    )
    town_block = _town_block_field()
    address_line = forms.CharField(label=gettext_lazy("Address (after the town block)"), max_length=200, required=False)
    concern = forms.CharField(
        label=gettext_lazy("Concern"), max_length=CONCERN_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6})
    )
    categories = forms.ModelMultipleChoiceField(
        queryset=IssueCategory.objects.none(),
        label=gettext_lazy("Categories"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    urgency = forms.ModelChoiceField(
        queryset=UrgencyLevel.objects.none(), label=gettext_lazy("Urgency"), widget=forms.RadioSelect, empty_label=None
    )
    consent_status = forms.ChoiceField(
        label=gettext_lazy("Consent to share"), choices=Intake.ConsentStatus.choices, initial="not_asked"
    )
    # The scope of the consent: named, it becomes a consent record once the intake has a person.
    consent_organisations = OrganisationsField(
        label=gettext_lazy("Organisations the consent covers"),
        required=False,
        help_text=gettext_lazy(
            "With consent given, the organisations the person agreed to share with. Named here, the consent is "
            "recorded for the person; left empty, it must still be recorded on the person's consents."
        ),
    )
    first_response = forms.ChoiceField(
        label=gettext_lazy("First response"),
        choices=Intake.FirstResponse.choices,
        widget=forms.RadioSelect,
        initial=Intake.FirstResponse.UNDECIDED,
    )
    first_response_note = forms.CharField(
        label=gettext_lazy("First response note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    triage_training_opt_in = training_opt_in_field()

    def __init__(self, *args: Any, user: User, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        fields = self.fields
        self._set_queryset("receiving_organisation", Organisation.objects.filter(pk__in=[o.pk for o in organisations]))
        self._set_queryset("channel", _terms(IntakeChannel))
        self._set_queryset("consulter_type", _terms(ConsulterType))
        self._set_queryset("categories", _terms(IssueCategory))
        self._set_queryset("urgency", _terms(UrgencyLevel))
        fields["received_at"].widget.attrs["max"] = (timezone.localtime() + CLOCK_SKEW).strftime(DATETIME_FORMAT)
        organisations_field = fields["consent_organisations"]
        if isinstance(organisations_field, OrganisationsField):
            organisations_field.put_first((), first_label="")
        attach_suggestion_panel(self)

    def _set_queryset(self, name: str, queryset: QuerySet[Any]) -> None:
        set_queryset(self, name, queryset)

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        consented = self.cleaned_data.get("consent_status") in (Intake.ConsentStatus.WRITTEN, Intake.ConsentStatus.ORAL)
        if self.cleaned_data.get("consent_organisations") and not consented:
            self.add_error(
                "consent_organisations",
                forms.ValidationError(
                    gettext_lazy("name organisations only when the person gave consent."), code="no_consent"
                ),
            )
        return cleaned

    def clean_received_at(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["received_at"]
        problem = moment_problem(value)
        if problem:
            raise forms.ValidationError(problem, code="out_of_range")
        return value


class PersonChoiceMixin(forms.Form):
    """Who a form is about: a person found (``person_id``) or a new one (``PersonForm``), and their household.

    Shared by ``IntakeForm`` and ``LinkPersonForm``. Only people the user may name are found
    (``access.linkable_people``: not those open through an emergency access alone, not a suspended
    person); missing and not-yours alike read "not found"; a new person passes ``PersonForm``.
    A ``forms.Form`` so that its fields are collected; put it before the other form bases, after
    ``LabelledErrorsMixin``. The using form sets ``user``, ``person_form`` and ``found_person``.
    """

    person_mode = forms.ChoiceField(
        label=gettext_lazy("Who is it about"), choices=PersonMode.CHOICES, widget=forms.RadioSelect, initial="found"
    )
    person_id = forms.IntegerField(label=gettext_lazy("Person"), required=False, widget=forms.HiddenInput, min_value=1)
    household_choice = forms.ChoiceField(
        label=gettext_lazy("Household of the new person"),
        choices=HOUSEHOLD_CHOICES,
        widget=forms.RadioSelect,
        initial=HouseholdChoice.NEW,
        required=False,
    )
    relationship = forms.ChoiceField(
        label=gettext_lazy("Relationship to the head of that household"),
        choices=[("", CHOOSE), *[(v, label) for v, label in Relationship.choices if v != Relationship.HEAD]],
        required=False,
    )

    # The error when "a person already registered" is chosen but none is: it names the other options.
    found_missing_message: ClassVar[StrOrPromise] = gettext_lazy(
        "search for the person and choose them, or choose another option."
    )
    # Where the error summary points for a field with no single input (the radio groups).
    unlabelled_error_target: ClassVar[str] = ""

    user: User
    person_form: PersonForm
    found_person: Person | None

    @property
    def mode(self) -> str:
        value = self.data.get("person_mode") if self.is_bound else self.initial.get("person_mode")
        return str(value or PersonMode.FOUND)

    def is_valid(self) -> bool:
        valid = super().is_valid()
        if self.is_bound and self.mode == PersonMode.NEW:
            valid = self.person_form.is_valid() and valid
        return valid

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        mode = cleaned.get("person_mode")
        person_id = cleaned.get("person_id")
        if person_id:
            # Missing and not-yours look alike: the field says "not found", nothing more.
            # A person open to the user only through an emergency access is never linked
            # (found or as the household to join): the grant is for reading (access.linkable_people).
            self.found_person = access.linkable_people(self.user, among=[person_id]).first()
            if self.found_person is None:
                seen = access.visible_people(self.user, among=[person_id]).first()
                if access.emergency_only(self.user, seen):
                    self.add_error("person_id", str(emergency_messages.INTAKE_READ_ONLY))
                else:
                    self.add_error("person_id", _("the chosen person was not found. Search again."))
        if mode == PersonMode.FOUND and not person_id and "person_id" not in self.errors:
            self.add_error("person_id", str(self.found_missing_message))
        if mode == PersonMode.NEW:
            choice = cleaned.get("household_choice") or HouseholdChoice.NONE
            cleaned["household_choice"] = choice
            if choice == HouseholdChoice.JOIN and not person_id and "person_id" not in self.errors:
                self.add_error("household_choice", _("search for and choose the person whose household to join."))
            if choice == HouseholdChoice.JOIN and not cleaned.get("relationship"):
                self.add_error("relationship", _("choose the relationship."))
        return cleaned

    def new_person_arguments(self) -> dict[str, Any]:
        """The action's keyword arguments for a new person and their household (after ``is_valid()``)."""
        data = self.cleaned_data
        arguments: dict[str, Any] = {
            "new_person": dict(self.person_form.cleaned_data),
            "household_choice": data["household_choice"],
            "relationship": data.get("relationship") or "",
        }
        if data["household_choice"] == HouseholdChoice.JOIN:
            arguments["join_household_of"] = self.found_person
        return arguments

    def all_errors(self) -> list[tuple[str, str]]:
        """(input id, message) for the error summary, the new person's fields included."""
        result = [
            (self[name].id_for_label or self.unlabelled_error_target, str(message))
            for name, msgs in self.errors.items()
            if name in self.fields
            for message in msgs
        ]
        if self.mode == PersonMode.NEW and self.is_bound:
            result += [
                (f"id_{PERSON_PREFIX}-{name}", str(m)) for name, msgs in self.person_form.errors.items() for m in msgs
            ]
        return result + [("", str(message)) for message in self.non_field_errors()]


class IntakeForm(PersonChoiceMixin, _IntakeFieldsForm):
    """Recording a consultation: the intake fields and who it is about (found, new or anonymous)."""

    field_order = [
        "received_at",
        "receiving_organisation",
        "channel",
        "consulter_type",
        "consulter_name",
        "consulter_contact",
        "person_mode",
        "person_id",
    ]

    def __init__(self, data: Any = None, *, user: User, **kwargs: Any) -> None:
        organisations = access.staff_organisations(user)
        initial = {"received_at": now_for_input(), "urgency": "normal", **(kwargs.pop("initial", None) or {})}
        if organisations:
            initial.setdefault("receiving_organisation", organisations[0].pk)
        super().__init__(data, user=user, organisations=organisations, initial=initial, **kwargs)
        self.person_form = PersonForm(data, prefix=PERSON_PREFIX, use_required_attribute=False)
        self.found_person = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("person_mode") == PersonMode.ANONYMOUS and not cleaned.get("subject_description"):
            self.add_error("subject_description", _("describe the person briefly (e.g. age and situation)."))
        return cleaned

    def action_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``do_record_intake`` (after ``is_valid()``)."""
        data = self.cleaned_data
        mode = data["person_mode"]
        arguments: dict[str, Any] = {name: data[name] for name in RECORDED_FIELDS}
        arguments["is_anonymous"] = mode == PersonMode.ANONYMOUS
        arguments["training_opt_in"] = bool(data.get(OPT_IN_FIELD))
        if mode == PersonMode.FOUND:
            arguments["person"] = self.found_person
        elif mode == PersonMode.NEW:
            arguments.update(self.new_person_arguments())
        return arguments


class IntakeEditForm(_IntakeFieldsForm):
    """Correcting an intake; ``version`` is the one the editor loaded."""

    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Intake.Status.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, label=gettext_lazy("Version"))
    incident_at = forms.DateTimeField(
        label=gettext_lazy("Date and time of the call-out"),
        input_formats=DATETIME_INPUT_FORMATS,
        widget=datetime_widget(),
        required=False,
    )
    incident_type = forms.ChoiceField(
        label=gettext_lazy("Call-out"), choices=[("", CHOOSE), *Intake.IncidentType.choices], required=False
    )

    def __init__(self, data: Any = None, *, user: User, intake: Intake, **kwargs: Any) -> None:
        organisations = access.staff_organisations(user)
        if intake.receiving_organisation not in organisations:
            organisations = [intake.receiving_organisation, *organisations]
        initial = {
            **{name: getattr(intake, name) for name in ("consulter_name", "consulter_contact", "subject_description")},
            "received_at": timezone.localtime(intake.received_at),
            "receiving_organisation": intake.receiving_organisation_id,
            "channel": intake.channel_id,
            "consulter_type": intake.consulter_type_id,
            "town_block": intake.town_block_id,
            "address_line": intake.address_line,
            "concern": intake.concern,
            "categories": [c.pk for c in intake.categories.all()],
            "urgency": intake.urgency_id,
            "consent_status": intake.consent_status,
            "consent_organisations": [org.pk for org in intake.consent_organisations.all()],
            "first_response": intake.first_response,
            "first_response_note": intake.first_response_note,
            "status": intake.status,
            "version": intake.version,
            "incident_at": timezone.localtime(intake.incident_at) if intake.incident_at else None,
            "incident_type": intake.incident_type,
            OPT_IN_FIELD: training_opt_in_of(intake),
        }
        super().__init__(data, user=user, organisations=organisations, initial=initial, **kwargs)
        self.intake = intake
        if intake.kind != Intake.Kind.FIRE_REPORT:
            del self.fields["incident_at"]
            del self.fields["incident_type"]

    def clean_incident_at(self) -> dt.datetime | None:
        value: dt.datetime | None = self.cleaned_data.get("incident_at")
        if value is not None and (problem := moment_problem(value)):
            raise forms.ValidationError(problem, code="out_of_range")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields to pass to ``do_update_intake``: those present in the form."""
        return {name: value for name, value in self.cleaned_data.items() if name not in {"version", OPT_IN_FIELD}}

    def all_errors(self) -> list[tuple[str, str]]:
        result = [
            (self[name].id_for_label or "", str(m))
            for name, msgs in self.errors.items()
            if name in self.fields
            for m in msgs
        ]
        return result + [("", str(message)) for message in self.non_field_errors()]


LINK_MODE_CHOICES = PersonMode.CHOICES[:2]


class LinkPersonForm(LabelledErrorsMixin, PersonChoiceMixin):
    """Identifying the person of an intake recorded without one: a person found, or a new one registered.

    The same rules as the intake form (``PersonChoiceMixin``), without "anonymous".
    """

    person_mode = forms.ChoiceField(
        label=gettext_lazy("Who is it about"), choices=LINK_MODE_CHOICES, widget=forms.RadioSelect, initial="found"
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, label=gettext_lazy("Version"))

    found_missing_message = gettext_lazy("search for the person and choose them, or register a new person.")
    unlabelled_error_target = "person-search"

    def __init__(self, data: Any = None, *, user: User, intake: Intake, **kwargs: Any) -> None:
        initial = {"version": intake.version, **(kwargs.pop("initial", None) or {})}
        super().__init__(data, initial=initial, **kwargs)
        self.user = user
        self.intake = intake
        initial_person = {"town_block": intake.town_block_id, "address_line": intake.address_line}
        self.person_form = PersonForm(data, prefix=PERSON_PREFIX, use_required_attribute=False, initial=initial_person)
        self.found_person = None

    def action_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``do_link_intake_person`` (after ``is_valid()``), the version included."""
        data = self.cleaned_data
        arguments: dict[str, Any] = {"expected_version": data["version"]}
        if data["person_mode"] == PersonMode.FOUND:
            arguments["person"] = self.found_person
            return arguments
        return arguments | self.new_person_arguments()


VOLUNTEER_CONSENT_CHOICES = (
    (Intake.ConsentStatus.ORAL, gettext_lazy("The person knows and agreed that I report this")),
    (Intake.ConsentStatus.NOT_ASKED, gettext_lazy("I have not talked with the person about it")),
    (Intake.ConsentStatus.REFUSED, gettext_lazy("The person does not want help now")),
)
FIRE_CONSENT_CHOICES = (
    (Intake.ConsentStatus.ORAL, gettext_lazy("Agreed to be contacted by welfare staff")),
    (Intake.ConsentStatus.REFUSED, gettext_lazy("Did not agree")),
    (Intake.ConsentStatus.UNABLE, gettext_lazy("Could not be asked")),
)


class _ShortForm(LabelledErrorsMixin, forms.Form):
    concern = forms.CharField(
        label=gettext_lazy("What you saw or heard"),
        max_length=CONCERN_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    urgency = forms.ModelChoiceField(
        queryset=UrgencyLevel.objects.none(),
        label=gettext_lazy("How worried are you"),
        widget=forms.RadioSelect,
        empty_label=None,
        initial="normal",
    )
    town_block = _town_block_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "urgency", _terms(UrgencyLevel))
        attach_suggestion_panel(self)

    def all_errors(self) -> list[tuple[str, str]]:
        result = [
            (self[name].id_for_label or "", str(m))
            for name, msgs in self.errors.items()
            if name in self.fields
            for m in msgs
        ]
        return result + [("", str(message)) for message in self.non_field_errors()]


class VolunteerConcernForm(_ShortForm):
    """A 民生委員's concern: about whom, where, what, how worried, and whether the person agreed."""

    subject_description = forms.CharField(
        label=gettext_lazy("About whom"),
        max_length=200,
        help_text=gettext_lazy("A name if you know it, or e.g. a man in his 70s living alone"),
    )
    consent_status = forms.ChoiceField(
        label=gettext_lazy("Does the person know"), choices=VOLUNTEER_CONSENT_CHOICES, widget=forms.RadioSelect
    )

    field_order = ["subject_description", "town_block", "concern", "urgency", "consent_status"]

    def __init__(self, *args: Any, own_block_ids: Collection[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if own_block_ids:
            self._group_town_blocks(set(own_block_ids))

    def _group_town_blocks(self, own: set[int]) -> None:
        """The volunteer's own district first, then the rest, under optgroup labels (the queryset still validates)."""
        field = cast("forms.ModelChoiceField[TownBlock]", self.fields["town_block"])
        blocks = [(block.pk, str(block)) for block in field.queryset or TownBlock.objects.none()]
        field.choices = [
            ("", CHOOSE),
            (str(gettext_lazy("Your district")), [block for block in blocks if block[0] in own]),
            (str(gettext_lazy("Other districts")), [block for block in blocks if block[0] not in own]),
        ]


class FireReportForm(_ShortForm):
    """A fire department's 消福連携 report from a call-out."""

    incident_at = forms.DateTimeField(
        label=gettext_lazy("Date and time of the call-out"),
        input_formats=DATETIME_INPUT_FORMATS,
        widget=datetime_widget(),
    )
    incident_type = forms.ChoiceField(label=gettext_lazy("Call-out"), choices=Intake.IncidentType.choices)
    address_line = forms.CharField(label=gettext_lazy("Address (after the town block)"), max_length=200, required=False)
    subject_description = forms.CharField(
        label=gettext_lazy("Name and approximate age (if known)"), max_length=200, required=False
    )
    consent_status = forms.ChoiceField(
        label=gettext_lazy("Agreed to be contacted"), choices=FIRE_CONSENT_CHOICES, widget=forms.RadioSelect
    )

    field_order = [
        "incident_at",
        "incident_type",
        "town_block",
        "address_line",
        "subject_description",
        "concern",
        "urgency",
        "consent_status",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"incident_at": now_for_input(), "urgency": "normal"})
        super().__init__(*args, **kwargs)

    def clean_incident_at(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["incident_at"]
        if problem := moment_problem(value):
            raise forms.ValidationError(problem, code="out_of_range")
        return value


class _Menu(BaseChoiceIterator):
    """Choices read on first use and then kept (a field's choices are read twice when it is shown)."""

    def __init__(self, read: Callable[[], list[tuple[Any, str]]]) -> None:
        self.read = read
        self.choices: list[tuple[Any, str]] | None = None

    def __iter__(self) -> Iterator[tuple[Any, str]]:
        if self.choices is None:
            self.choices = self.read()
        return iter(self.choices)


class IntakeFilterForm(LabelledErrorsMixin, forms.Form):
    """Narrowing an intake list; an invalid filter is reported and ignored."""

    # Plausible dates only (core.validation): 9999-12-31 overflowed the end of the period.
    date_from = PlausibleDateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        max_future=PLANNING_HORIZON,
    )
    date_to = PlausibleDateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        max_future=PLANNING_HORIZON,
    )
    receiving_organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=gettext_lazy("Receiving organisation"),
        required=False,
        empty_label=ALL,
    )
    channel = forms.ModelChoiceField(
        queryset=IntakeChannel.objects.none(), label=gettext_lazy("Channel"), required=False, empty_label=ALL
    )
    category = forms.ModelChoiceField(
        queryset=IssueCategory.objects.none(), label=gettext_lazy("Category"), required=False, empty_label=ALL
    )
    urgency = forms.ModelChoiceField(
        queryset=UrgencyLevel.objects.none(), label=gettext_lazy("Urgency"), required=False, empty_label=ALL
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=[("", ALL), *Intake.Status.choices], required=False
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=[("", ALL), *Intake.Kind.choices], required=False)

    def __init__(self, data: Any = None, *, user: User, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        if access.is_coordination(user):
            organisations: QuerySet[Organisation] = Organisation.objects.filter(active=True).order_by("code")
        else:
            organisations = Organisation.objects.filter(pk__in=[o.pk for o in access.staff_organisations(user)])
        for name, queryset in (
            ("receiving_organisation", organisations),
            ("channel", _terms(IntakeChannel)),
            ("category", _terms(IssueCategory)),
            ("urgency", _terms(UrgencyLevel)),
        ):
            # The queryset checks a value given; the menus are read only when the form is shown (not by
            # the API), as (value, label) pairs without model rows: one query for the organisations, one
            # for the three vocabularies.
            set_queryset(self, name, queryset)
            field = cast("forms.ModelChoiceField[Any]", self.fields[name])
            field.choices = _Menu(functools.partial(self._menu, name, field.empty_label))
        self._organisations = organisations
        self._menus: dict[str, list[tuple[Any, str]]] | None = None

    def _menu(self, name: str, empty_label: Any) -> list[tuple[Any, str]]:
        """What the ModelChoiceField would offer (its empty label, then ``str`` of each row in order)."""
        if self._menus is None:
            from django.db.models import CharField, Value

            vocabularies = [
                model.objects.filter(active=True)
                .order_by()
                .annotate(vocabulary=Value(field, output_field=CharField()))
                .values_list("vocabulary", "code", "label", "sort_order")
                for field, model in (("channel", IntakeChannel), ("category", IssueCategory), ("urgency", UrgencyLevel))
            ]
            menus: dict[str, list[tuple[Any, str]]] = {
                "receiving_organisation": list(self._organisations.values_list("pk", "name"))
            }
            for field, code, label, _order in (
                vocabularies[0].union(*vocabularies[1:], all=True).order_by("vocabulary", "sort_order", "code")
            ):
                menus.setdefault(field, []).append((code, label))
            self._menus = menus
        return [*([("", str(empty_label))] if empty_label is not None else []), *self._menus.get(name, [])]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("the end date is before the start date."))
        return cleaned


def draft_payload(data: MultiValueDict[str, Any]) -> dict[str, list[str]]:
    """What a draft keeps of a posted form: every value typed, never the CSRF token."""
    skip = {"csrfmiddlewaretoken", "draft_id"}
    return {
        key: [str(v)[:CONCERN_MAX_LENGTH] for v in data.getlist(key)][:50]
        for key in list(data)[:200]
        if key not in skip
    }


def draft_data(payload: dict[str, Any]) -> MultiValueDict[str, Any]:
    """A draft's payload as form data again (tolerant of anything stored)."""
    result: MultiValueDict[str, Any] = MultiValueDict()
    for key, values in (payload or {}).items():
        result.setlist(str(key), [str(v) for v in values] if isinstance(values, list) else [str(values)])
    return result
