from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionalConfig(AppConfig):
    name = "tsunagiai.regional"
    label = "regional"
    verbose_name = _("regional issues")

    def ready(self) -> None:
        from tsunagiai.regional import sweeps  # noqa: F401 - registers the app's periodic sweeps for run_sweeps
