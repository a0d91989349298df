from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "tsunagiai.reports"
    label = "reports"
    verbose_name = _("reports and exports")

    def ready(self) -> None:
        from tsunagiai.reports import sweeps  # noqa: F401 - registers the app's periodic sweeps for run_sweeps
