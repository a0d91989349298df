"""The registry of inbox kinds: each app registers the kinds of item it posts.

An app declares its kinds in ``<app>/inbox_kinds.py`` with ``register_kind``
(a code, a translated label) and imports that module from its
``AppConfig.ready()``, so the inbox shows every app's items without importing
any app, and a new kind needs no migration. ``kind_label`` names a kind for the
screen; a code nobody registers (an app since removed) is shown as it is.

An app whose model is an item's subject may also register, with
``register_subject``, how to summarise a page of those subjects for the list
(the person, what is due and when, the urgency): one query for all the page's
subjects of that model, scoped by the access policy, so the inbox shows more
than the title without knowing the app and without a query per item.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.functional import Promise

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

# InboxItem.kind's max_length.
MAX_CODE_LENGTH = 30


@dataclass(frozen=True)
class Kind:
    code: str
    label: str | Promise
    urgent_by_default: bool = False


_registry: dict[str, Kind] = {}


def register_kind(code: str, label: str | Promise, *, urgent_by_default: bool = False) -> str:
    """Register the inbox kind ``code`` shown as ``label`` (a ``gettext_lazy`` string); return the code.

    Registering the same kind again (a module imported twice) is harmless; the
    same code with another label or default is a clash between two apps.
    """
    if not code or len(code) > MAX_CODE_LENGTH:
        raise ValueError(f"An inbox kind code has 1 to {MAX_CODE_LENGTH} characters: {code!r}.")
    kind = Kind(code=code, label=label, urgent_by_default=urgent_by_default)
    known = _registry.get(code)
    if known is not None and known != kind:
        raise ValueError(f"The inbox kind {code!r} is already registered with another label or default.")
    _registry[code] = kind
    return code


def get_kind(code: str) -> Kind | None:
    """The registered kind ``code``, or None when no app registers it."""
    return _registry.get(code)


def kind_label(code: str) -> str:
    """The kind's label in the active language; an unregistered code is shown as it is."""
    kind = _registry.get(code)
    return str(kind.label) if kind is not None else code


def registered_kinds() -> list[Kind]:
    """Every registered kind, by code."""
    return sorted(_registry.values(), key=lambda kind: kind.code)


@dataclass(frozen=True)
class SubjectSummary:
    """What the inbox list shows about an item's subject, beside its title.

    ``person_id`` is only a candidate: the inbox shows the person's name only
    when the access policy lets the viewing user see that person.
    ``urgency_label`` is the subject's own urgency (e.g. an intake's), shown as
    text; ``is_emergency`` adds the urgent styling.
    """

    person_id: int | None = None
    due_at: dt.datetime | None = None
    # A deadline that is a day, not a moment (a plan action's due date, a plan's review date).
    due_on: dt.date | None = None
    due_label: str | Promise = ""
    urgency_label: str = ""
    is_emergency: bool = False


# (viewing user, subject ids of one model) -> summary by subject id, for the subjects the user may see.
Summariser = Callable[["User", Sequence[int]], dict[int, SubjectSummary]]

_summarisers: dict[str, Summariser] = {}


def register_subject(model_label: str, summarise: Summariser) -> None:
    """Register how to summarise subjects of ``model_label`` ("app_label.model", lower case) in one query."""
    _summarisers[model_label.lower()] = summarise


def subject_summariser(model_label: str) -> Summariser | None:
    """The summariser registered for ``model_label``, or None (the list then shows the title only)."""
    return _summarisers.get(model_label.lower())
