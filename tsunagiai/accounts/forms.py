from __future__ import annotations

import datetime as dt
import time
from typing import Any, cast

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.forms import BoundField
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagiai.accounts.models import User
from tsunagiai.accounts.security import RECENT_SIGN_IN_S, signed_in_at

_CODE_REGEX = r"^\s*\d{6}\s*$"
_CODE_WIDGET_ATTRS = {"inputmode": "numeric", "autocomplete": "one-time-code"}


class PreferencesForm(forms.Form):
    date_style = forms.ChoiceField(
        label=_("Dates are shown in"), choices=User.DateStyle.choices, widget=forms.RadioSelect
    )


class ReauthenticationMixin:
    """A sensitive change asks the signed-in user to prove who they are again.

    - their password, where they have one here (checked through django-axes,
      so guesses count towards the login lockout exactly like at the login page);
    - a code from their authenticator app, where they have one (always the case
      where their organisation requires the second factor);
    - a user with neither (single sign-on only) must have signed in within
      the last ``RECENT_SIGN_IN_S`` seconds.

    Call ``add_reauthentication_fields`` in ``__init__`` and
    ``check_reauthentication`` in ``clean``.
    """

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]
    reauth_request: HttpRequest
    reauth_devices: list[TOTPDevice]

    def add_reauthentication_fields(self, request: HttpRequest, *, ask_password: bool = True) -> None:
        user = cast(User, request.user)  # the pages that use it require a signed-in user
        self.reauth_request = request
        self.reauth_devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
        if ask_password and user.has_usable_password():
            self.fields["password"] = forms.CharField(
                label=_("Your password"),
                strip=False,
                max_length=4096,
                help_text=_("To protect the records, enter your password again."),
                error_messages={
                    "required": _("Password: enter your password."),
                    "max_length": _("Password: the password is not correct."),
                },
                widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            )
        if self.reauth_devices:
            self.fields["otp_code"] = forms.RegexField(
                label=_("Code from your authenticator app"),
                regex=_CODE_REGEX,
                max_length=12,
                help_text=_("The 6-digit code your registered authenticator app shows now."),
                error_messages={
                    "required": _("Code from your authenticator app: enter the 6 digits shown in the app."),
                    "invalid": _("Code from your authenticator app: enter the 6 digits shown in the app."),
                    "max_length": _("Code from your authenticator app: enter the 6 digits shown in the app."),
                },
                widget=forms.TextInput(attrs=_CODE_WIDGET_ATTRS),
            )

    def reauthentication_fields(self) -> list[BoundField]:
        """The fields this form asks to confirm who the user is, for the template."""
        return [self[name] for name in ("password", "otp_code") if name in self.fields]  # type: ignore[index]

    def check_reauthentication(self) -> None:
        request = self.reauth_request
        user = cast(User, request.user)
        asked = False
        if "password" in self.fields:
            asked = True
            password = self.cleaned_data.get("password")
            if password:
                # Through the authentication backends, so that django-axes counts a wrong password.
                confirmed = authenticate(request, username=user.get_username(), password=password)
                if confirmed is None or confirmed.pk != user.pk:
                    self.add_error("password", _("Password: the password is not correct."))  # type: ignore[attr-defined]
        if "otp_code" in self.fields:
            asked = True
            code = str(self.cleaned_data.get("otp_code") or "").strip()
            # verify_token is throttled per device after failures (django-otp).
            if code and not any(device.verify_token(code) for device in self.reauth_devices):
                self.add_error(  # type: ignore[attr-defined]
                    "otp_code",
                    _("Code from your authenticator app: the code is not correct. Check the time on your device."),
                )
        if not asked:
            started = signed_in_at(request)
            if started is None or time.time() - started > RECENT_SIGN_IN_S:
                self.add_error(  # type: ignore[attr-defined]
                    None,
                    _("For your security, log out and log in again, then do this within %(minutes)d minutes.")
                    % {"minutes": RECENT_SIGN_IN_S // 60},
                )


class ApiTokenForm(ReauthenticationMixin, forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. 集計用スクリプト."),
        error_messages={
            "required": _("Token name: enter what the token is for."),
            "max_length": _("Token name: at most 100 characters."),
        },
    )
    valid_days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=365,
        initial=90,
        help_text=_("At most 365 days."),
        error_messages={
            "required": _("Valid for (days): enter a number of days from 1 to 365."),
            "invalid": _("Valid for (days): enter a number of days from 1 to 365."),
            "min_value": _("Valid for (days): enter a number of days from 1 to 365."),
            "max_value": _("Valid for (days): enter a number of days from 1 to 365."),
        },
    )

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_reauthentication_fields(request)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.check_reauthentication()
        return cleaned

    def expires_at(self) -> dt.datetime:
        return timezone.now() + dt.timedelta(days=self.cleaned_data["valid_days"])


class VerificationCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Verification code"),
        regex=_CODE_REGEX,
        max_length=12,
        help_text=_("The 6-digit code shown in your authenticator app."),
        error_messages={
            "invalid": _("Verification code: enter the 6 digits shown in the app."),
            "required": _("Verification code: enter the 6 digits shown in the app."),
            "max_length": _("Verification code: enter the 6 digits shown in the app."),
        },
        widget=forms.TextInput(attrs=_CODE_WIDGET_ATTRS),
    )

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip()


class OtpSetupForm(ReauthenticationMixin, VerificationCodeForm):
    """The first code of the new authenticator, with the password (and the current authenticator's code)."""

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_reauthentication_fields(request)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.check_reauthentication()
        return cleaned


class OtpRemoveForm(ReauthenticationMixin, forms.Form):
    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_reauthentication_fields(request)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.check_reauthentication()
        return cleaned


class PasswordChangeWithReauthenticationForm(ReauthenticationMixin, PasswordChangeForm):
    """Django's password change, with the old password checked through django-axes and the code asked."""

    def __init__(self, user: User, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        # The old password is the password check; the code is asked where the user has an authenticator.
        self.add_reauthentication_fields(request, ask_password=False)

    def clean_old_password(self) -> str:
        old_password = str(self.cleaned_data["old_password"])
        confirmed = authenticate(self.reauth_request, username=self.user.get_username(), password=old_password)
        if confirmed is None or confirmed.pk != self.user.pk:
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "otp_code" in self.fields:
            self.check_reauthentication()
        return cleaned

    def save(self, commit: bool = True) -> Any:
        from tsunagiai.accounts.actions import do_change_password

        return do_change_password(self.user, acting_user=self.user, new_password=self.cleaned_data["new_password1"])


# --- the security page: failed logins and lockouts ------------------------------------------


class SecurityLogFilterForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        required=False,
        help_text=_("All or part of the user name that was typed."),
        error_messages={"max_length": _("User name: at most 150 characters.")},
    )
    address = forms.GenericIPAddressField(
        label=_("Client address"),
        required=False,
        help_text=_("The address the attempt came from, e.g. 192.0.2.10."),
        error_messages={"invalid": _("Client address: enter an IPv4 or IPv6 address, e.g. 192.0.2.10.")},
    )
    date_from = forms.DateField(
        label=_("Period from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Period from: enter a real date, e.g. 2026-04-01.")},
    )
    date_to = forms.DateField(
        label=_("Period to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Period to: enter a real date, e.g. 2026-04-30.")},
    )
    locked_out_only = forms.BooleanField(label=_("Only attempts that caused or met a lockout"), required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("Period to: the end cannot be before the start."))
        return cleaned


class UnlockForm(forms.Form):
    lockout = forms.IntegerField(min_value=1)
