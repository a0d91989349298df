from django.contrib.auth import views as auth_views
from django.urls import path

from tsunagiai.accounts import views

app_name = "accounts"

urlpatterns = [
    path("preferences/", views.preferences, name="preferences"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("otp/verify/", views.otp_verify, name="otp_verify"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/remove/", views.otp_remove, name="otp_remove"),
    path("security/", views.security_log, name="security_log"),
    path("security/unlock/", views.security_unlock, name="security_unlock"),
]
