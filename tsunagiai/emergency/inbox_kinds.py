"""The inbox kind the emergency app posts (imported from EmergencyConfig.ready(); see tsunagiai.inbox.kinds)."""

from django.utils.translation import gettext_lazy as _

from tsunagiai.inbox.kinds import register_kind

EMERGENCY_ACCESS = register_kind(
    "emergency_access", _("emergency access to a record (break-the-glass)"), urgent_by_default=True
)
