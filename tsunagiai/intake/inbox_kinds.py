"""The inbox kinds the intake app posts (imported from IntakeConfig.ready(); see tsunagiai.inbox.kinds)."""

from django.utils.translation import gettext_lazy as _

from tsunagiai.inbox.kinds import register_kind

EMERGENCY_INTAKE = register_kind("emergency_intake", _("emergency intake"), urgent_by_default=True)
VOLUNTEER_CONCERN = register_kind("volunteer_concern", _("community volunteer's concern"))
FIRE_REPORT = register_kind("fire_report", _("fire–welfare link report"))
