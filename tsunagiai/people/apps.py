from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _keep_search_index(sender: Any, *, using: str = "default", **kwargs: Any) -> None:
    """After ``migrate``: the SQLite search index's triggers are back if a table rebuild dropped them."""
    from django.db import connections

    from tsunagiai.people import fts

    fts.ensure(connections[using])


class PeopleConfig(AppConfig):
    name = "tsunagiai.people"
    label = "people"

    def ready(self) -> None:
        post_migrate.connect(_keep_search_index, sender=self, dispatch_uid="people.fts.ensure")
