"""The one error an action raises when its rules refuse a change.

``ActionRefused(message, field=...)``: ``message`` is in the user's language and names the field
("生年月日: 未来の日付は指定できません。"); ``field`` is the input at fault ("" when none is).
The API answers an uncaught one with 422 in its error format (tsunagiai.core.api); a page puts it on
its form with ``tsunagiai.core.forms.add_action_errors``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _


class ActionRefused(ValueError):
    """A change the rules refuse; ``field`` names the input at fault (the API's error format)."""

    def __init__(self, message: str, *, field: str = "", errors: Iterable[Mapping[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # Every error as the API reports it: one, or several when a whole form was refused.
        self.errors: list[dict[str, str]] = (
            [dict(error) for error in errors] if errors is not None else [{"field": field, "message": message}]
        )

    @classmethod
    def several(cls, errors: Iterable[Mapping[str, str]]) -> ActionRefused:
        """Several fields refused at once (``{"field": ..., "message": ...}`` each), e.g. a form's errors."""
        return cls(_("Please check the input."), errors=errors)
