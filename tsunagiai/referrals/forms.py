"""Forms of the referral pages: sending, moving the state, filtering the list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tsunagiai.core.validation import PlausibleDateTimeField
from tsunagiai.reference.models import Organisation
from tsunagiai.referrals.actions import TEXT_MAX
from tsunagiai.referrals.models import OutcomeCode, ReasonCode, SharedSection, SharingBasis, Status


class OrganisationChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.agency_type.label}）"


class ReferralForm(forms.Form):
    to_organisation = OrganisationChoiceField(queryset=Organisation.objects.none(), label=_("Referred to"))
    reason = forms.CharField(
        label=_("Reason for the referral"), widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX
    )
    request = forms.CharField(label=_("What is asked"), widget=forms.Textarea(attrs={"rows": 3}), max_length=TEXT_MAX)
    shared_sections = forms.MultipleChoiceField(
        label=_("What is shared before acceptance"),
        choices=SharedSection.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    sharing_basis = forms.ChoiceField(
        label=_("Basis for sharing"), choices=SharingBasis.choices, widget=forms.RadioSelect
    )
    sharing_note = forms.CharField(label=_("Note on the basis"), max_length=300, required=False)
    previous = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["to_organisation"]
        field.queryset = organisations


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason_code = forms.ChoiceField(label=_("Reason"), choices=[("", "---------"), *ReasonCode.choices], required=False)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=TEXT_MAX
    )
    outcome_code = forms.ChoiceField(
        label=_("Outcome"), choices=[("", "---------"), *OutcomeCode.choices], required=False
    )
    outcome_text = forms.CharField(
        label=_("Outcome in words"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=TEXT_MAX
    )
    # 初回接触日時: the contact is often recorded after the call; empty means now.
    contact_at = PlausibleDateTimeField(
        label=_("First contact at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class ReferralFilterForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[("", _("all I may see")), ("incoming", _("received")), ("outgoing", _("sent"))],
        required=False,
    )
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("all statuses")), *Status.choices], required=False)
