from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionalConfig(AppConfig):
    name = "tsunagiai.regional"
    label = "regional"
    verbose_name = _("regional issues")

    def ready(self) -> None:
        # Registers the kinds of inbox item the app posts, and its periodic sweeps for run_sweeps.
        from tsunagiai.regional import inbox_kinds, sweeps  # noqa: F401
