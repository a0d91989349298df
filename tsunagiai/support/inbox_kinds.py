"""The inbox kinds the support app posts (imported from SupportConfig.ready(); see tsunagiai.inbox.kinds)."""

from django.utils.translation import gettext_lazy as _

from tsunagiai.inbox.kinds import register_kind

ACTION_OVERDUE = register_kind("action_overdue", _("plan action overdue"))
PLAN_REVIEW_DUE = register_kind("plan_review_due", _("plan review due"))
NO_CONTACT = register_kind("no_contact", _("no contact for a long time"))
