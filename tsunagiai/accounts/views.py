"""Signing in (password, second factor) and a user's own settings: date style, password, API tokens."""

from __future__ import annotations

import base64
from typing import Any, cast
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagiai.accounts import actions
from tsunagiai.accounts.forms import ApiTokenForm, PreferencesForm, VerificationCodeForm
from tsunagiai.accounts.models import ApiToken, User
from tsunagiai.accounts.security import must_use_second_factor


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware guarantees a signed-in user on these pages.
    return cast(User, request.user)


class LoginView(auth_views.LoginView):
    """Django's login page, plus the single sign-on button and the idle-timeout notice."""

    template_name = "registration/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.OIDC_ENABLED
        context["timed_out"] = self.request.GET.get("timeout") == "1"
        context["sso_failed"] = self.request.GET.get("sso") == "failed"
        context["idle_minutes"] = settings.IDLE_TIMEOUT_MINUTES
        return context


def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PreferencesForm(request.POST or None, initial={"date_style": user.date_style})
    if request.method == "POST" and form.is_valid():
        actions.do_update_preferences(user, acting_user=user, date_style=form.cleaned_data["date_style"])
        messages.success(request, _("Your settings were saved."))
        return redirect("accounts:preferences")
    context = {
        "form": form,
        "has_second_factor": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "organisation_requires_second_factor": user.memberships.filter(
            active=True, organisation__require_totp=True
        ).exists(),
    }
    return render(request, "accounts/preferences.html", context)


def _safe_next(request: HttpRequest, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


def otp_setup(request: HttpRequest) -> HttpResponseBase:
    """Register an authenticator app: show its secret, confirm it with a first code."""
    user = _user(request)
    has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    if has_device and not user.is_verified():  # type: ignore[attr-defined]
        # Replacing the authenticator needs the current one first.
        return redirect(f"{reverse('accounts:otp_verify')}?{urlencode({'next': reverse('accounts:otp_setup')})}")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
    form = VerificationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            actions.do_confirm_totp_device(device, acting_user=user)
            otp_login(request, device)
            messages.success(request, _("Two-step verification is now on for your account."))
            return redirect(_safe_next(request, "accounts:preferences"))
        form.add_error("code", _("Verification code: the code is not correct. Check the time on your device."))
    uri = device.config_url
    context = {
        "form": form,
        "otpauth_uri": uri,
        "secret": base64.b32encode(device.bin_key).decode().rstrip("="),
        "qr_data_uri": segno.make(uri, error="m").svg_data_uri(scale=4),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "accounts/otp_setup.html", context, status=400 if form.errors else 200)


def otp_verify(request: HttpRequest) -> HttpResponseBase:
    """The second step of signing in: a code from the registered authenticator."""
    user = _user(request)
    devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    if not devices:
        if must_use_second_factor(user):
            return redirect(f"{reverse('accounts:otp_setup')}?{urlencode({'next': _safe_next(request)})}")
        return redirect(_safe_next(request))
    form = VerificationCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices:
            allowed, _details = device.verify_is_allowed()
            if allowed and device.verify_token(form.cleaned_data["code"]):
                otp_login(request, device)
                return redirect(_safe_next(request))
        form.add_error("code", _("Verification code: the code is not correct. Check the time on your device."))
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    return render(request, "accounts/otp_verify.html", context, status=400 if form.errors else 200)


@require_POST
def otp_remove(request: HttpRequest) -> HttpResponse:
    """Turn two-step verification off — only where no organisation of the user requires it."""
    user = _user(request)
    required = user.memberships.filter(active=True, organisation__require_totp=True).exists()
    if required:
        messages.error(request, _("Your organisation requires two-step verification; it cannot be turned off."))
        return redirect("accounts:preferences")
    actions.do_remove_totp_devices(user, acting_user=user)
    messages.success(request, _("Two-step verification is now off for your account."))
    return redirect("accounts:preferences")


def tokens(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ApiTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        _token, new_secret = actions.do_create_api_token(
            user, acting_user=user, name=form.cleaned_data["name"], expires_at=form.expires_at()
        )
        form = ApiTokenForm()
    user_tokens = ApiToken.objects.filter(user=user).order_by("-created_at")
    return render(request, "accounts/tokens.html", {"form": form, "tokens": user_tokens, "new_secret": new_secret})


@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    user = _user(request)
    # A user manages only their own tokens; anyone else's looks missing.
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise Http404
    actions.do_revoke_api_token(token, acting_user=user)
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:tokens")


def locked_out(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """django-axes calls this when a username+address is locked: a Japanese page, 429."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "registration/locked.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
