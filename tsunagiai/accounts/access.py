"""The access policy: every "may this user see / change this record?" is answered here.

Views, API endpoints, exports, searches and tasks call these functions and
never query protected models directly. Each answer comes in two forms, as in
Wagtail's permission policies:

- ``visible_<things>(user)``: a queryset of what the user may see, for lists
  and searches;
- ``access_<thing>(user, id, for_edit=...)``: one object, or ``Http404`` —
  "not allowed" looks exactly like "does not exist" (Zulip's
  ``access_stream_by_id``), so a probe learns nothing.

The rules (SYSTEM.md C11, access skeleton):

- a member with a staff role sees the people and intakes of their own
  organisations;
- the coordination section (福祉総合相談課) sees everything;
- community volunteers see only the status of what they reported;
- analysts, administrators and auditors see no person.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tsunagiai.accounts.models import Membership, Role, User

if TYPE_CHECKING:
    from tsunagiai.cases.models import Case
    from tsunagiai.consent.models import Consent
    from tsunagiai.intake.models import Intake
    from tsunagiai.people.models import Household, Person
    from tsunagiai.reference.models import Organisation
    from tsunagiai.referrals.models import Referral
    from tsunagiai.support.models import Conference, SupportRecord

# Roles that work with people's records.
STAFF_ROLES = frozenset({Role.INTAKE, Role.CASEWORKER, Role.COORDINATOR, Role.SUPERVISOR})
# Staff roles that may change existing people, households and intakes
# (``intake`` is reception only: it records, it does not edit).
EDIT_ROLES = frozenset({Role.CASEWORKER, Role.COORDINATOR, Role.SUPERVISOR})
COORDINATION_AGENCY_TYPE = "coordination_section"

_CACHE_ATTR = "_tsunagiai_memberships"


def _memberships(user: Any) -> list[Membership]:
    """The user's active memberships, loaded once per user object (i.e. per request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, active=True, organisation__active=True).select_related("organisation")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def memberships(user: Any) -> list[Membership]:
    """The user's active memberships (with their organisations)."""
    return _memberships(user)


def forget_memberships(user: Any) -> None:
    """Drop the per-object cache after memberships change (tests, admin actions)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def roles(user: Any) -> set[str]:
    return {m.role for m in _memberships(user)}


def has_role(user: Any, *wanted: str) -> bool:
    return any(m.role in wanted for m in _memberships(user))


def organisation_ids(user: Any, allowed_roles: frozenset[str] = STAFF_ROLES) -> set[int]:
    return {m.organisation_id for m in _memberships(user) if m.role in allowed_roles}


def staff_organisations(user: Any) -> list[Organisation]:
    """Organisations in which the user works with people's records, for choosing the receiving window."""
    seen: dict[int, Organisation] = {}
    for m in _memberships(user):
        if m.role in STAFF_ROLES:
            seen.setdefault(m.organisation_id, m.organisation)
    return sorted(seen.values(), key=lambda o: o.name)


def is_coordination(user: Any) -> bool:
    """Whether the user acts for the coordination section, which sees every record."""
    return any(
        m.role == Role.COORDINATOR
        or (m.role in STAFF_ROLES and m.organisation.agency_type_id == COORDINATION_AGENCY_TYPE)
        for m in _memberships(user)
    )


def is_staff_member(user: Any) -> bool:
    return bool(organisation_ids(user))


def is_volunteer(user: Any) -> bool:
    return has_role(user, Role.VOLUNTEER)


def may_view_aggregates(user: Any) -> bool:
    return has_role(user, Role.ANALYST, Role.SUPERVISOR, Role.COORDINATOR, Role.ADMIN)


def may_manage_reference(user: Any) -> bool:
    return has_role(user, Role.ADMIN)


def may_record_intake(user: Any) -> bool:
    return is_staff_member(user)


def may_report_concern(user: Any) -> bool:
    """Community volunteers report concerns through their own short form."""
    return is_volunteer(user)


# --- declared access rules: every page and API operation names one ----------
#
# The rule is the first gate (who may reach the route at all) and the
# documentation of the route; the object-level checks stay in ``access_*``.
# A page or operation without a rule is refused (deny by default), and
# tests/test_authorization_matrix.py fails listing it.

PUBLIC = "public"  # no login: the login page, language switch, health check
MEMBER = "member"  # any signed-in user (own preferences, the start page); the view narrows further
STAFF = "staff"  # staff roles (intake, caseworker, coordinator, supervisor): people's records
EDITOR = "editor"  # staff roles that change existing records (not reception-only ``intake``)
VOLUNTEER = "volunteer"  # community volunteers: their own reports
AUDITOR = "auditor"  # the audit log
DIRECTORY = "directory"  # the organisation directory: staff and administrators
RULES = frozenset({PUBLIC, MEMBER, STAFF, EDITOR, VOLUNTEER, AUDITOR, DIRECTORY})

RULE_ATTR = "access_rule"

