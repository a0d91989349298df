"""Signing in (password, second factor), a user's own settings (date style, password, API tokens, second
factor), and the security page of failed logins and lockouts for auditors and administrators."""

from __future__ import annotations

import base64
from typing import Any, cast
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from tsunagiai.accounts import actions, selectors
from tsunagiai.accounts.forms import (
    ApiTokenForm,
    OtpRemoveForm,
    OtpSetupForm,
    PasswordChangeWithReauthenticationForm,
    PreferencesForm,
    SecurityLogFilterForm,
    UnlockForm,
    VerificationCodeForm,
)
from tsunagiai.accounts.models import ApiToken, LoginLockout, User
from tsunagiai.accounts.security import must_use_second_factor, session_lifetime_s
from tsunagiai.audit.actions import record_audit_event


def _posted(request: HttpRequest) -> Any:
    """The form data of a POST (even an empty one, which must fail validation), else None."""
    return request.POST if request.method == "POST" else None


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware guarantees a signed-in user on these pages.
    return cast(User, request.user)


class LoginView(auth_views.LoginView):
    """Django's login page, plus the single sign-on button and the notices of an ended session.

    Whatever went wrong, the page says only "the user name or password is not
    correct": it never tells whether a user name exists or is active.
    """

    template_name = "registration/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.OIDC_ENABLED
        context["timed_out"] = self.request.GET.get("timeout") == "1"
        context["sso_failed"] = self.request.GET.get("sso") == "failed"
        context["idle_minutes"] = settings.IDLE_TIMEOUT_MINUTES
        if self.request.GET.get("expired") == "1":
            context["session_ended_notice"] = _(
                "You were logged out because %(hours)s hours have passed since you logged in. Intake drafts are "
                "saved automatically, so nothing you typed is lost: log in again to continue."
            ) % {"hours": f"{session_lifetime_s() / 3600:g}"}
        return context


def _signed_out_if_locked(request: HttpRequest) -> None:
    """A wrong password at re-authentication that reached the lockout limit ends the session.

    django-axes then answers with the lockout page (429), as at the login page.
    """
    if getattr(request, "axes_locked_out", False):
        logout(request)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change: the old password counts towards the lockout, the code is asked where the user
    has an authenticator. Saving revokes the user's API tokens; this session stays (with a new id), the user's
    other sessions end."""

    form_class = PasswordChangeWithReauthenticationForm
    success_url = reverse_lazy("accounts:password_change_done")

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["request"] = self.request
        return kwargs

    def form_invalid(self, form: Any) -> HttpResponse:
        _signed_out_if_locked(self.request)
        response = super().form_invalid(form)
        response.status_code = 400
        return response


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
        "may_view_sign_in_records": selectors.may_view_sign_in_records(user),
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
    form = OtpSetupForm(_posted(request), request=request)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            actions.do_confirm_totp_device(device, acting_user=user)
            _verified(request, device)
            messages.success(request, _("Two-step verification is now on for your account."))
            return redirect(_safe_next(request, "accounts:preferences"))
        form.add_error("code", _("Verification code: the code is not correct. Check the time on your device."))
    _signed_out_if_locked(request)
    uri = device.config_url
    context = {
        "form": form,
        "otpauth_uri": uri,
        "secret": base64.b32encode(device.bin_key).decode().rstrip("="),
        "qr_data_uri": segno.make(uri, error="m").svg_data_uri(scale=4),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "accounts/otp_setup.html", context, status=400 if form.errors else 200)


def _verified(request: HttpRequest, device: TOTPDevice) -> None:
    """The session now holds the second factor: it gains rights, so it gets a new id (session fixation)."""
    otp_login(request, device)
    request.session.cycle_key()


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
                _verified(request, device)
                return redirect(_safe_next(request))
        form.add_error("code", _("Verification code: the code is not correct. Check the time on your device."))
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    return render(request, "accounts/otp_verify.html", context, status=400 if form.errors else 200)


def otp_remove(request: HttpRequest) -> HttpResponse:
    """Turn two-step verification off — only where no organisation of the user requires it, and only after
    the password and a current code."""
    user = _user(request)
    required = user.memberships.filter(active=True, organisation__require_totp=True).exists()
    if required:
        messages.error(request, _("Your organisation requires two-step verification; it cannot be turned off."))
        return redirect("accounts:preferences")
    if not TOTPDevice.objects.filter(user=user).exists():
        return redirect("accounts:preferences")
    form: Form = OtpRemoveForm(_posted(request), request=request)
    if request.method == "POST" and form.is_valid():
        actions.do_remove_totp_devices(user, acting_user=user)
        messages.success(request, _("Two-step verification is now off for your account."))
        return redirect("accounts:preferences")
    _signed_out_if_locked(request)
    return render(request, "accounts/otp_remove.html", {"form": form}, status=400 if form.errors else 200)


def tokens(request: HttpRequest) -> HttpResponse:
    """The user's API tokens; a new one only after the password (and the code) again, its secret shown once."""
    user = _user(request)
    form = ApiTokenForm(_posted(request), request=request)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        _token, new_secret = actions.do_create_api_token(
            user, acting_user=user, name=form.cleaned_data["name"], expires_at=form.expires_at()
        )
        form = ApiTokenForm(request=request)
    _signed_out_if_locked(request)
    user_tokens = ApiToken.objects.filter(user=user).order_by("-created_at")
    context = {"form": form, "tokens": user_tokens, "new_secret": new_secret}
    return render(request, "accounts/tokens.html", context, status=400 if form.errors else 200)


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


