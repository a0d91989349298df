"""Forms of the coordination section's privacy page: suspend or lift the use of a person's record."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tsunagiai.core.forms import LabelledErrorsMixin
from tsunagiai.privacy.models import REASON_MAX, LegalReference


class SuspendForm(LabelledErrorsMixin, forms.Form):
    legal_reference = forms.ChoiceField(label=_("Legal reference"), choices=LegalReference.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The request (date received, by whom) and why the use is suspended."),
    )


class LiftForm(LabelledErrorsMixin, forms.Form):
    lift_reason = forms.CharField(
        label=_("Reason for lifting"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
