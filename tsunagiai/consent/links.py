"""「同意を記録する」 where a disclosure was refused for want of consent (docs/consent.md).

A page that catches ``tsunagiai.consent.errors.ConsentMissing`` builds the links with
``record_consent_links`` and shows them with ``consent/_consent_needed.html``: over htmx each
opens the consent form (``consent:record``) inline on that page, so the page's own form keeps
what was typed; without JavaScript the link is the consent form's page, which returns to
``next_url`` once saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode

from tsunagiai.accounts import access
from tsunagiai.consent.models import InformationScope
from tsunagiai.core.http import AuthenticatedRequest


def record_consent_links(
    request: AuthenticatedRequest,
    people: Sequence[Any],
    *,
    organisations: Iterable[Any],
    information: Iterable[str],
    next_url: str,
    reason: Callable[[Any], str],
) -> list[dict[str, Any]]:
    """A link per person whose consent the user may record (the consent form's own rule: who may edit the person).

    Each opens the consent form with ``organisations`` and ``information`` preselected (basic facts
    always) and returns to ``next_url``; ``reason(person)`` says, in the user's language, why it is
    needed. People the user may not edit are left out: the page says so instead.
    """
    editable = set(access.editable_people(request.user, among=[p.pk for p in people]).values_list("pk", flat=True))
    kinds = list(dict.fromkeys([InformationScope.BASIC, *information]))
    values: dict[str, str | list[str]] = {
        "organisations": [str(organisation.pk) for organisation in organisations],
        "information": [str(kind) for kind in kinds],
        "next": next_url,
    }
    query = urlencode(values, doseq=True)
    return [
        {"person": person, "url": f"{reverse('consent:record', args=[person.pk])}?{query}", "reason": reason(person)}
        for person in people
        if person.pk in editable
    ]
