from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "tsunagiai.cases"
    label = "cases"