# Pages, by URL name (namespace:name). A view may instead carry ``@access_rule(...)``.
PAGE_RULES: dict[str, str] = {
    "login": PUBLIC,
    "set_language": PUBLIC,
    "healthz": PUBLIC,
    "readyz": PUBLIC,
    "oidc_authentication_init": PUBLIC,
    "oidc_authentication_callback": PUBLIC,
    "logout": MEMBER,
    "home": MEMBER,
    "accounts:preferences": MEMBER,
    "accounts:tokens": MEMBER,
    "accounts:revoke_token": MEMBER,
    "accounts:password_change": MEMBER,
    "accounts:password_change_done": MEMBER,
    "accounts:otp_verify": MEMBER,
    "accounts:otp_setup": MEMBER,
    "accounts:otp_remove": MEMBER,
    "accounts:security_log": MEMBER,  # the view narrows: auditors and administrators (404 for everyone else)
    "accounts:security_unlock": MEMBER,  # the view narrows: administrators unlock (403 auditors, 404 others)
    "reference:index": DIRECTORY,
    "reference:organisation_detail": DIRECTORY,
    "reference:area_tree": DIRECTORY,
    "people:search": STAFF,
    "people:person_create": STAFF,
    "people:person_detail": STAFF,
    "people:person_edit": EDITOR,
    "people:related_person_add": EDITOR,
    "people:household_list": STAFF,
    "people:household_create": EDITOR,
    "people:household_detail": STAFF,
    "people:household_edit": EDITOR,
    "people:household_member_add": EDITOR,
    "people:household_member_create": EDITOR,
    "people:membership_end": EDITOR,
    "intake:list": STAFF,
    "intake:create": STAFF,
    "intake:fire_create": STAFF,
    "intake:volunteer_create": VOLUNTEER,
    "intake:my_reports": VOLUNTEER,
    "intake:draft_save": MEMBER,  # staff and volunteers keep drafts of their own forms
    "intake:draft_discard": MEMBER,
    "intake:person_search": STAFF,
    "intake:person_pick": STAFF,
    "intake:detail": STAFF,
    "intake:edit": STAFF,  # reception corrects what it received itself
    "inbox:list": STAFF,
    "inbox:resolve": STAFF,
    "referrals:list": STAFF,
    "referrals:create_from_intake": EDITOR,
    "referrals:create_from_case": EDITOR,
    "referrals:detail": STAFF,
    "referrals:transition": STAFF,
    "cases:list": STAFF,
    "cases:open_from_intake": STAFF,
    "cases:detail": STAFF,
    "cases:change_status": STAFF,
    "cases:change_lead": STAFF,
    "cases:request_lead": STAFF,
    "cases:decide_lead_request": STAFF,
    "cases:add_team_member": STAFF,
    "cases:remove_team_member": STAFF,
    "cases:set_flags": STAFF,
    "consent:person_consents": STAFF,
    "consent:record": EDITOR,
    "consent:withdraw": STAFF,
    "support:assessment": STAFF,
    "support:assessment_edit": STAFF,
    "support:plan": STAFF,
    "support:plan_revise": EDITOR,
    "support:plan_compare": STAFF,
    "support:action_status": STAFF,
    "support:record_create": EDITOR,
    "support:record_correct": EDITOR,  # the author's organisation or the coordination section (404 otherwise)
    "support:household_timeline": STAFF,
    "support:conference_list": STAFF,
    "support:conference_create": EDITOR,
    "support:conference_detail": STAFF,
    "support:conference_minutes": STAFF,
    "support:conference_add_case": STAFF,
    "support:conference_decision_create": STAFF,
    "support:conference_decision_confirm": STAFF,
    "support:conference_decision_withdraw": STAFF,
    "audit:list": AUDITOR,
    "audit:export": AUDITOR,
    "emergency:start": STAFF,
    "triage:suggest": MEMBER,  # the view narrows: staff (everything) and volunteers (urgency and where it goes)
}

# API operations, by the name of the operation's function ("<app>.<function>").
API_RULES: dict[str, str] = {
    "reference.get_taxonomy": MEMBER,
    "reference.list_areas": MEMBER,
    "reference.list_organisations": MEMBER,
    "reference.get_organisation": MEMBER,
    "people.list_persons": STAFF,
    "people.create_person": STAFF,
    "people.get_person": STAFF,
    "people.update_person": STAFF,
    "people.list_households": STAFF,
    "people.create_household": STAFF,
    "people.get_household": STAFF,
    "intake.list_intakes": STAFF,
    "intake.create_intake": STAFF,
    "intake.get_intake": STAFF,
    "intake.patch_intake": STAFF,
    "cases.list_cases": STAFF,
    "cases.open_case": STAFF,
    "cases.get_case": STAFF,
    "cases.change_status": STAFF,
    "cases.change_lead": STAFF,
    "cases.request_lead": STAFF,
    "cases.decide_lead_request": STAFF,
    "cases.set_flags": STAFF,
    "cases.add_team_member": STAFF,
    "referrals.list_referrals": STAFF,
    "referrals.create_referral": STAFF,
    "referrals.get_referral": STAFF,
    "referrals.transition_referral": STAFF,
    "consent.list_consents": STAFF,
    "consent.record_consent": STAFF,
    "consent.withdraw_consent": STAFF,
    "support.read_plan": STAFF,
    "support.revise_plan": STAFF,
    "support.create_record": STAFF,
    "support.correct_record": EDITOR,  # the author's organisation or the coordination section (404 otherwise)
    "support.timeline": STAFF,
    "support.conferences": STAFF,
    "support.conference": STAFF,
    "audit.list_events": AUDITOR,
    "triage.suggest_triage": STAFF,  # staff who record intakes; not analysts, administrators or auditors
}


def access_rule[F: Callable[..., Any]](rule: str) -> Callable[[F], F]:
    """Declare a view's or API operation's rule where it is defined (instead of in the tables above)."""
    if rule not in RULES:
        raise ValueError(f"unknown access rule {rule!r}")

    def mark(view: F) -> F:
        setattr(view, RULE_ATTR, rule)
        return view

    return mark


def api_operation_key(view_func: Any) -> str:
    """``"<app>.<function>"`` of an API operation, e.g. ``"people.list_persons"``."""
    module = str(getattr(view_func, "__module__", ""))
    parts = module.split(".")
    app = parts[1] if len(parts) > 2 and parts[0] == "tsunagiai" else module
    return f"{app}.{getattr(view_func, '__name__', '')}"


def page_rule(view_func: Any, url_name: str | None) -> str | None:
    """The declared rule of a page: on the view, on what it wraps, or in ``PAGE_RULES``."""
    declared = getattr(view_func, RULE_ATTR, None) or getattr(getattr(view_func, "view_class", None), RULE_ATTR, None)
    if declared:
        return str(declared)
    return PAGE_RULES.get(url_name or "")


def api_rule(view_func: Any) -> str | None:
    declared = getattr(view_func, RULE_ATTR, None)
    return str(declared) if declared else API_RULES.get(api_operation_key(view_func))


def rule_admits(user: Any, rule: str | None) -> bool:
    """Whether the declared ``rule`` lets ``user`` reach the route at all (no rule: nobody)."""
    if rule == PUBLIC:
        return True
    if rule is None or not getattr(user, "is_authenticated", False):
        return False
    if rule == MEMBER:
        return True
    if rule == STAFF:
        return is_staff_member(user)
    if rule == EDITOR:
        return is_coordination(user) or bool(organisation_ids(user, EDIT_ROLES))
    if rule == VOLUNTEER:
        return is_volunteer(user)
    if rule == AUDITOR:
        return has_role(user, Role.AUDITOR)
    if rule == DIRECTORY:
        return is_staff_member(user) or may_manage_reference(user)
    return False


