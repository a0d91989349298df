from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "tsunagiai.cases"
    label = "cases"

    def ready(self) -> None:
        # Registers the kinds of inbox item the app posts, and its periodic sweeps for run_sweeps.
        from tsunagiai.cases import inbox_kinds, sweeps  # noqa: F401
