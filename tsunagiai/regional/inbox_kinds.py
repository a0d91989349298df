"""The inbox kind the regional app posts (imported from RegionalConfig.ready(); see tsunagiai.inbox.kinds)."""

from django.utils.translation import gettext_lazy as _

from tsunagiai.inbox.kinds import register_kind

REGIONAL_ISSUE = register_kind("regional_issue", _("regional issue proposed from unmet needs"))