def enforce_rule(user: Any, rule: str | None, *, about_a_record: bool) -> None:
    """Refuse a user the rule does not admit: 404 for a record's route (nothing is revealed),
    403 for a role-gated list or form, 404 for the audit log and the directory (not advertised)."""
    if rule_admits(user, rule):
        return
    if about_a_record or rule in {None, AUDITOR, DIRECTORY}:
        raise Http404
    raise PermissionDenied


def declare_api_rules(api: Any) -> None:
    """Put each operation's rule in the OpenAPI document (``x-access-rule``) and gate the operation by it.

    Called once when the API is built, before its URLs exist. An operation
    without a rule answers 404 to everyone (and the authorization matrix test
    names it).
    """
    import functools

    from django.utils.translation import gettext as _
    from ninja.errors import HttpError

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                original = operation.view_func
                rule = api_rule(original)
                operation.openapi_extra = {**(operation.openapi_extra or {}), "x-access-rule": rule or "undeclared"}

                @functools.wraps(original)
                def gated(request: Any, *args: Any, _view: Any = original, _rule: Any = rule, **kwargs: Any) -> Any:
                    user = getattr(request, "auth", None) or request.user
                    try:
                        enforce_rule(user, _rule, about_a_record=any(k.endswith("_id") for k in kwargs))
                    except PermissionDenied:
                        raise HttpError(403, _("You may not use this operation.")) from None
                    return _view(request, *args, **kwargs)

                operation.view_func = gated


# --- intakes ---------------------------------------------------------------


def visible_intakes(user: Any) -> QuerySet[Intake]:
    from tsunagiai.intake.models import Intake

    if is_coordination(user):
        return Intake.objects.all()
    org_ids = organisation_ids(user)
    if not org_ids:
        return Intake.objects.none()
    # A case team reads the intakes its case was opened from.
    from tsunagiai.cases.models import Case

    of_team_cases = Case.intakes.through.objects.filter(case_id__in=_team_case_ids(org_ids)).values("intake_id")
    return Intake.objects.filter(Q(receiving_organisation_id__in=org_ids) | Q(pk__in=of_team_cases))


def editable_intakes(user: Any) -> QuerySet[Intake]:
    if is_coordination(user):
        return visible_intakes(user)
    from tsunagiai.intake.models import Intake

    org_ids = organisation_ids(user, EDIT_ROLES)
    staff_ids = organisation_ids(user)
    # An intake-role member may correct what they themselves received.
    return Intake.objects.filter(
        Q(receiving_organisation_id__in=org_ids) | Q(receiving_organisation_id__in=staff_ids, received_by=user)
    )


def access_intake(user: Any, intake_id: int, *, for_edit: bool = False) -> Intake:
    queryset = editable_intakes(user) if for_edit else visible_intakes(user)
    return _get_or_404(queryset, intake_id)


def reported_intakes(user: Any) -> QuerySet[Intake]:
    """What a community volunteer reported: for its status only, never the record."""
    from tsunagiai.intake.models import Intake

    if not is_volunteer(user):
        return Intake.objects.none()
    return Intake.objects.filter(reported_by=user).only(
        "id", "kind", "received_at", "status", "first_response", "subject_description", "receiving_organisation_id"
    )


# --- people and households ---------------------------------------------------


def _known_person_ids(org_ids: set[int]) -> QuerySet[Any]:
    """Ids of the people an organisation registered or received an intake about."""
    from tsunagiai.intake.models import Intake
    from tsunagiai.people.models import Person

    registered = Person.objects.filter(registered_by_organisation_id__in=org_ids).values("pk")
    intake_about = Intake.objects.filter(receiving_organisation_id__in=org_ids, person_id__isnull=False).values(
        "person_id"
    )
    # referrals (C3): an organisation that accepted a referral about a person knows them.
    referred = _accepted_referral_person_ids(org_ids)
    return registered.union(intake_about, referred)


def _household_ids_of_organisations(org_ids: set[int]) -> QuerySet[Any]:
    """Ids of the households an organisation registered, received an intake about,
    or in which someone it knows lives now."""
    from tsunagiai.cases.models import Case
    from tsunagiai.intake.models import Intake
    from tsunagiai.people.models import Household, HouseholdMembership

    registered = Household.objects.filter(registered_by_organisation_id__in=org_ids).values("pk")
    intake_about = Intake.objects.filter(receiving_organisation_id__in=org_ids, household_id__isnull=False).values(
        "household_id"
    )
    home_of_known = HouseholdMembership.objects.filter(
        ended_on__isnull=True, person_id__in=_known_person_ids(org_ids)
    ).values("household_id")
    # A case team sees the household it supports.
    supported = Case.objects.filter(pk__in=_team_case_ids(org_ids)).values("household_id")
    return registered.union(intake_about, home_of_known, supported)


def _person_ids_of_organisations(org_ids: set[int]) -> QuerySet[Any]:
    """Ids of the people an organisation knows, and of the current members of its households.

    Written as one uncorrelated ``pk IN (… UNION …)`` so that each part uses its
    own index; an OR of correlated EXISTS made both databases scan every
    person for every search (60,000 people: 1 s on SQLite, 5 s on PostgreSQL).
    """
    from tsunagiai.people.models import HouseholdMembership

    members = HouseholdMembership.objects.filter(
        ended_on__isnull=True, household_id__in=_household_ids_of_organisations(org_ids)
    ).values("person_id")
    return _known_person_ids(org_ids).union(members)


def visible_people(user: Any, *, include_emergency: bool = True) -> QuerySet[Person]:
    """People the user may see; ``include_emergency=False`` leaves out those opened by an emergency access."""
    from tsunagiai.people.models import Person

    if is_coordination(user):
        return Person.objects.all()
    org_ids = organisation_ids(user)
    if not org_ids:
        return Person.objects.none()
    ids = _person_ids_of_organisations(org_ids)
    return Person.objects.filter(pk__in=ids.union(_emergency_person_ids(user)) if include_emergency else ids).exclude(
        pk__in=suspended_person_ids()  # 利用停止: only the coordination section sees them (end of this file)
    )


def editable_people(user: Any) -> QuerySet[Person]:
    from tsunagiai.people.models import Person

    if is_coordination(user):
        return Person.objects.all()
    org_ids = organisation_ids(user, EDIT_ROLES)
    if not org_ids:
        return Person.objects.none()
    return Person.objects.filter(pk__in=_person_ids_of_organisations(org_ids)).exclude(pk__in=suspended_person_ids())


