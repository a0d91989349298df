"""A user's own settings: date style and API tokens."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tsunagiai.accounts import actions
from tsunagiai.accounts.forms import ApiTokenForm, PreferencesForm
from tsunagiai.accounts.models import ApiToken, User


def _user(request: HttpRequest) -> User:
    # LoginRequiredMiddleware guarantees a signed-in user on these pages.
    return cast(User, request.user)


def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PreferencesForm(request.POST or None, initial={"date_style": user.date_style})
    if request.method == "POST" and form.is_valid():
        actions.do_update_preferences(user, acting_user=user, date_style=form.cleaned_data["date_style"])
        messages.success(request, _("Your settings were saved."))
        return redirect("accounts:preferences")
    return render(request, "accounts/preferences.html", {"form": form})


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
