"""The inbox kinds the cases app posts (imported from CasesConfig.ready(); see tsunagiai.inbox.kinds)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from tsunagiai.inbox.kinds import SubjectSummary, register_kind, register_subject

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

LEAD_REQUEST = register_kind("lead_request", _("request to take the lead"))
COORDINATION_OVERSTAY = register_kind("coordination_overstay", _("coordination section still lead"))


def _summarise(user: User, ids: Sequence[int]) -> dict[int, SubjectSummary]:
    """The page's cases the user may see (one query): the person, the first focus member (by id)."""
    from django.db.models import Min

    from tsunagiai.accounts import access

    rows = (
        access.visible_cases(user)
        .filter(pk__in=ids)
        .annotate(first_focus=Min("focus_members"))
        .values_list("pk", "first_focus")
    )
    return {pk: SubjectSummary(person_id=person_id) for pk, person_id in rows}


register_subject("cases.case", _summarise)
