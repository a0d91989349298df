from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "tsunagiai.triage"
    label = "triage"
