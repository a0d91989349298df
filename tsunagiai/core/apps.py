from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tsunagiai.core"
    label = "core"
    verbose_name = "Core"
