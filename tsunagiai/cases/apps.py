from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "tsunagiai.cases"
    label = "cases"

    def ready(self) -> None:
        # Registers the kinds of inbox item the app posts, its periodic sweeps for run_sweeps, and its
        # receivers of other apps' signals (a consent withdrawn ends the team access it allowed).
        from tsunagiai.cases import inbox_kinds, receivers, sweeps  # noqa: F401
