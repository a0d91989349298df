"""The registry of inbox kinds: each app registers the kinds of item it posts.

An app declares its kinds in ``<app>/inbox_kinds.py`` with ``register_kind``
(a code, a translated label) and imports that module from its
``AppConfig.ready()``, so the inbox shows every app's items without importing
any app, and a new kind needs no migration. ``kind_label`` names a kind for the
screen; a code nobody registers (an app since removed) is shown as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise

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
