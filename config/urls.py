from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from config.api import api
from config.hsds_api import hsds_api
from tsunagiai.accounts import views as account_views
from tsunagiai.core import views as core_views

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/hsds/", hsds_api.urls),  # the public HSDS 3.0 resource guide (resources app)
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", core_views.home, name="home"),
    path("reference/", include("tsunagiai.reference.urls")),
    path("people/", include("tsunagiai.people.urls")),
    path("intakes/", include("tsunagiai.intake.urls")),
    path("inbox/", include("tsunagiai.inbox.urls")),
    path("referrals/", include("tsunagiai.referrals.urls")),
    path("cases/", include("tsunagiai.cases.urls")),
    path("accounts/", include("tsunagiai.accounts.urls")),
    path("consent/", include("tsunagiai.consent.urls")),
    path("support/", include("tsunagiai.support.urls")),
    path("audit/", include("tsunagiai.audit.urls")),
    path("emergency/", include("tsunagiai.emergency.urls")),
    path("triage/", include("tsunagiai.triage.urls")),
    path("community/", include("tsunagiai.community.urls")),
    path("regional/", include("tsunagiai.regional.urls")),
    path("resources/", include("tsunagiai.resources.urls")),
    path("analytics/", include("tsunagiai.analytics.urls")),
    path("reports/", include("tsunagiai.reports.urls")),
    path("privacy/", include("tsunagiai.privacy.urls")),
]

if settings.OIDC_ENABLED:  # single sign-on only where the city configured its identity provider
    urlpatterns.append(path("oidc/", include("tsunagiai.accounts.oidc_urls")))
