from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "tsunagiai.reference"
    label = "reference"
