"""The auditor's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tsunagiai.accounts.models import User
from tsunagiai.core.validation import PLANNING_HORIZON, PlausibleDateField
from tsunagiai.reference.models import Organisation


class AuditFilterForm(forms.Form):
    person = forms.IntegerField(label=_("Person ID"), required=False, min_value=1, max_value=2**62)
    user = forms.ModelChoiceField(
        label=_("User"), queryset=User.objects.order_by("username"), required=False, to_field_name="pk"
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.order_by("name"), required=False
    )
    action = forms.CharField(label=_("Action"), required=False, max_length=60)
    # Plausible dates only (core.validation): 0001-01-01 or 9999-12-31 overflowed the period's bounds.
    date_from = PlausibleDateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}), max_future=PLANNING_HORIZON
    )
    date_to = PlausibleDateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}), max_future=PLANNING_HORIZON
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("To: must not be before the start of the period."))
        return data

    def filters(self) -> dict[str, Any]:
        """The selector's keyword arguments (empty when the form is invalid)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "person_id": data.get("person"),
            "actor_id": data["user"].pk if data.get("user") else None,
            "organisation_id": data["organisation"].pk if data.get("organisation") else None,
            "action": data.get("action") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }
