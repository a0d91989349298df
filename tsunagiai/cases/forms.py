"""Case forms: the shape and types of the input; the rules live in the actions."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tsunagiai.accounts.models import Membership, Role, User
from tsunagiai.cases.actions import REASON_MAX_LENGTH, ROLE_MAX_LENGTH, TITLE_MAX_LENGTH
from tsunagiai.cases.models import Case, TeamMember
from tsunagiai.core import eras
from tsunagiai.core.forms import AreaChoiceField, LabelledErrorsMixin, empty_choice_label
from tsunagiai.intake.models import Intake
from tsunagiai.people.models import Person
from tsunagiai.reference.models import Area, Organisation


def active_organisations() -> QuerySet[Organisation]:
    return (
        Organisation.objects.filter(active=True)
        .select_related("agency_type")
        .order_by("agency_type__sort_order", "code")
    )


class OrganisationChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.name}（{obj.agency_type.label}）"


class IntakeChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Intake) -> str:
        who = obj.person.full_name if obj.person_id and obj.person else ""
        received = eras.format_date(obj.received_at, "era")
        return f"#{obj.pk} {received} {obj.receiving_organisation.name} {who} — {obj.concern[:40]}"


class PersonChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Person) -> str:
        return obj.full_name


FLAG_CHOICES = [
    ("", _("All")),
    ("multi_issue", _("Multiple issues")),
    ("gap_case", _("Gap case (制度の狭間)")),
    ("difficult", _("Difficult case (支援困難)")),
]


class CaseFilterForm(LabelledErrorsMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    lead_organisation = OrganisationChoiceField(
        label=_("Lead organisation"), queryset=Organisation.objects.none(), required=False, empty_label=_("All")
    )
    flag = forms.ChoiceField(label=_("Flag"), required=False, choices=FLAG_CHOICES)
    area = AreaChoiceField(label=_("Area"), queryset=Area.objects.none(), required=False, empty_label=_("All areas"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", _("All")), *Case.Status.choices]
        cast("forms.ModelChoiceField[Any]", self.fields["lead_organisation"]).queryset = active_organisations()
        cast("forms.ModelChoiceField[Any]", self.fields["area"]).queryset = Area.objects.filter(
            level__in=Area.HIERARCHY, active=True
        ).order_by("level", "sort_order", "code")


class OpenCaseForm(LabelledErrorsMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    intakes = IntakeChoiceField(label=_("Intakes"), queryset=Intake.objects.none(), widget=forms.CheckboxSelectMultiple)
    focus_members = PersonChoiceField(
        label=_("Focus members"), queryset=Person.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    lead_organisation = OrganisationChoiceField(label=_("Lead organisation"), queryset=Organisation.objects.none())

    def __init__(self, *args: Any, intakes: QuerySet[Intake], members: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelMultipleChoiceField[Any]", self.fields["intakes"]).queryset = intakes
        cast("forms.ModelMultipleChoiceField[Any]", self.fields["focus_members"]).queryset = members
        cast("forms.ModelChoiceField[Any]", self.fields["lead_organisation"]).queryset = active_organisations()


class VersionedForm(LabelledErrorsMixin, forms.Form):
    """A form of the case page: its own element ids (several forms share the page) and the case version."""

    id_prefix = "case"
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class StatusChoiceField(forms.ChoiceField):
    """Offers the allowed next statuses; accepts any status so that the action can say why a move is illegal."""

    def valid_value(self, value: Any) -> bool:
        return value in Case.Status.values


class StatusForm(VersionedForm):
    id_prefix = "status"
    to = StatusChoiceField(label=_("New status"))
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when reopening a closed case."),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from tsunagiai.cases.actions import allowed_transitions

        cast(forms.ChoiceField, self.fields["to"]).choices = [
            ("", _("Choose the next status")),
            *((s, Case.Status(s).label) for s in allowed_transitions(case.status)),
        ]
        self.fields["version"].initial = case.version


class LeadChangeForm(VersionedForm):
    id_prefix = "lead"
    organisation = OrganisationChoiceField(label=_("New lead"), queryset=Organisation.objects.none())
    reason = forms.CharField(
        label=_("Reason for the change of lead"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["organisation"]).queryset = active_organisations().exclude(
            pk=case.lead_organisation_id
        )
        self.fields["version"].initial = case.version


class LeadRequestForm(LabelledErrorsMixin, forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "lead_request_%s")
        super().__init__(*args, **kwargs)

    reason = forms.CharField(
        label=_("Reason for the request"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )


class LeadDecisionForm(VersionedForm):
    id_prefix = "decision"
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("accept", _("Accept")), ("decline", _("Decline"))], widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when declining."),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = case.version


# The roles whose members work with a case's people (a team's named staff member).
TEAM_STAFF_ROLES = (Role.INTAKE, Role.CASEWORKER, Role.COORDINATOR, Role.SUPERVISOR)


class TeamMemberForm(VersionedForm):
    id_prefix = "team"
    organisation = OrganisationChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    user = forms.ModelChoiceField(
        label=_("Staff member"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Optional: a named member of staff of that organisation."),
    )
    role = forms.CharField(label=_("Role in the team"), max_length=ROLE_MAX_LENGTH, required=False)
    basis = forms.ChoiceField(
        label=_("Basis for sharing"),
        choices=[(code, label) for code, label in TeamMember.Basis.choices if code != TeamMember.Basis.INTAKE],
        initial=TeamMember.Basis.CONSENT,
        help_text=_(
            "Joining the team shows the case's people to the organisation: their consent must cover it, "
            "or a legal basis applies."
        ),
    )
    basis_note = forms.CharField(
        label=_("Note on the basis"),
        max_length=300,
        required=False,
        help_text=_("For a legal basis: the situation or the conference that decided it."),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["organisation"]).queryset = active_organisations()
        # Any staff member validates here; the action refuses one of another organisation, naming the field.
        cast("forms.ModelChoiceField[Any]", self.fields["user"]).queryset = (
            User.objects.filter(is_active=True, memberships__active=True, memberships__role__in=TEAM_STAFF_ROLES)
            .distinct()
            .order_by("full_name", "id")
        )
        self.fields["version"].initial = case.version
        self._list_staff_of_chosen_organisation(case)

    def _chosen_organisation_id(self) -> int | None:
        value = self.data.get(self.add_prefix("organisation")) if self.is_bound else self.initial.get("organisation")
        try:
            chosen = int(value) if value not in (None, "") else None
        except (TypeError, ValueError, OverflowError):
            return None
        return chosen if chosen is not None and 0 < chosen < 2**63 else None  # a database integer, or nothing

    def _list_staff_of_chosen_organisation(self, case: Case) -> None:
        """Offer the chosen organisation's staff only (not the whole city's); before a choice, all, by organisation.

        Choosing the organisation reloads the staff list with htmx (this form's own GET, ``?organisation=``);
        without JavaScript the grouped list is the fallback.
        """
        organisation_field = self.fields["organisation"]
        user_field = cast("forms.ModelChoiceField[Any]", self.fields["user"])
        target = f"#{self['user'].auto_id}"
        organisation_field.widget.attrs.update(
            {
                "hx-get": reverse("cases:add_team_member", args=[case.pk]),
                "hx-target": target,
                "hx-select": target,
                "hx-swap": "outerHTML",
                "aria-controls": self["user"].auto_id,
            }
        )
        rows = (
            Membership.objects.filter(active=True, user__is_active=True, role__in=TEAM_STAFF_ROLES)
            .select_related("user", "organisation")
            .order_by("organisation__name", "user__full_name", "user_id")
        )
        chosen = self._chosen_organisation_id()
        if chosen is not None:
            rows = rows.filter(organisation_id=chosen)
        by_organisation: dict[str, dict[int, str]] = {}
        for row in rows:
            by_organisation.setdefault(row.organisation.name, {})[row.user_id] = str(row.user)
        empty: list[tuple[Any, Any]] = [("", empty_choice_label(required=False))]
        if chosen is not None:
            people = next(iter(by_organisation.values()), {})
            user_field.choices = empty + list(people.items())
        else:
            user_field.choices = empty + [(name, list(people.items())) for name, people in by_organisation.items()]


class TeamRemoveForm(VersionedForm):
    id_prefix = "remove"
    reason = forms.CharField(label=_("Reason"), required=False, max_length=REASON_MAX_LENGTH)


class FlagsForm(VersionedForm):
    id_prefix = "flags"
    is_gap_case = forms.BooleanField(label=_("Gap case (制度の狭間)"), required=False)
    is_difficult = forms.BooleanField(label=_("Difficult case (支援困難)"), required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = case.version
        self.fields["is_gap_case"].initial = case.is_gap_case
        self.fields["is_difficult"].initial = case.is_difficult
