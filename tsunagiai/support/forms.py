"""Support forms: types and lengths here; the rules are in the actions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tsunagiai.accounts.models import User
from tsunagiai.cases.models import Case
from tsunagiai.core.forms import DateInput, empty_choice_label
from tsunagiai.core.validation import PLANNING_HORIZON, PlausibleDateField, PlausibleDateTimeField
from tsunagiai.reference.models import Organisation
from tsunagiai.support.models import TEXT_MAX, Conference, ConferenceDecision, PlanAction, SupportRecord
from tsunagiai.support.selectors import TeamStaff


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _active_organisations() -> Any:
    return Organisation.objects.filter(active=True).order_by("name")


class AssessmentDomainForm(forms.Form):
    situation = forms.CharField(
        label=_("situation"), required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    strengths = forms.CharField(
        label=_("strengths"), required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    wishes_in_own_words = forms.CharField(
        label=_("wishes in their own words"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # The version the editor saw (0: the domain was empty) and a digest of the text they saw: a domain
    # they left as it was is not written, and one someone else saved meanwhile is a conflict.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31)
    seen = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def changed_by_editor(self) -> bool:
        """Whether the submitted text differs from the text the editor was shown (empty if not sent)."""
        from tsunagiai.support.actions import assessment_fingerprint

        data = self.cleaned_data
        typed = assessment_fingerprint(data["situation"], data["strengths"], data["wishes_in_own_words"])
        return typed != (data.get("seen") or assessment_fingerprint("", "", ""))


class AssessmentDateForm(forms.Form):
    assessed_on = PlausibleDateField(label=_("assessed on"), widget=DateInput)


class PlanForm(forms.Form):
    goals = forms.CharField(label=_("goals"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}))
    review_on = PlausibleDateField(label=_("review date"), widget=DateInput, max_future=PLANNING_HORIZON)
    person_agreed = forms.BooleanField(label=_("the person agreed"), required=False)
    agreed_on = PlausibleDateField(label=_("agreed on"), required=False, widget=DateInput)
    agreement_how = forms.CharField(label=_("how the person agreed"), max_length=200, required=False)
    reason = forms.CharField(label=_("reason for the revision"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class ActionForm(forms.Form):
    key = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    what = forms.CharField(label=_("what"), max_length=500, required=False)
    owner_kind = forms.ChoiceField(label=_("who"), choices=PlanAction.OwnerKind.choices, required=False)
    owner_organisation = forms.ModelChoiceField(
        label=_("owner organisation"), queryset=Organisation.objects.none(), required=False
    )
    owner_user = forms.ModelChoiceField(label=_("owner staff member"), queryset=User.objects.none(), required=False)
    owner_text = forms.CharField(label=_("community resource or family member"), max_length=200, required=False)
    due_on = PlausibleDateField(label=_("due date"), required=False, widget=DateInput, max_future=PLANNING_HORIZON)
    status = forms.ChoiceField(label=_("status"), choices=PlanAction.Status.choices, initial=PlanAction.Status.PLANNED)

    def __init__(
        self,
        *args: Any,
        users: QuerySet[User] | None = None,
        team_staff: TeamStaff | None = None,
        chosen: Mapping[str, Any] | None = None,
        reload_url: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        org_field = self.fields["owner_organisation"]
        user_field = self.fields["owner_user"]
        if isinstance(org_field, forms.ModelChoiceField):
            org_field.queryset = _active_organisations()
        if isinstance(user_field, forms.ModelChoiceField) and users is not None:
            user_field.queryset = users
        self.team_staff = team_staff
        if team_staff is not None and isinstance(user_field, forms.ModelChoiceField):
            self._list_staff_of_chosen_organisation(user_field, team_staff, chosen or {}, reload_url)

    def _chosen_organisation_id(self, chosen: Mapping[str, Any]) -> int | None:
        """The owner organisation this row names: typed (bound), asked for (``chosen``, the htmx reload) or saved."""
        key = self.add_prefix("owner_organisation")
        value = self.data.get(key) if self.is_bound else chosen.get(key, self.initial.get("owner_organisation"))
        try:
            number = int(value) if value not in (None, "") else None
        except (TypeError, ValueError, OverflowError):
            return None
        return number if number is not None and 0 < number < 2**63 else None

    def _list_staff_of_chosen_organisation(
        self, user_field: forms.ModelChoiceField[Any], team: TeamStaff, chosen: Mapping[str, Any], reload_url: str
    ) -> None:
        """Offer the chosen organisation's staff only; before a choice, the team's staff by organisation.

        Choosing the organisation reloads this row's staff list with htmx (the page's own GET, which carries
        the choice); without JavaScript the grouped list is the fallback.
        """
        target = f"#{self['owner_user'].auto_id}"
        if reload_url:
            self.fields["owner_organisation"].widget.attrs.update(
                {"hx-get": reload_url, "hx-target": target, "hx-select": target, "hx-swap": "outerHTML"}
            )
        empty: list[tuple[Any, Any]] = [("", empty_choice_label(required=False))]
        organisation_id = self._chosen_organisation_id(chosen)
        if organisation_id is not None:
            user_field.choices = empty + list(team.staff.get(organisation_id, []))
        else:
            user_field.choices = empty + [(team.names[org_id], people) for org_id, people in team.staff.items()]

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("what") or "").strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("what") or "").strip():
            if not data.get("owner_kind"):
                self.add_error("owner_kind", _("Who: choose who does it."))
            if not data.get("due_on"):
                self.add_error("due_on", _("Due date: enter the date."))
        user, organisation = data.get("owner_user"), data.get("owner_organisation")
        if (
            data.get("owner_kind") == PlanAction.OwnerKind.STAFF
            and user is not None
            and organisation is not None
            and self.team_staff is not None
            and all(user.pk != user_id for user_id, _name in self.team_staff.staff.get(organisation.pk, []))
        ):
            self.add_error(
                "owner_user",
                _("Owner staff member: %(user)s does not work for %(organisation)s.")
                % {"user": user, "organisation": organisation.name},
            )
        return data


class BaseActionFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def __init__(
        self,
        *args: Any,
        users: QuerySet[User] | None = None,
        team_staff: TeamStaff | None = None,
        chosen: Mapping[str, Any] | None = None,
        reload_url: str = "",
        **kwargs: Any,
    ) -> None:
        self.users = users
        self.row_kwargs = {"team_staff": team_staff, "chosen": chosen, "reload_url": reload_url}
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(index)
        kwargs["users"] = self.users
        kwargs.update(self.row_kwargs)
        return kwargs


ActionFormSet = cast(
    "type[BaseActionFormSet]",
    forms.formset_factory(ActionForm, formset=BaseActionFormSet, extra=2, max_num=50, absolute_max=60),
)


class RecordForm(forms.Form):
    case = forms.ModelChoiceField(label=_("case"), queryset=Case.objects.none(), required=False)
    kind = forms.ChoiceField(label=_("kind"), choices=SupportRecord.Kind.choices)
    occurred_at = PlausibleDateTimeField(label=_("when"), widget=DateTimeInput)
    organisation = forms.ModelChoiceField(label=_("organisation"), queryset=Organisation.objects.none())
    summary = forms.CharField(label=_("summary"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, cases: list[Case], organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        case_field, org_field = self.fields["case"], self.fields["organisation"]
        if isinstance(case_field, forms.ModelChoiceField):
            case_field.queryset = Case.objects.filter(pk__in=[c.pk for c in cases])
        if isinstance(org_field, forms.ModelChoiceField):
            org_field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations])
            if organisations:
                org_field.initial = organisations[0].pk


class RecordCorrectionForm(RecordForm):
    """The corrected record as it should have been, and why: the original stays, marked corrected."""

    reason = forms.CharField(
        label=_("reason for the correction"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class TimelineFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("kind"), choices=[("", _("all kinds")), *SupportRecord.Kind.choices], required=False
    )
    case = forms.TypedChoiceField(label=_("case"), coerce=int, required=False, empty_value=None)
    date_from = PlausibleDateField(label=_("from"), required=False, widget=DateInput, max_future=PLANNING_HORIZON)
    date_to = PlausibleDateField(label=_("until"), required=False, widget=DateInput, max_future=PLANNING_HORIZON)

    def __init__(self, *args: Any, cases: list[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        case_field = self.fields["case"]
        if isinstance(case_field, forms.ChoiceField):
            case_field.choices = [("", _("all cases")), *((c.pk, c.title) for c in cases)]


class ConferenceForm(forms.Form):
    held_on = PlausibleDateField(label=_("date"), widget=DateInput, max_future=PLANNING_HORIZON)
    kind = forms.ChoiceField(label=_("kind of meeting"), choices=Conference.Kind.choices)
    title = forms.CharField(label=_("title"), max_length=200)
    convened_by = forms.ModelChoiceField(label=_("convened by"), queryset=Organisation.objects.none())
    participating_organisations = forms.ModelMultipleChoiceField(
        label=_("participating organisations"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    confidentiality_note = forms.CharField(label=_("confidentiality note"), max_length=500, required=False)

    def __init__(self, *args: Any, organisations: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        convened, participating = self.fields["convened_by"], self.fields["participating_organisations"]
        if isinstance(convened, forms.ModelChoiceField):
            convened.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations])
        if isinstance(participating, forms.ModelMultipleChoiceField):
            participating.queryset = _active_organisations()


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("minutes"), max_length=20000, required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AgendaForm(forms.Form):
    """Which case to put on the agenda: chosen from the open cases the user may see."""

    case_id = forms.TypedChoiceField(label=_("case"), coerce=int)

    def __init__(self, *args: Any, cases: Sequence[Case] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["case_id"])
        field.choices = [("", _("Choose a case")), *[(case.pk, f"{case.title}（#{case.pk}）") for case in cases]]


class DecisionForm(forms.Form):
    case = forms.TypedChoiceField(label=_("case"), coerce=int)
    kind = forms.ChoiceField(label=_("kind of decision"), choices=ConferenceDecision.Kind.choices)
    target_organisation = forms.ModelChoiceField(
        label=_("target organisation"), queryset=Organisation.objects.none(), required=False
    )
    details = forms.CharField(label=_("details"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, cases: list[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        case_field, org_field = self.fields["case"], self.fields["target_organisation"]
        if isinstance(case_field, forms.ChoiceField):
            case_field.choices = [(c.pk, c.title) for c in cases]
        if isinstance(org_field, forms.ModelChoiceField):
            org_field.queryset = _active_organisations()
