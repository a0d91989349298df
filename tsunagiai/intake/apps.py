from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "tsunagiai.intake"
    label = "intake"
