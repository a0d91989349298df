from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "tsunagiai.analytics"
    label = "analytics"
    verbose_name = _("analytics")

    def ready(self) -> None:
        from tsunagiai.analytics import checks, signals  # noqa: F401 - checks registers itself

        signals.connect()  # changes to intakes, referrals and cases mark the rollup's months dirty
