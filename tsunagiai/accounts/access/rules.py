"""The declared access rules: every page and API operation names one, and the first gate reads it.

The rule is the first gate (who may reach the route at all) and the
documentation of the route; the object-level checks stay in ``access_*``
(the other modules of this package). A page or operation without a rule is
refused (deny by default), and tests/test_authorization_matrix.py fails
listing it. Every page rule is in ``PAGE_RULES`` below (or on the view, with
``@access_rule``), every API rule in ``API_RULES``: one place to read them all.

A rule names who may reach a route, never a check a view repeats: where a
role decides (regional staff, those who see aggregates, those who keep the
resource directory, ...) the route declares that rule, and the view does not
raise ``PermissionDenied`` for it (tests/test_gates_not_in_views.py fails on
a view that does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from tsunagiai.accounts.access.analytics import may_use_reports, may_view_dashboard
from tsunagiai.accounts.access.community import may_manage_volunteers, may_see_help_queue
from tsunagiai.accounts.access.intake import may_use_intake_forms
from tsunagiai.accounts.access.regional import may_edit_regional, may_view_regional
from tsunagiai.accounts.access.resources import may_edit_resources
from tsunagiai.accounts.access.roles import (
    Visitor,
    has_role,
    is_staff_member,
    is_volunteer,
    may_edit_records,
    may_manage_reference,
    may_view_aggregates,
)
from tsunagiai.accounts.models import Role

PUBLIC = "public"  # no login: the login page, language switch, health check
MEMBER = "member"  # any signed-in user (own preferences, the start page); the view narrows further
STAFF = "staff"  # staff roles (intake, caseworker, coordinator, supervisor): people's records
EDITOR = "editor"  # staff roles that change existing records (not reception-only ``intake``)
VOLUNTEER = "volunteer"  # community volunteers: their own reports
AUDITOR = "auditor"  # the audit log
DIRECTORY = "directory"  # the organisation directory: staff and administrators
# Named rules: a role (or a kind of organisation) that decides, declared instead of MEMBER or STAFF
# plus a check in the view.
REGIONAL = "regional"  # regional issues, the network and the maps (counts only): regional staff, analysts
REGIONAL_EDITOR = "regional_editor"  # regional changes: coordination, branch offices and CSWs, roles that edit
AGGREGATES = "aggregates"  # count exports and reports: analysts, supervisors, coordinators, administrators
DASHBOARD = "dashboard"  # the dashboard: those who see aggregates and the coordination section
REPORTS = "reports"  # the exports page: staff (row exports) and those who see aggregates
RESOURCE_EDITOR = "resource_editor"  # the resource directory's keepers: council, branch offices, coordination
HELP_QUEUE = "help_queue"  # a help request: staff, mutual-help group members and registered volunteers
VOLUNTEER_MANAGER = "volunteer_manager"  # volunteers and group members: the volunteer centre, CSW, coordination
INTAKE_FORMS = "intake_forms"  # helpers of the intake forms: staff (intakes) and community volunteers (concerns)
RULES = frozenset(
    {
        PUBLIC,
        MEMBER,
        STAFF,
        EDITOR,
        VOLUNTEER,
        AUDITOR,
        DIRECTORY,
        REGIONAL,
        REGIONAL_EDITOR,
        AGGREGATES,
        DASHBOARD,
        REPORTS,
        RESOURCE_EDITOR,
        HELP_QUEUE,
        VOLUNTEER_MANAGER,
        INTAKE_FORMS,
    }
)
# Who each rule admits, for a signed-in user (PUBLIC admits everyone, MEMBER every signed-in user).
_ADMITS: dict[str, Callable[[Visitor], bool]] = {
    STAFF: is_staff_member,
    EDITOR: may_edit_records,
    VOLUNTEER: is_volunteer,
    AUDITOR: lambda user: has_role(user, Role.AUDITOR),
    DIRECTORY: lambda user: is_staff_member(user) or may_manage_reference(user),
    REGIONAL: may_view_regional,
    REGIONAL_EDITOR: may_edit_regional,
    AGGREGATES: may_view_aggregates,
    DASHBOARD: may_view_dashboard,
    REPORTS: may_use_reports,
    RESOURCE_EDITOR: may_edit_resources,
    HELP_QUEUE: may_see_help_queue,
    VOLUNTEER_MANAGER: may_manage_volunteers,
    INTAKE_FORMS: may_use_intake_forms,
}
# Refused with 404 whatever the route (not advertised), or none: refused with 404 on a record's route.
HIDDEN_RULES = frozenset({AUDITOR, DIRECTORY})
# Refused with 403 even on a record's route: those records hold counts and organisations, never a
# person, and the role decides, not whether the record exists (regional issues).
OPEN_RULES = frozenset({REGIONAL, REGIONAL_EDITOR})

RULE_ATTR = "access_rule"

# Pages, by URL name (namespace:name). A view may instead carry ``@access_rule(...)``.
PAGE_RULES: dict[str, str] = {
    "login": PUBLIC,
    "set_language": PUBLIC,
    "favicon": PUBLIC,
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
    "intake:link_person": EDITOR,  # 本人の特定: staff who edit records and this intake (404 otherwise)
    "inbox:list": STAFF,
    "inbox:resolve": STAFF,
    "referrals:list": STAFF,
    "referrals:create_from_intake": EDITOR,
    "referrals:create_from_case": EDITOR,
    "referrals:detail": STAFF,
    "referrals:transition": STAFF,
    "cases:list": STAFF,
    "cases:open_from_intake": EDITOR,
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
    "triage:suggest": INTAKE_FORMS,  # staff see everything, volunteers the urgency and where it goes
    # regional (C8/C9): counts and organisations only (403 to everyone else, on an issue's page too)
    "regional:issue_list": REGIONAL,
    "regional:issue_detail": REGIONAL,
    "regional:network": REGIONAL,
    "regional:map": REGIONAL,
    "regional:issue_create": REGIONAL_EDITOR,
    "regional:issue_transition": REGIONAL_EDITOR,
    "regional:issue_services": REGIONAL_EDITOR,
    "regional:meeting_create": REGIONAL_EDITOR,
    "regional:event_create": REGIONAL_EDITOR,
    "regional:unmet_need_create": EDITOR,  # under a case the user may edit (404 otherwise)
    # resources (C8/C9): the city's resource guide
    "resources:list": MEMBER,  # everyone signed in; staff-only resources only for staff
    "resources:detail": MEMBER,
    "resources:create": RESOURCE_EDITOR,
    "resources:edit": RESOURCE_EDITOR,  # 404, like a resource that does not exist
    # community (C8/C9)
    "community:find_resources": STAFF,
    "community:participation_create": EDITOR,  # under a case the user may edit (404 otherwise)
    "community:participation_transition": EDITOR,
    # MEMBER: staff, group members and assigned volunteers see their queue; everyone else an empty one.
    "community:help_list": MEMBER,
    "community:help_detail": HELP_QUEUE,  # narrowed to visible_help_requests (404)
    "community:help_assign": HELP_QUEUE,  # the group's members and the coordinating staff (actionable_help_request)
    "community:help_close": HELP_QUEUE,
    "community:group_stats": MEMBER,  # counts only; group members see their own group
    "community:group_member_add": VOLUNTEER_MANAGER,
    "community:group_member_leave": VOLUNTEER_MANAGER,
    "community:help_create": STAFF,
    "community:volunteer_list": STAFF,
    "community:volunteer_create": VOLUNTEER_MANAGER,
    "community:volunteer_edit": VOLUNTEER_MANAGER,  # 404, like a volunteer that does not exist
    # reports (C10): row exports and case PDFs narrowed to what the user sees; counts only for aggregates
    "reports:index": REPORTS,
    "reports:intake_export": STAFF,
    "reports:job_detail": STAFF,  # a background export: its requester's only (404 for anyone else)
    "reports:job_download": STAFF,  # the same; audited reports.export_downloaded
    "reports:count_export": AGGREGATES,
    "reports:national_export": AGGREGATES,
    "reports:monthly_report": AGGREGATES,
    "reports:case_summary": STAFF,  # access_case (404)
    "reports:support_plan": STAFF,  # access_case (404)
    # analytics (C10): counts only, suppressed
    "analytics:dashboard": DASHBOARD,
    # use suspension (利用停止): the coordination section's privacy requests; the views answer 404 to everyone else
    "privacy:person": STAFF,
    "privacy:suspend": STAFF,
    "privacy:lift": STAFF,
    "privacy:disclose": STAFF,
}

# The HSDS API (/api/hsds/) is the public resource guide: no login; staff-only resources are
# left out unless the caller is signed-in staff (session or API token).
HSDS_API_RULES: dict[str, str] = {
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
    "triage.get_stored_suggestion": STAFF,  # as the intake it belongs to (404 for an intake the caller may not see)
    "regional.list_regional_issues": MEMBER,  # an empty list for those who may not see regional issues
    "regional.unmet_needs_by_area": MEMBER,  # the same: counts only
    "community.find_resources": STAFF,
    "community.list_participations": STAFF,
    "community.propose_participation": STAFF,
    "community.transition_participation": STAFF,
    "community.list_help_requests": MEMBER,  # narrowed: what the user's group or organisation sees
    "community.create_help_request": STAFF,
    "community.assign_help_request": HELP_QUEUE,  # the group's members and the coordinating staff
    "community.close_help_request": HELP_QUEUE,
    "community.group_stats": MEMBER,
    "community.list_volunteers": STAFF,
    **HSDS_API_RULES,
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


def rule_admits(user: Visitor, rule: str | None) -> bool:
    """Whether the declared ``rule`` lets ``user`` reach the route at all (no rule: nobody)."""
    if rule == PUBLIC:
        return True
    if rule is None or not getattr(user, "is_authenticated", False):
        return False
    if rule == MEMBER:
        return True
    admits = _ADMITS.get(rule)
    return admits is not None and admits(user)


def enforce_rule(user: Visitor, rule: str | None, *, about_a_record: bool) -> None:
    """Refuse a user the rule does not admit: 404 for a record's route (nothing is revealed),
    403 for a role-gated list or form, 404 for the audit log and the directory (not advertised),
    403 for the regional rules whatever the route (regional issues hold no person)."""
    if rule_admits(user, rule):
        return
    if rule in OPEN_RULES:
        raise PermissionDenied
    if about_a_record or rule is None or rule in HIDDEN_RULES:
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
