from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "tsunagiai.cases"
    label = "cases"

    def ready(self) -> None:
        from tsunagiai.cases import sweeps  # noqa: F401 - registers the app's periodic sweeps for run_sweeps
