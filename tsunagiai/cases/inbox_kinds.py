"""The inbox kinds the cases app posts (imported from CasesConfig.ready(); see tsunagiai.inbox.kinds)."""

from django.utils.translation import gettext_lazy as _

from tsunagiai.inbox.kinds import register_kind

LEAD_REQUEST = register_kind("lead_request", _("request to take the lead"))
COORDINATION_OVERSTAY = register_kind("coordination_overstay", _("coordination section still lead"))
