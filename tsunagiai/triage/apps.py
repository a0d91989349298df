from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "tsunagiai.triage"
    label = "triage"

    def ready(self) -> None:
        # Stores the engine's suggestion when an intake is recorded or changed (intake.signals.intake_saved).
        from tsunagiai.triage import receivers  # noqa: F401