def access_person(user: Any, person_id: int, *, for_edit: bool = False) -> Person:
    queryset = editable_people(user) if for_edit else visible_people(user)
    return _get_or_404(queryset, person_id)


def visible_households(user: Any, *, include_emergency: bool = True) -> QuerySet[Household]:
    """Households the user may see; ``include_emergency=False`` leaves out those opened by an emergency access."""
    from tsunagiai.people.models import Household

    if is_coordination(user):
        return Household.objects.all()
    org_ids = organisation_ids(user)
    if not org_ids:
        return Household.objects.none()
    ids = _household_ids_of_organisations(org_ids)
    return Household.objects.filter(pk__in=ids.union(_emergency_household_ids(user)) if include_emergency else ids)


def editable_households(user: Any) -> QuerySet[Household]:
    from tsunagiai.people.models import Household

    if is_coordination(user):
        return Household.objects.all()
    org_ids = organisation_ids(user, EDIT_ROLES)
    if not org_ids:
        return Household.objects.none()
    return Household.objects.filter(pk__in=_household_ids_of_organisations(org_ids))


def access_household(user: Any, household_id: int, *, for_edit: bool = False) -> Household:
    queryset = editable_households(user) if for_edit else visible_households(user)
    return _get_or_404(queryset, household_id)


# --- cases (C4): the team, the coordination section ------------------------


def _team_case_ids(org_ids: set[int]) -> QuerySet[Any]:
    from tsunagiai.cases.models import TeamMember

    return TeamMember.objects.filter(organisation_id__in=org_ids, left_at__isnull=True).values("case_id")


def visible_cases(user: Any, *, include_emergency: bool = True) -> QuerySet[Case]:
    """Cases whose team the user's organisation is on now; the coordination section sees all.

    ``include_emergency=False`` leaves out the cases opened by an emergency access.
    """
    from tsunagiai.cases.models import Case

    if is_coordination(user):
        return Case.objects.all()
    org_ids = organisation_ids(user)
    if not org_ids:
        return Case.objects.none()
    ids = _team_case_ids(org_ids)
    return Case.objects.filter(pk__in=ids.union(_emergency_grants(user, "case_id")) if include_emergency else ids)


def editable_cases(user: Any) -> QuerySet[Case]:
    from tsunagiai.cases.models import Case

    if is_coordination(user):
        return Case.objects.all()
    org_ids = organisation_ids(user, EDIT_ROLES)
    if not org_ids:
        return Case.objects.none()
    return Case.objects.filter(pk__in=_team_case_ids(org_ids))


def access_case(user: Any, case_id: Any, *, for_edit: bool = False) -> Case:
    queryset = editable_cases(user) if for_edit else visible_cases(user)
    return _get_or_404(queryset, case_id)


def may_decide_lead_requests(user: Any, case: Case) -> bool:
    """The current lead organisation (members who may edit) and the coordination section decide lead requests."""
    return is_coordination(user) or case.lead_organisation_id in organisation_ids(user, EDIT_ROLES)


# --- inbox -----------------------------------------------------------------


def visible_inbox_organisation_ids(user: Any) -> set[int]:
    return organisation_ids(user)


# --- support (C5/C6) and consent ----------------------------------------------


def visible_consents(user: Any) -> QuerySet[Consent]:
    """Consents of the people the user may see."""
    from tsunagiai.consent.models import Consent

    if is_coordination(user):
        return Consent.objects.all()
    return Consent.objects.filter(person_id__in=visible_people(user).values("pk"))


def access_consent(user: Any, consent_id: Any, *, for_edit: bool = False) -> Consent:
    """One consent; for an edit (withdrawal) the user must be allowed to edit the person."""
    from tsunagiai.consent.models import Consent

    if for_edit:
        queryset = Consent.objects.filter(person_id__in=editable_people(user).values("pk"))
        if is_coordination(user):
            queryset = Consent.objects.all()
        return _get_or_404(queryset, consent_id)
    return _get_or_404(visible_consents(user), consent_id)


def visible_conferences(user: Any) -> QuerySet[Conference]:
    """Conferences one of the user's organisations takes part in; the coordination section sees all."""
    from tsunagiai.support.models import Conference

    if is_coordination(user):
        return Conference.objects.all()
    org_ids = organisation_ids(user)
    if not org_ids:
        return Conference.objects.none()
    participating = Conference.participating_organisations.through.objects.filter(organisation_id__in=org_ids)
    return Conference.objects.filter(pk__in=participating.values("conference_id"))


def access_conference(user: Any, conference_id: Any, *, for_edit: bool = False) -> Conference:
    """One conference, or 404; an edit needs a staff role that edits records."""
    conference = _get_or_404(visible_conferences(user), conference_id)
    if for_edit and not is_coordination(user) and not organisation_ids(user, EDIT_ROLES):
        raise Http404
    return conference


def visible_support_records(user: Any) -> QuerySet[SupportRecord]:
    """Support records of the cases the user's team is on, and household-level records of
    households it supports or that its organisation wrote; the coordination section sees all."""
    from tsunagiai.cases.models import Case
    from tsunagiai.support.models import SupportRecord

    if is_coordination(user):
        return SupportRecord.objects.all()
    org_ids = organisation_ids(user)
    if not org_ids:
        return SupportRecord.objects.none()
    team_cases = _team_case_ids(org_ids)
    supported = Case.objects.filter(pk__in=team_cases).values("household_id")
    return SupportRecord.objects.filter(
        Q(case_id__in=team_cases)
        | Q(case__isnull=True, organisation_id__in=org_ids)
        | Q(case__isnull=True, household_id__in=supported)
    )


# --- referrals (C3) -----------------------------------------------------------


