from django.apps import AppConfig


class InboxConfig(AppConfig):
    """The inbox knows no domain app: each app registers its kinds (``<app>/inbox_kinds.py``, imported from its
    ``ready()``) and names what an item is about with a generic subject."""

    name = "tsunagiai.inbox"
    label = "inbox"
