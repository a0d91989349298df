from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "tsunagiai.inbox"
    label = "inbox"