def _accepted_referral_person_ids(org_ids: set[int]) -> QuerySet[Any]:
    """People of referrals the organisations accepted (before accepting they see only the shared sections).

    A referral accepted on the person's consent opens the record only while a
    consent in force still covers the receiving organisation (by name or by
    agency type): a withdrawal or an expiry closes it at once. Referrals on a
    legal basis keep it open.
    """
    from django.utils import timezone

    from tsunagiai.consent.models import Consent
    from tsunagiai.referrals.models import Referral, SharingBasis

    today = timezone.localdate()
    consent_in_force = Consent.objects.filter(
        person_id=OuterRef("person_id"), withdrawn_at__isnull=True, given_on__lte=today
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    covering = consent_in_force.filter(
        Q(scope_organisations=OuterRef("to_organisation_id"))
        | Q(scope_agency_types=OuterRef("to_organisation__agency_type_id"))
    )
    return (
        Referral.objects.filter(to_organisation_id__in=org_ids, accepted_at__isnull=False, person_id__isnull=False)
        .filter(~Q(sharing_basis=SharingBasis.CONSENT) | Q(Exists(covering)))
        .values("person_id")
    )


def visible_referrals(user: Any) -> QuerySet[Referral]:
    """Referrals the user's organisations sent or received; the coordination section sees all."""
    from tsunagiai.referrals.models import Referral

    if is_coordination(user):
        return Referral.objects.all()
    org_ids = organisation_ids(user)
    if not org_ids:
        return Referral.objects.none()
    return Referral.objects.filter(Q(from_organisation_id__in=org_ids) | Q(to_organisation_id__in=org_ids))


def access_referral(user: Any, referral_id: Any, *, for_edit: bool = False) -> Referral:
    """One referral, or 404; for an edit the user must act for one of its two sides."""
    referral = _get_or_404(visible_referrals(user), referral_id)
    if for_edit and not referral_sides(user, referral):
        raise Http404
    return referral


def referral_sides(user: Any, referral: Referral) -> set[str]:
    """The sides ("sender", "recipient") the user may act for: staff who edit records, in that organisation."""
    org_ids = organisation_ids(user, EDIT_ROLES)
    sides = set()
    if referral.from_organisation_id in org_ids:
        sides.add("sender")
    if referral.to_organisation_id in org_ids:
        sides.add("recipient")
    return sides


def referral_recipient_staff(user: Any, referral: Referral) -> bool:
    """Whether the user is staff of the receiving organisation (opening the referral marks it seen)."""
    return referral.to_organisation_id in organisation_ids(user)


def may_send_referral(user: Any) -> bool:
    return bool(organisation_ids(user, EDIT_ROLES))


# What the receiving side reads of a referral (the shared sections, and every free
# text that carries them: reason, request, notes, outcome) lasts only while the
# basis for sharing holds. Declined or cancelled, or resting on a consent that was
# withdrawn or has expired (or, for an unidentified person, an intake whose
# consent is no longer recorded as given), the referral shows the receiving side
# its existence, dates and codes only. The sending side keeps what it had; the
# coordination section sees everything. Completed and failed referrals were
# accepted: their basis still decides.

REFERRAL_REFUSED_STATES = frozenset({"declined", "cancelled"})
CONSENTED_AT_INTAKE = frozenset({"written", "oral"})


def referrals_showing_shared_sections(user: Any, referrals: Any) -> set[int]:
    """Ids of ``referrals`` whose shared sections (and free texts) ``user`` may read now.

    A constant number of queries whatever the number of referrals (none when no
    receiving-side referral rests on consent); load ``to_organisation`` with the
    referrals (``select_related``).
    """
    items = list(referrals)
    if is_coordination(user):
        return {r.pk for r in items}
    org_ids = organisation_ids(user)
    shown: set[int] = set()
    pending = []
    for referral in items:
        if referral.from_organisation_id in org_ids:
            shown.add(referral.pk)  # the sending side keeps what it sent
        elif referral.to_organisation_id not in org_ids or referral.status in REFERRAL_REFUSED_STATES:
            continue
        elif referral.sharing_basis != "consent":
            shown.add(referral.pk)  # a legal exception holds until declined or cancelled
        else:
            pending.append(referral)
    return shown | _referrals_with_consent_in_force(pending)


def _referrals_with_consent_in_force(referrals: list[Any]) -> set[int]:
    """Ids of consent-based referrals whose consent still covers the receiving organisation, today.

    The same subjects as when it was sent: the person's consents; for a case
    without a person or an intake, those of every person of the case (its focus
    members, or else the household's current members); for an unidentified
    person, the intake's recorded consent.
    """
    if not referrals:
        return set()
    from tsunagiai.cases.models import Case
    from tsunagiai.consent.selectors import check_consents, consents_in_force
    from tsunagiai.intake.models import Intake
    from tsunagiai.people.models import HouseholdMembership

    case_ids = {r.case_id for r in referrals if r.person_id is None and r.case_id is not None and r.intake_id is None}
    subjects: dict[int, set[int]] = {case_id: set() for case_id in case_ids}
    if case_ids:
        for case_id, person_id in Case.focus_members.through.objects.filter(case_id__in=case_ids).values_list(
            "case_id", "person_id"
        ):
            subjects[case_id].add(person_id)
        households = dict(
            Case.objects.filter(pk__in=[c for c, found in subjects.items() if not found]).values_list(
                "pk", "household_id"
            )
        )
        by_household: dict[int, set[int]] = {}
        for household_id, person_id in HouseholdMembership.objects.filter(
            household_id__in=set(households.values()), ended_on__isnull=True
        ).values_list("household_id", "person_id"):
            by_household.setdefault(household_id, set()).add(person_id)
        for case_id, household_id in households.items():
            subjects[case_id] = by_household.get(household_id, set())
    person_ids = {r.person_id for r in referrals if r.person_id is not None}
    person_ids |= {p for people in subjects.values() for p in people}
    consents: dict[int, list[Any]] = {}
    if person_ids:
        for consent in consents_in_force(person_ids):
            consents.setdefault(consent.person_id, []).append(consent)
    intake_ids = {r.intake_id for r in referrals if r.person_id is None and r.intake_id is not None}
    intake_consent = dict(Intake.objects.filter(pk__in=intake_ids).values_list("pk", "consent_status"))

    def covered(person_id: int, organisation: Any) -> bool:
        return check_consents(consents.get(person_id, []), [organisation]).ok

    held: set[int] = set()
    for referral in referrals:
        organisation = referral.to_organisation
        if referral.person_id is not None:
            holds = covered(referral.person_id, organisation)
        elif referral.case_id in case_ids:
            people = subjects.get(referral.case_id, set())
            holds = bool(people) and all(covered(p, organisation) for p in people)
        else:
            holds = intake_consent.get(referral.intake_id) in CONSENTED_AT_INTAKE
        if holds:
            held.add(referral.pk)
    return held


def referral_basis_holds(referral: Referral) -> bool:
    """Whether the referral's basis for sharing holds now: a legal exception does; a consent only while
    it (still) covers the receiving organisation — the same judgement as for reading the shared sections.
    The actions refuse to move a referral forward without it (referrals.actions)."""
    if referral.sharing_basis != "consent":
        return True
    return referral.pk in _referrals_with_consent_in_force([referral])


def may_see_referral_shared_sections(user: Any, referral: Referral) -> bool:
    """Whether ``user`` may read the referral's shared sections now (the page, the API, the case's list)."""
    return referral.pk in referrals_showing_shared_sections(user, [referral])


# --- break-the-glass (tsunagiai.emergency): read-only, time-limited -----------
#
# A staff member outside the team who gave a reason sees the one record for
# a few hours: a person; a household and its current members; a case, its
# household and the household's current members. Nothing becomes editable.

EMERGENCY_KINDS = ("person", "household", "case")


def may_break_the_glass(user: Any) -> bool:
    """Staff roles may ask for emergency access; volunteers, analysts, administrators and auditors may not."""
    return is_staff_member(user)


def _emergency_grants(user: Any, field: str) -> QuerySet[Any]:
    from tsunagiai.emergency.models import EmergencyAccess

    now = timezone.now()
    grants: QuerySet[Any] = EmergencyAccess.objects.filter(
        user_id=getattr(user, "pk", None) or 0,
        ended_at__isnull=True,
        started_at__lte=now,
        expires_at__gt=now,
        **{f"{field}__isnull": False},
    ).values(field)
    return grants


def _emergency_household_ids(user: Any) -> QuerySet[Any]:
    from tsunagiai.cases.models import Case

    of_cases = Case.objects.filter(pk__in=_emergency_grants(user, "case_id")).values("household_id")
    return _emergency_grants(user, "household_id").union(of_cases)


def _emergency_person_ids(user: Any) -> QuerySet[Any]:
    from tsunagiai.people.models import HouseholdMembership

    members = HouseholdMembership.objects.filter(
        ended_on__isnull=True, household_id__in=_emergency_household_ids(user)
    ).values("person_id")
    return _emergency_grants(user, "person_id").union(members)


def emergency_target(kind: str, object_id: Any) -> Model:
    """The record an emergency access is asked for, or 404 (asked only after a reason was given)."""
    from tsunagiai.cases.models import Case
    from tsunagiai.people.models import Household, Person

    models: dict[str, type[Model]] = {"person": Person, "household": Household, "case": Case}
    if kind not in models:
        raise Http404
    return _get_or_404(models[kind]._default_manager.all(), object_id)


def sees_only_in_emergency(user: Any, obj: Model) -> bool:
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


def linkable_people(user: Any) -> QuerySet[Person]:
    """People a new or changed record of ``user`` may name: those seen without an emergency access."""
    # A person whose use is suspended (利用停止) may be named by no one, the coordination section included.
    return visible_people(user, include_emergency=False).exclude(pk__in=suspended_person_ids())


def linkable_households(user: Any) -> QuerySet[Household]:
    """Households a new or changed record of ``user`` may name: those seen without an emergency access."""
    return visible_households(user, include_emergency=False)


def linkable_cases(user: Any) -> QuerySet[Case]:
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
        from tsunagiai.emergency.messages import field_message

        self.field = field
        self.kind = kind
        self.message = message or field_message(kind)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def _holds_emergency_access(user: Any) -> bool:
    from tsunagiai.emergency.models import EmergencyAccess

    now = timezone.now()
    return EmergencyAccess.objects.filter(
        user_id=getattr(user, "pk", None) or 0, ended_at__isnull=True, started_at__lte=now, expires_at__gt=now
    ).exists()


def emergency_only(user: Any, obj: Model | None) -> bool:
    """Whether ``obj`` is a record ``user`` sees only through an emergency access (one query when they hold none)."""
    if obj is None or not getattr(user, "is_authenticated", False) or is_coordination(user):
        return False
    return _holds_emergency_access(user) and sees_only_in_emergency(user, obj)


def refuse_emergency_only(
    user: Any,
    *,
    person: Model | None = None,
    household: Model | None = None,
    case: Model | None = None,
    people: Any = (),
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


def _get_or_404[M: Model](queryset: QuerySet[M], pk: Any) -> M:
    try:
        return queryset.get(pk=int(pk))
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


__all__ = [
    "User",
    "access_household",
    "access_intake",
    "access_person",
    "linkable_cases",
    "linkable_households",
    "linkable_people",
    "refuse_emergency_only",
    "visible_households",
    "visible_intakes",
    "visible_people",
]


# --- regional (C8/C9) ---
#
# Regional issues, community meetings, network events and the maps hold counts
# and organisations only, never a person: they are for the coordination
# section, the branch offices and the CSWs (staff roles; changes by the roles
# that edit records) and, read-only, for analysts. Unmet needs are recorded
# in a case by those who may edit it, and read with the case.

REGIONAL_AGENCY_TYPES = frozenset({COORDINATION_AGENCY_TYPE, "branch_office", "csw"})


def _regional_member(user: Any, allowed_roles: frozenset[str]) -> bool:
    return any(
        m.role in allowed_roles and m.organisation.agency_type_id in REGIONAL_AGENCY_TYPES for m in _memberships(user)
    )


def may_view_regional(user: Any) -> bool:
    """Regional issues, meetings, the network and the maps (counts only): regional staff and analysts."""
    return is_coordination(user) or _regional_member(user, STAFF_ROLES) or has_role(user, Role.ANALYST)


def may_edit_regional(user: Any) -> bool:
    """Change regional issues, record meetings and events: regional staff with a role that edits records."""
    return is_coordination(user) or _regional_member(user, EDIT_ROLES)


def visible_regional_issues(user: Any) -> QuerySet[Any]:
    from tsunagiai.regional.models import RegionalIssue

    return RegionalIssue.objects.all() if may_view_regional(user) else RegionalIssue.objects.none()


def access_regional_issue(user: Any, issue_id: Any, *, for_edit: bool = False) -> Any:
    """One regional issue, or 404 (also for an edit by someone who may only read)."""
    if for_edit and not may_edit_regional(user):
        raise Http404
    return _get_or_404(visible_regional_issues(user), issue_id)


def visible_unmet_needs(user: Any) -> QuerySet[Any]:
    """Unmet needs of the cases the user sees (they name a case: a person's record)."""
    from tsunagiai.regional.models import UnmetNeed

    if is_coordination(user):
        return UnmetNeed.objects.all()
    return UnmetNeed.objects.filter(case_id__in=visible_cases(user).values("pk"))


PAGE_RULES.update(
    {
        # MEMBER: the views narrow to may_view_regional / may_edit_regional (403 otherwise).
        "regional:issue_list": MEMBER,
        "regional:issue_detail": MEMBER,
        "regional:issue_create": MEMBER,
        "regional:issue_transition": MEMBER,
        "regional:issue_services": MEMBER,
        "regional:meeting_create": MEMBER,
        "regional:network": MEMBER,
        "regional:event_create": MEMBER,
        "regional:map": MEMBER,
        "regional:unmet_need_create": EDITOR,  # under a case the user may edit (404 otherwise)
    }
)
API_RULES.update(
    {
        "regional.list_regional_issues": MEMBER,  # an empty list for those who may not see regional issues
        "regional.unmet_needs_by_area": MEMBER,  # the same: counts only
    }
)


# --- resources (C8/C9) ---
#
# The directory of community resources is a city's resource guide: every
# signed-in user (staff, volunteers, analysts, ...) reads the public part, and
# the HSDS API publishes it without login. A service marked staff-only
# (``is_internal``) is visible to staff roles only. The directory is kept by
# the social welfare council (``csw`` and ``volunteer_center`` organisations),
# the branch offices and the coordination section, with a role that edits records.

RESOURCE_EDITOR_AGENCY_TYPES = frozenset({COORDINATION_AGENCY_TYPE, "branch_office", "csw", "volunteer_center"})


def may_see_internal_resources(user: Any) -> bool:
    return getattr(user, "is_authenticated", False) and is_staff_member(user)


def may_edit_resources(user: Any) -> bool:
    return is_coordination(user) or any(
        m.role in EDIT_ROLES and m.organisation.agency_type_id in RESOURCE_EDITOR_AGENCY_TYPES
        for m in _memberships(user)
    )


def visible_services(user: Any) -> QuerySet[Any]:
    """Services the user may see: all for staff, the public (not staff-only) ones for everyone else."""
    from tsunagiai.resources.models import Service

    services = Service.objects.all()
    return services if may_see_internal_resources(user) else services.filter(is_internal=False)


def access_service(user: Any, service_id: Any, *, for_edit: bool = False) -> Any:
    if for_edit and not may_edit_resources(user):
        raise Http404
    return _get_or_404(visible_services(user), service_id)


PAGE_RULES.update(
    {
        "resources:list": MEMBER,  # everyone signed in; staff-only resources only for staff
        "resources:detail": MEMBER,
        "resources:create": EDITOR,  # the view narrows to may_edit_resources (403)
        "resources:edit": EDITOR,  # the view narrows to may_edit_resources (404)
    }
)
HSDS_API_RULES: dict[str, str] = {
    # The HSDS API (/api/hsds/) is the public resource guide: no login; staff-only resources are
    # left out unless the caller is signed-in staff (session or API token).
    "resources.api_info": PUBLIC,
    "resources.list_services": PUBLIC,
    "resources.get_service": PUBLIC,
    "resources.list_organizations": PUBLIC,
    "resources.get_organization": PUBLIC,
    "resources.list_taxonomies": PUBLIC,
    "resources.get_taxonomy": PUBLIC,
    "resources.list_taxonomy_terms": PUBLIC,
    "resources.get_taxonomy_term": PUBLIC,
    "resources.list_service_at_locations": PUBLIC,
    "resources.get_service_at_location": PUBLIC,
}
API_RULES.update(HSDS_API_RULES)


# --- community (C8/C9) ---
#
# Participation records belong to a case: whoever sees the case sees them,
# whoever may edit it records them. Help requests (お助け隊) are seen by the
# organisation that sent them, by the social welfare council (volunteer centre
# and CSW) and the coordination section — and by the members of the group they
# were sent to and the volunteers assigned, who see only what the request
# carries (an anonymous description, the town block, and the name and contact
# only when the person's consent covered the group), never a case, a person or
# an intake: those users hold no staff role, so every STAFF route refuses them.

HELP_COORDINATING_AGENCY_TYPES = frozenset({"volunteer_center", "csw"})
_GROUP_CACHE_ATTR = "_tsunagiai_help_groups"


def help_group_ids(user: Any) -> set[int]:
    """The mutual-help groups (resources.Provider ids) the user is a current member of (one query per request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cached = getattr(user, _GROUP_CACHE_ATTR, None)
    if cached is None:
        from tsunagiai.community.models import GroupMember

        cached = set(
            GroupMember.objects.filter(user=user, left_on__isnull=True, provider__active=True).values_list(
                "provider_id", flat=True
            )
        )
        setattr(user, _GROUP_CACHE_ATTR, cached)
    return set(cached)


def is_help_group_member(user: Any) -> bool:
    return bool(help_group_ids(user))


def is_registered_volunteer(user: Any) -> bool:
    """Whether the user is an active volunteer of the volunteer centre (sees the requests assigned to them)."""
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_tsunagiai_registered_volunteer", None)
    if cached is None:
        from tsunagiai.community.models import Volunteer

        cached = Volunteer.objects.filter(user=user, active=True).exists()
        user._tsunagiai_registered_volunteer = cached
    return bool(cached)


def may_see_help_queue(user: Any) -> bool:
    """Staff, group members and registered volunteers reach the help-request queue."""
    return is_staff_member(user) or is_help_group_member(user) or is_registered_volunteer(user)


def may_coordinate_help(user: Any) -> bool:
    """The volunteer centre and CSW staff (社協) and the coordination section see and steer every help request."""
    return is_coordination(user) or any(
        m.role in STAFF_ROLES and m.organisation.agency_type_id in HELP_COORDINATING_AGENCY_TYPES
        for m in _memberships(user)
    )


def may_manage_volunteers(user: Any) -> bool:
    """Register and change volunteers: the volunteer centre and CSW with a role that edits, and coordination."""
    return is_coordination(user) or any(
        m.role in EDIT_ROLES and m.organisation.agency_type_id in HELP_COORDINATING_AGENCY_TYPES
        for m in _memberships(user)
    )


def visible_help_requests(user: Any) -> QuerySet[Any]:
    from tsunagiai.community.models import HelpRequest

    if may_coordinate_help(user):
        return HelpRequest.objects.all()
    condition = Q(pk__in=[])
    org_ids = organisation_ids(user)
    if org_ids:
        condition |= Q(requested_by_organisation_id__in=org_ids)
    groups = help_group_ids(user)
    if groups:
        condition |= Q(group_id__in=groups)
    if getattr(user, "is_authenticated", False):
        assigned = HelpRequest.volunteers.through.objects.filter(
            volunteer__user_id=user.pk, volunteer__active=True
        ).values("helprequest_id")
        condition |= Q(pk__in=assigned)
    return HelpRequest.objects.filter(condition)


def access_help_request(user: Any, help_request_id: Any) -> Any:
    return _get_or_404(visible_help_requests(user), help_request_id)


def sees_help_request_as_staff(user: Any, help_request: Any) -> bool:
    """Whether the user sees the staff side of a request (for whom, the case); otherwise only what was shared."""
    return may_coordinate_help(user) or help_request.requested_by_organisation_id in organisation_ids(user)


def may_act_on_help_request(user: Any, help_request: Any) -> bool:
    """Assign volunteers and close a request: the group's members and the coordinating staff."""
    return may_coordinate_help(user) or help_request.group_id in help_group_ids(user)


def visible_volunteers(user: Any) -> QuerySet[Any]:
    from tsunagiai.community.models import Volunteer

    return Volunteer.objects.all() if is_staff_member(user) else Volunteer.objects.none()


def visible_participations(user: Any) -> QuerySet[Any]:
    from tsunagiai.community.models import Participation

    if is_coordination(user):
        return Participation.objects.all()
    return Participation.objects.filter(case_id__in=visible_cases(user).values("pk"))


def access_participation(user: Any, participation_id: Any, *, for_edit: bool = False) -> Any:
    from tsunagiai.community.models import Participation

    if for_edit:
        queryset = (
            Participation.objects.all()
            if is_coordination(user)
            else Participation.objects.filter(case_id__in=editable_cases(user).values("pk"))
        )
        return _get_or_404(queryset, participation_id)
    return _get_or_404(visible_participations(user), participation_id)


PAGE_RULES.update(
    {
        "community:find_resources": STAFF,
        "community:participation_create": EDITOR,  # under a case the user may edit (404 otherwise)
        "community:participation_transition": EDITOR,
        # MEMBER: staff, group members and assigned volunteers; the views narrow to visible_help_requests.
        "community:help_list": MEMBER,
        "community:help_detail": MEMBER,
        "community:help_assign": MEMBER,
        "community:help_close": MEMBER,
        "community:group_stats": MEMBER,  # counts only; group members see their own group
        "community:group_member_add": STAFF,  # the view narrows to may_manage_volunteers (403)
        "community:group_member_leave": STAFF,
        "community:help_create": STAFF,
        "community:volunteer_list": STAFF,
        "community:volunteer_create": STAFF,  # the view narrows to may_manage_volunteers (403)
        "community:volunteer_edit": STAFF,
    }
)
API_RULES.update(
    {
        "community.find_resources": STAFF,
        "community.list_participations": STAFF,
        "community.propose_participation": STAFF,
        "community.transition_participation": STAFF,
        "community.list_help_requests": MEMBER,  # narrowed: what the user's group or organisation sees
        "community.create_help_request": STAFF,
        "community.assign_help_request": MEMBER,
        "community.close_help_request": MEMBER,
        "community.group_stats": MEMBER,
        "community.list_volunteers": STAFF,
    }
)


# --- reports (C10) ---
#
# Row exports and the case PDFs are staff routes narrowed to what the user sees
# (visible_intakes, access_case: 404 for a case they may not see); count exports,
# the monthly report and the national items are for those who may see aggregates
# (analysts, supervisors, coordinators, administrators: the views answer 403 to
# others, auditors and volunteers included), counts only and suppressed.

PAGE_RULES.update(
    {
        "reports:index": MEMBER,  # the view narrows: staff or may_view_aggregates (403)
        "reports:intake_export": STAFF,
        "reports:job_detail": STAFF,  # a background export: its requester's only (404 for anyone else)
        "reports:job_download": STAFF,  # the same; audited reports.export_downloaded
        "reports:count_export": MEMBER,  # may_view_aggregates (403)
        "reports:national_export": MEMBER,  # may_view_aggregates (403)
        "reports:monthly_report": MEMBER,  # may_view_aggregates (403)
        "reports:case_summary": STAFF,  # access_case (404)
        "reports:support_plan": STAFF,  # access_case (404)
    }
)


# --- analytics (C10) ---
#
# The dashboard shows counts only, suppressed ("<5", secondary "x"): for analysts,
# for those who oversee the work (supervisors, coordinators, administrators: the
# existing may_view_aggregates) and for the staff of the coordination section.
# Caseworkers and reception of the other organisations, volunteers, group members
# and auditors are refused (403). Drill-down links (to the intake list, which
# shows only what the user may see) are offered to staff, never to analysts.


def may_view_dashboard(user: Any) -> bool:
    return may_view_aggregates(user) or is_coordination(user)


PAGE_RULES.update(
    {
        "analytics:dashboard": MEMBER,  # the view narrows to may_view_dashboard (403)
    }
)


# --- use suspension (利用停止; the privacy app, docs/privacy-requests.md) ---
#
# While a person's use is suspended only the coordination section sees them:
# ``visible_people`` and ``editable_people`` leave them out for everyone else
# (their pages answer 404, searches omit them), and ``linkable_people`` leaves
# them out for everyone, so no new intake, referral or case names them (the
# privacy app's signals refuse any other path). Existing records stay.


def suspended_person_ids() -> QuerySet[Any]:
    """Ids of the people whose use is suspended."""
    from tsunagiai.people.models import Person

    return Person.objects.filter(use_suspended=True).values("pk")


PAGE_RULES.update(
    {
        # The coordination section's privacy requests of a person; the views answer 404 to everyone else.
        "privacy:person": STAFF,
        "privacy:suspend": STAFF,
        "privacy:lift": STAFF,
        "privacy:disclose": STAFF,
    }
)