# --- the security page: failed logins and lockouts -----------------------------------------

_PER_PAGE = 50


def security_log(request: HttpRequest) -> HttpResponse:
    """Failed logins and lockouts with the full user name and address, for auditors and administrators."""
    user = _user(request)
    if not selectors.may_view_sign_in_records(user):
        raise Http404
    form = SecurityLogFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if form.errors:
        context: dict[str, Any] = {"form": form, "lockouts": [], "failures": [], "may_unlock": False}
        return render(request, "accounts/security_log.html", context, status=400)
    lockouts = Paginator(selectors.lockouts(filters), _PER_PAGE).get_page(request.GET.get("lockouts_page"))
    failures = Paginator(selectors.failed_logins(filters), _PER_PAGE).get_page(request.GET.get("page"))
    # Who looked at the sign-in records, with what filters, is itself evidence.
    record_audit_event(
        "accounts.sign_in_records_viewed",
        acting_user=user,
        changes={name: value for name, value in filters.items() if value not in (None, "", False)},
    )
    locked_now = selectors.locked_clients()
    for lockout in lockouts:
        lockout.is_current = lockout.unlocked_at is None and (lockout.username, lockout.ip_address) in locked_now  # type: ignore[attr-defined]
    context = {
        "form": form,
        "lockouts": lockouts,
        "failures": failures,
        "may_unlock": selectors.may_unlock_logins(user),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "accounts/security_log.html", context)


@require_POST
def security_unlock(request: HttpRequest) -> HttpResponse:
    """An administrator lifts one lockout early (audited); auditors see the page but do not unlock."""
    user = _user(request)
    if not selectors.may_view_sign_in_records(user):
        raise Http404
    if not selectors.may_unlock_logins(user):
        raise PermissionDenied
    form = UnlockForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose a lockout to lift."), status=400, content_type="text/plain; charset=utf-8")
    lockout = LoginLockout.objects.filter(pk=form.cleaned_data["lockout"]).first()
    if lockout is None:
        raise Http404
    actions.do_unlock_login(lockout, acting_user=user)
    messages.success(
        request,
        _("%(username)s may log in from %(address)s again.")
        % {"username": lockout.username, "address": lockout.ip_address or "-"},
    )
    return redirect("accounts:security_log")
