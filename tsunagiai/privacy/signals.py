"""The last line of defence of a use suspension: no new intake, referral or case focus names the person.

The pages and the API refuse it first (``accounts.access.linkable_people``
leaves suspended people out for everyone; ``visible_people`` for everyone but
the coordination section). These signals refuse whatever path was missed,
inside the writing transaction, with ``access.NotLinkable`` — which the pages
and the API already answer with the message on the field that named the
person, or a 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from tsunagiai.cases.models import Case
from tsunagiai.intake.models import Intake
from tsunagiai.people.models import Person
from tsunagiai.referrals.models import Referral


def suspended_message() -> str:
    return _(
        "Person: the use of this person's record is suspended (利用停止); no new intake, referral or case "
        "may name them. Ask the coordination section."
    )


def _refuse(person_ids: set[int], field: str) -> None:
    from tsunagiai.accounts.access import NotLinkable

    if person_ids and Person.objects.filter(pk__in=person_ids, use_suspended=True).exists():
        raise NotLinkable(field, "person", suspended_message())


def _newly_named(instance: Any) -> set[int]:
    """The person an intake or referral names, when it is new or names someone else than before."""
    person_id = getattr(instance, "person_id", None)
    if person_id is None:
        return set()
    if instance._state.adding or instance.pk is None:
        return {person_id}
    before = type(instance)._default_manager.filter(pk=instance.pk).values_list("person_id", flat=True).first()
    return set() if before == person_id else {person_id}


@receiver(pre_save, sender=Intake, dispatch_uid="privacy_intake_names_no_suspended_person")
@receiver(pre_save, sender=Referral, dispatch_uid="privacy_referral_names_no_suspended_person")
def refuse_a_suspended_person(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:  # loading a fixture or a restore keeps what was recorded
        _refuse(_newly_named(instance), "person_id")


@receiver(m2m_changed, sender=Case.focus_members.through, dispatch_uid="privacy_case_focus_no_suspended_person")
def refuse_a_suspended_focus_member(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    if action == "pre_add" and pk_set:
        _refuse(set(pk_set) if not reverse else {instance.pk}, "focus_member_ids")
