"""Consent forms: the page checks types and lengths; the action checks the rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagiai.consent.actions import CONSENT_HORIZON
from tsunagiai.consent.models import Consent, InformationScope
from tsunagiai.core.forms import DateInput, LabelledErrorsMixin
from tsunagiai.core.validation import plausible_date
from tsunagiai.reference.forms import OrganisationsField
from tsunagiai.reference.models import AgencyType, Organisation


class ConsentForm(LabelledErrorsMixin, forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("recording organisation"))
    given_on = forms.DateField(label=_("given on"), widget=DateInput)
    expires_on = forms.DateField(label=_("expires on"), required=False, widget=DateInput)
    method = forms.ChoiceField(label=_("method"), choices=Consent.Method.choices)
    witness = forms.CharField(label=_("witness"), max_length=100, required=False)
    given_by = forms.ChoiceField(label=_("given by"), choices=Consent.GivenBy.choices, initial=Consent.GivenBy.PERSON)
    proxy_name = forms.CharField(label=_("proxy's name"), max_length=100, required=False)
    proxy_relationship = forms.CharField(label=_("proxy's relationship"), max_length=50, required=False)
    purpose = forms.CharField(label=_("purpose"), max_length=300, required=False)
    policy_explained = forms.BooleanField(label=_("handling rules explained"), required=False)
    # Grouped by agency type, those the page asked for (a referral's receiving organisation) first.
    scope_organisations = OrganisationsField(label=_("organisations covered"), required=False)
    scope_agency_types = forms.ModelMultipleChoiceField(
        queryset=AgencyType.objects.filter(active=True),
        label=_("agency types covered"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    scope_information = forms.MultipleChoiceField(
        label=_("information covered"),
        choices=InformationScope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[InformationScope.BASIC],
    )
    notes = forms.CharField(label=_("notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_given_on(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get("given_on")
        if value is not None:
            plausible_date(value, field_label=str(self.fields["given_on"].label))
        return value

    def clean_expires_on(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get("expires_on")
        if value is not None:
            plausible_date(value, field_label=str(self.fields["expires_on"].label), max_future=CONSENT_HORIZON)
        return value

    def __init__(
        self,
        *args: Any,
        organisations: list[Organisation],
        preselected: Sequence[int] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations])
        if organisations:
            field.initial = organisations[0].pk
        # The day it is recorded is most often the day it was given (Asia/Tokyo).
        self.fields["given_on"].initial = timezone.localdate()
        scope = self.fields["scope_organisations"]
        if isinstance(scope, OrganisationsField):
            scope.put_first(preselected, first_label=str(_("Chosen for this disclosure")))


class WithdrawForm(forms.Form):
    note = forms.CharField(label=_("withdrawal note"), max_length=500, required=False)
