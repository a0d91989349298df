from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "tsunagiai.audit"
    label = "audit"
