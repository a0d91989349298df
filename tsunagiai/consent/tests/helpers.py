"""Builders for consent tests: what staff type into the consent form (``consent:record``)."""

from __future__ import annotations

from typing import Any

from tsunagiai.reference.models import Organisation
from tsunagiai.testing import Town


def consent_form_data(
    town: Town,
    *,
    scope: list[Organisation],
    information: tuple[str, ...] = ("basic", "history"),
    method: str = "oral",
    **extra: Any,
) -> dict[str, Any]:
    """The consent form as the north branch office fills it in on 2026-04-10 (``extra`` adds or replaces fields)."""
    data: dict[str, Any] = {
        "organisation": town.orgs["branch_north"].pk,
        "given_on": "2026-04-10",
        "method": method,
        "given_by": "person",
        "scope_organisations": [organisation.pk for organisation in scope],
        "scope_information": list(information),
    }
    data.update(extra)
    return data
