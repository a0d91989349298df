from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "tsunagiai.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from tsunagiai.core import sweeps  # noqa: F401 - registers the app's periodic sweeps for run_sweeps
