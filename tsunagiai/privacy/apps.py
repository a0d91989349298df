from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Requests under the personal information protection act (開示・利用停止) and backups of the city's data."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "tsunagiai.privacy"
    verbose_name = _("privacy requests and backups")

    def ready(self) -> None:
        from tsunagiai.privacy import signals  # noqa: F401 - connects the use-suspension guard
