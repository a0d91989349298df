from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmergencyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tsunagiai.emergency"
    verbose_name = _("emergency access")

    def ready(self) -> None:
        from tsunagiai.emergency import inbox_kinds  # noqa: F401 - registers the kinds of inbox item the app posts
