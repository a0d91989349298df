from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "tsunagiai.support"
    label = "support"
    verbose_name = _("support (assessment, plans, records, conferences)")

    def ready(self) -> None:
        from tsunagiai.support import sweeps  # noqa: F401 - registers the app's periodic sweeps for run_sweeps
