from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "tsunagiai.people"
    label = "people"
