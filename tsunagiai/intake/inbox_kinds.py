"""The inbox kinds the intake app posts (imported from IntakeConfig.ready(); see tsunagiai.inbox.kinds)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tsunagiai.inbox.kinds import SubjectSummary, register_kind, register_subject

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

EMERGENCY_INTAKE = register_kind("emergency_intake", _("emergency intake"), urgent_by_default=True)
VOLUNTEER_CONCERN = register_kind("volunteer_concern", _("community volunteer's concern"))
FIRE_REPORT = register_kind("fire_report", _("fire–welfare link report"))


def inbox_title(*, intake_id: int, organisation_name: str, kind: str) -> str:
    """The inbox line for an intake of ``kind`` (also used by the demo generator)."""
    values = {"id": intake_id, "organisation": organisation_name}
    if kind == EMERGENCY_INTAKE:
        return gettext("Emergency intake #%(id)s received at %(organisation)s") % values
    if kind == FIRE_REPORT:
        return gettext("Fire–welfare link report #%(id)s from %(organisation)s") % values
    return gettext("Community volunteer's concern #%(id)s") % values


def _summarise(user: User, ids: Sequence[int]) -> dict[int, SubjectSummary]:
    """The page's intakes the user may see (one query): the person and the urgency as the intake records it."""
    from tsunagiai.accounts import access

    rows = (
        access.visible_intakes(user).filter(pk__in=ids).values_list("pk", "person_id", "urgency_id", "urgency__label")
    )
    return {
        pk: SubjectSummary(person_id=person_id, urgency_label=label or "", is_emergency=urgency == "emergency")
        for pk, person_id, urgency, label in rows
    }


register_subject("intake.intake", _summarise)
