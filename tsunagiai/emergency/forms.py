from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tsunagiai.emergency.models import REASON_MAX_LENGTH, REASON_MIN_LENGTH


class EmergencyAccessForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the emergency access"),
        min_length=REASON_MIN_LENGTH,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why you must see this record now (for example, the person was taken to hospital at night)."),
    )
