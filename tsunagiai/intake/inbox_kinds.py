"""The inbox kinds the intake app posts (imported from IntakeConfig.ready(); see tsunagiai.inbox.kinds)."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tsunagiai.inbox.kinds import register_kind

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
