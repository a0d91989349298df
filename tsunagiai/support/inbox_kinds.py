"""The inbox kinds the support app posts (imported from SupportConfig.ready(); see tsunagiai.inbox.kinds)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from tsunagiai.inbox.kinds import SubjectSummary, register_kind, register_subject

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

ACTION_OVERDUE = register_kind("action_overdue", _("plan action overdue"))
PLAN_REVIEW_DUE = register_kind("plan_review_due", _("plan review due"))
NO_CONTACT = register_kind("no_contact", _("no contact for a long time"))


def _summarise_actions(user: User, ids: Sequence[int]) -> dict[int, SubjectSummary]:
    """The page's plan actions of cases the user may see (one query): the person and the action's due date."""
    from django.db.models import Min

    from tsunagiai.accounts import access
    from tsunagiai.support.models import PlanAction

    rows = (
        PlanAction.objects.filter(pk__in=ids, revision__plan__case__in=access.visible_cases(user))
        .annotate(first_focus=Min("revision__plan__case__focus_members"))
        .values_list("pk", "first_focus", "due_on")
    )
    return {
        pk: SubjectSummary(person_id=person_id, due_on=due_on, due_label=_("action due"))
        for pk, person_id, due_on in rows
    }


def _summarise_revisions(user: User, ids: Sequence[int]) -> dict[int, SubjectSummary]:
    """The page's plan revisions of cases the user may see (one query): the person and the review date."""
    from django.db.models import Min

    from tsunagiai.accounts import access
    from tsunagiai.support.models import PlanRevision

    rows = (
        PlanRevision.objects.filter(pk__in=ids, plan__case__in=access.visible_cases(user))
        .annotate(first_focus=Min("plan__case__focus_members"))
        .values_list("pk", "first_focus", "review_on")
    )
    return {
        pk: SubjectSummary(person_id=person_id, due_on=review_on, due_label=_("review due"))
        for pk, person_id, review_on in rows
    }


register_subject("support.planaction", _summarise_actions)
register_subject("support.planrevision", _summarise_revisions)
