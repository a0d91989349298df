"""Break-the-glass (tsunagiai.emergency): read-only, time-limited; and never naming such a record in a write."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from tsunagiai.accounts.access.cases import _team_case_ids, visible_cases
from tsunagiai.accounts.access.grants import (
    _emergency_grants,
    _emergency_household_ids,
    _emergency_person_ids,
    _holds_emergency_access,
)
from tsunagiai.accounts.access.people import (
    Among,
    _household_ids_of_organisations,
    _person_ids_of_organisations,
    suspended_person_ids,
    visible_households,
    visible_people,
)
from tsunagiai.accounts.access.roles import Visitor, _get_or_404, is_coordination, is_staff_member, organisation_ids
from tsunagiai.accounts.models import User

if TYPE_CHECKING:
    from tsunagiai.cases.models import Case
    from tsunagiai.people.models import Household, Person

# --- break-the-glass (tsunagiai.emergency): read-only, time-limited -----------
#
# A staff member outside the team who gave a reason sees the one record for
# a few hours: a person; a household and its current members; a case, its
# household and the household's current members. Nothing becomes editable.

EMERGENCY_KINDS = ("person", "household", "case")


def may_break_the_glass(user: Visitor) -> bool:
    """Staff roles may ask for emergency access; volunteers, analysts, administrators and auditors may not."""
    return is_staff_member(user)


def emergency_target(kind: str, object_id: Any) -> Model:
    """The record an emergency access is asked for, or 404 (asked only after a reason was given)."""
    from tsunagiai.cases.models import Case
    from tsunagiai.people.models import Household, Person

    models: dict[str, type[Model]] = {"person": Person, "household": Household, "case": Case}
    if kind not in models:
        raise Http404
    return _get_or_404(models[kind]._default_manager.all(), object_id)


def sees_only_in_emergency(user: Visitor, obj: Model) -> bool:
    """Whether ``user`` sees ``obj`` now only because of an emergency access (for the audit basis)."""
    if is_coordination(user):
        return False
    org_ids = organisation_ids(user)
    label = obj._meta.label_lower
    if label == "people.person":
        emergency, usual = _emergency_person_ids(user), _person_ids_of_organisations(org_ids)
    elif label == "people.household":
        emergency, usual = _emergency_household_ids(user), _household_ids_of_organisations(org_ids)
    elif label == "cases.case":
        emergency, usual = _emergency_grants(user, "case_id"), _team_case_ids(org_ids)
    else:
        return False
    model = type(obj)
    return (
        model._default_manager.filter(pk=obj.pk, pk__in=emergency).exists()
        and not model._default_manager.filter(pk=obj.pk, pk__in=usual).exists()
    )


# --- naming a record in a write: never one opened only by an emergency access ------
#
# Break-the-glass is for reading. A record may be *named* by a new or changed
# record — the person an intake is about, the household a new person joins,
# the subject of a referral or a help request, a person's consent, a member
# added to a household, a case put on a conference's agenda or opened for a
# household — only when the user sees it without any emergency access: an
# intake about a person makes the person known to the receiving organisation
# for good, and a write during a grant must not outlive the grant
# (docs/decisions/0009-break-the-glass-is-read-only.md).
#
# Forms and API operations choose among ``linkable_*`` and answer with the
# field named (422 in the API); the actions check again with
# ``refuse_emergency_only`` (defence in depth), which refuses only what the
# acting user sees through a grant alone, so that actions run for records the
# user does not see at all (the system, a referral's acceptance) keep their
# own rules.


def linkable_people(user: User, *, among: Among = None) -> QuerySet[Person]:
    """People a new or changed record of ``user`` may name: those seen without an emergency access."""
    # A person whose use is suspended (利用停止) may be named by no one, the coordination section included
    # (``visible_people`` leaves them out for everyone else already: one NOT IN less to build and run).
    people = visible_people(user, include_emergency=False, among=among)
    return people.exclude(pk__in=suspended_person_ids()) if is_coordination(user) else people


def linkable_households(user: User, *, among: Among = None) -> QuerySet[Household]:
    """Households a new or changed record of ``user`` may name: those seen without an emergency access."""
    return visible_households(user, include_emergency=False, among=among)


def linkable_cases(user: User) -> QuerySet[Case]:
    """Cases a new or changed record of ``user`` may name: those seen without an emergency access."""
    return visible_cases(user, include_emergency=False)


class NotLinkable(PermissionDenied):
    """A write named a record the user sees only through an emergency access.

    ``field`` is the form or API field that named it, ``kind`` the kind of
    record ("person", "household", "case"); ``str()`` is the message, in the
    user's language, with the record's label. A page that does not catch it
    answers 403.
    """

    def __init__(self, field: str, kind: str, message: str = "") -> None:
        from tsunagiai.accounts.access.messages import field_message

        self.field = field
        self.kind = kind
        self.message = message or field_message(kind)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def emergency_only(user: Visitor, obj: Model | None) -> bool:
    """Whether ``obj`` is a record ``user`` sees only through an emergency access (one query when they hold none)."""
    if obj is None or not getattr(user, "is_authenticated", False) or is_coordination(user):
        return False
    return _holds_emergency_access(user) and sees_only_in_emergency(user, obj)


def refuse_emergency_only(
    user: Visitor,
    *,
    person: Model | None = None,
    household: Model | None = None,
    case: Model | None = None,
    people: Iterable[Model] = (),
    field: str = "",
) -> None:
    """Raise ``NotLinkable`` when a record named is one ``user`` sees only through an emergency access.

    For the actions (defence in depth behind the forms and API operations).
    ``field`` names the input for the message; by default the kind's ``<kind>_id``.
    """
    if not getattr(user, "is_authenticated", False) or is_coordination(user):
        return
    named: list[tuple[str, Model]] = [
        (kind, obj) for kind, obj in (("person", person), ("household", household), ("case", case)) if obj is not None
    ]
    named += [("person", p) for p in people]
    if not named or not _holds_emergency_access(user):
        return
    for kind, obj in named:
        if sees_only_in_emergency(user, obj):
            raise NotLinkable(field or f"{kind}_id", kind)
