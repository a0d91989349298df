"""The inbox kinds the referrals app posts (imported from ReferralsConfig.ready(); see tsunagiai.inbox.kinds)."""

from django.utils.translation import gettext_lazy as _

from tsunagiai.inbox.kinds import register_kind

REFERRAL_RECEIVED = register_kind("referral_received", _("referral received"))
REFERRAL_UPDATED = register_kind("referral_updated", _("referral updated"))
REFERRAL_OVERDUE = register_kind("referral_overdue", _("referral overdue"))
REFERRAL_ESCALATED = register_kind(
    "referral_escalated", _("referral nobody accepted (gap case)"), urgent_by_default=True
)
