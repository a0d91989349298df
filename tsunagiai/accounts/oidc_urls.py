"""The single sign-on routes, mounted at /oidc/ only when OIDC is configured."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path
from mozilla_django_oidc import views

urlpatterns = [
    path(
        "authenticate/",
        login_not_required(views.OIDCAuthenticationRequestView.as_view()),
        name="oidc_authentication_init",
    ),
    path(
        "callback/",
        login_not_required(views.OIDCAuthenticationCallbackView.as_view()),
        name="oidc_authentication_callback",
    ),
]
