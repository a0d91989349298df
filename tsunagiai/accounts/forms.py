from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagiai.accounts.models import User


class PreferencesForm(forms.Form):
    date_style = forms.ChoiceField(
        label=_("Dates are shown in"), choices=User.DateStyle.choices, widget=forms.RadioSelect
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"), max_length=100, help_text=_("What the token is for, e.g. 集計用スクリプト.")
    )
    valid_days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=365, initial=90, help_text=_("At most 365 days.")
    )

    def expires_at(self) -> dt.datetime:
        return timezone.now() + dt.timedelta(days=self.cleaned_data["valid_days"])


class VerificationCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Verification code"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        help_text=_("The 6-digit code shown in your authenticator app."),
        error_messages={"invalid": _("Verification code: enter the 6 digits shown in the app.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip()
