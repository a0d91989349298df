from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "tsunagiai.support"
    label = "support"
    verbose_name = _("support (assessment, plans, records, conferences)")

    def ready(self) -> None:
        # Registers the kinds of inbox item the app posts, and its periodic sweeps for run_sweeps.
        from tsunagiai.support import inbox_kinds, sweeps  # noqa: F401
