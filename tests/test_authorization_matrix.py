"""The authorization matrix: every role × every page and API operation × own / other organisation.

Generated from the URL conf and the OpenAPI document: a page or operation
without a declared access rule fails here, and so does a route whose path
parameter the matrix cannot fill (list it in ``UNMAPPED`` with a reason).
For each GET route the expected answer follows from the declared rule, the
user's roles and whether the record is their organisation's:

- the rule does not admit the user: 404 on a record's route, 403 or 404 on a list or form;
- a record of their organisation (or the coordination section, which sees all): 200, or a
  redirect that is not to the login page;
- a record of another organisation: 404, exactly like a record that does not exist.

A route that only takes POST answers 405 once past the gate; the gate itself is still checked.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from tsunagiai.accounts import access
from tsunagiai.cases.actions import do_open_case
from tsunagiai.consent.actions import do_record_consent
from tsunagiai.intake.models import Intake
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.people.actions import do_create_household
from tsunagiai.people.models import HouseholdMembership
from tsunagiai.referrals.actions import do_send_referral
from tsunagiai.regional.actions import do_create_regional_issue
from tsunagiai.support.actions import do_create_conference, do_record_support
from tsunagiai.testing import Town

ROLES = [
    "intake_north",
    "caseworker_north",
    "supervisor_north",
    "coordinator",
    "volunteer",
    "analyst",
    "admin",
    "auditor",
    "fire_crew",
    "elderly_worker",
    "csw_worker",
]
# Whose records each user holds as their own organisation's ("all": the coordination section).
OWN_SIDE = {"intake_north": "north", "caseworker_north": "north", "supervisor_north": "north", "coordinator": "all"}

# Path parameters the matrix fills from no object, with the reason.
UNMAPPED = {
    "token_id": "POST only (revoke): an API token is its owner's alone, checked by the view",
    "item_id": "POST only (resolve): inbox items are the organisation's, checked by the view",
    "draft_id": "POST only (discard): drafts are their author's, checked by the view",
    "request_id": "POST only (decide a lead request), under an already checked case",
    "member_id": "POST only (remove a team member), under an already checked case",
    "action_id": "POST only (plan action status), under an already checked case",
    "decision_id": "POST only (confirm or withdraw a decision), under an already checked conference",
    # community: help requests, participations and volunteers have their own per-role tests (tsunagiai/community/tests)
    "help_request_id": "a help request: the world holds none; tsunagiai/community/tests check every role",
    "participation_id": "POST only (move a participation), checked against the case the user may edit",
    "volunteer_id": "a volunteer record: the world holds none; tsunagiai/community/tests check every role",
    "job_id": "a background export job: its requester's alone (404 for anyone else), tsunagiai/reports/tests",
}
# Parameters whose object belongs to nobody: the answer does not depend on the side.
# (regional issues hold counts only; a community resource is the city's directory, no side's)
UNOWNED = {"organisation_id", "kind", "object_id", "issue_id", "service_id"}
SKIPPED_PAGES = {"api/": "the JSON API, covered below through its OpenAPI document"}
REGIONAL_EDITORS = {"caseworker_north", "supervisor_north", "coordinator", "csw_worker"}
REGIONAL_READERS = REGIONAL_EDITORS | {"intake_north", "analyst"}
RESOURCE_EDITORS = {"caseworker_north", "supervisor_north", "coordinator", "csw_worker"}
AGGREGATE_VIEWERS = {"analyst", "supervisor_north", "coordinator", "admin"}
STAFF_USERS = {
    "intake_north", "caseworker_north", "caseworker_south", "elderly_worker", "csw_worker", "coordinator",
    "supervisor_north", "fire_crew",
}  # fmt: skip
# Routes whose view narrows the rule further: the only users it lets through, and why.
NARROWER: dict[str, tuple[set[str], str]] = {
    "intake:fire_create": ({"fire_crew"}, "the fire–welfare link form is for fire department staff"),
    "intake:edit": (
        {"caseworker_north", "supervisor_north", "coordinator"},
        "reception (intake role) corrects only the intakes it received itself; the world's were received by others",
    ),
    "cases:open_from_intake": (
        {"caseworker_north", "supervisor_north", "coordinator"},
        "reception (intake role) records intakes but does not open cases (403 after seeing the intake)",
    ),
    **{
        f"cases:{name}": (
            {"caseworker_north", "supervisor_north", "coordinator"},
            "the case page's forms (loaded on demand) are for those who may edit the case: 404 for reception",
        )
        for name in ("change_status", "change_lead", "request_lead", "add_team_member", "set_flags")
    },
    "support:plan_compare": (set(), "compares two plan revisions named in the query; the world's cases have none"),
    "community:help_detail": (set(), "the world holds no help request (tsunagiai/community/tests/test_access.py)"),
    "community:volunteer_edit": (set(), "the world holds no volunteer; the volunteer centre edits (community tests)"),
    **{
        f"reports:{name}": (set(), "the world holds no export job; a job is its requester's (tsunagiai/reports/tests)")
        for name in ("job_detail", "job_download")
    },
    "accounts:security_log": (
        {"auditor", "admin"},
        "failed logins and lockouts: auditors review, administrators also unlock (tsunagiai/accounts/tests)",
    ),
    **{
        f"privacy:{name}": ({"coordinator"}, "privacy requests (disclosure, use suspension): the coordination section")
        for name in ("person", "suspend", "lift", "disclose")
    },
}


@dataclass
class Side:
    person: Any
    household: Any
    membership: Any
    intake: Any
    case: Any
    referral: Any
    conference: Any
    consent: Any
    organisation: Any
    regional_issue: Any = None
    record: Any = None


def _side(town: Town, key: str) -> Side:
    org = town.orgs[f"branch_{key}"]
    user = town.users[f"caseworker_{key}"]
    person = make_person(town, org=org.code, family_name="北川" if key == "north" else "南野", given_name="花子")
    household = do_create_household(
        acting_user=user,
        organisation=org,
        name=f"{person.family_name}さん世帯",
        members=[(person, "head")],
        started_on=dt.date(2020, 1, 1),
    )
    intake = make_intake(town, org=org.code, user=user.username, person=person, is_anonymous=False)
    Intake.objects.filter(pk=intake.pk).update(household=household)
    intake.refresh_from_db()
    case = do_open_case(
        acting_user=user,
        household=household,
        intakes=[intake],
        focus_members=[person],
        title="生活再建の支援",
        lead_organisation=org,
    )
    consent = do_record_consent(
        person,
        acting_user=user,
        organisation=org,
        given_on=timezone.localdate(),
        method="written",
        scope_organisations=[org, town.orgs["coordination"]],
    )
    referral = do_send_referral(
        acting_user=user,
        from_organisation=org,
        to_organisation=town.orgs["coordination"],
        reason="家賃の滞納が続き、生活の立て直しが必要。",
        request="家計相談をお願いします。",
        shared_sections=["concern"],
        sharing_basis="consent",
        intake=intake,
        person=person,
        household=household,
    )
    conference = do_create_conference(
        acting_user=user,
        convened_by=org,
        held_on=timezone.localdate(),
        kind="other_meeting",
        title="ケース会議",
        participating_organisations=[org],
    )
    record = do_record_support(
        household, acting_user=user, organisation=org, kind="visit", occurred_at=timezone.now(), summary="訪問"
    )
    regional_issue = do_create_regional_issue(
        acting_user=user, title="買い物の足", area=town.areas[f"{key}_elementary"], categories=[]
    )
    return Side(
        regional_issue=regional_issue,
        record=record,
        person=person,
        household=household,
        membership=HouseholdMembership.objects.get(household=household, person=person),
        intake=intake,
        case=case,
        referral=referral,
        conference=conference,
        consent=consent,
        organisation=org,
    )


MAPPED = frozenset(
    {
        "person_id",
        "household_id",
        "membership_id",
        "intake_id",
        "case_id",
        "referral_id",
        "conference_id",
        "consent_id",
        "organisation_id",
        "kind",
        "object_id",
        "service_id",
        "issue_id",
        "record_id",
    }
)


def _values(side: Side) -> dict[str, Any]:
    return {
        "person_id": side.person.pk,
        "household_id": side.household.pk,
        "membership_id": side.membership.pk,
        "intake_id": side.intake.pk,
        "case_id": side.case.pk,
        "referral_id": side.referral.pk,
        "conference_id": side.conference.pk,
        "consent_id": side.consent.pk,
        "organisation_id": side.organisation.pk,
        "kind": "person",
        "object_id": side.person.pk,
        "service_id": _community_resource_id(),
        "issue_id": side.regional_issue.pk,
        "record_id": side.record.pk,
    }


def _community_resource_id() -> int:
    """A public community resource (the directory is the city's, not a side's)."""
    from tsunagiai.resources.models import Provider, Service

    provider, _created = Provider.objects.get_or_create(name="北町お助け隊")
    return Service.objects.get_or_create(provider=provider, name="北町お助け隊")[0].pk


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = "") -> list[Any]:
    found: list[Any] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            found += _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner or namespace)
        else:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            found.append((prefix + str(pattern.pattern), name, pattern))
    return found


def _pages() -> list[tuple[str, str, Any]]:
    return [r for r in _walk(get_resolver().url_patterns) if not any(r[0].startswith(p) for p in SKIPPED_PAGES)]


def _api_operations(client: Client) -> list[tuple[str, str, dict[str, Any]]]:
    document = client.get("/api/v1/openapi.json").json()
    return [
        (method.upper(), path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def test_every_page_declares_an_access_rule() -> None:
    undeclared = [
        f"{route} ({name})"
        for route, name, pattern in _pages()
        if access.page_rule(pattern.callback, name) not in access.RULES
    ]
    assert undeclared == [], "pages without an access rule (access.PAGE_RULES or @access_rule):\n" + "\n".join(
        undeclared
    )


def test_every_api_operation_declares_an_access_rule(admin_client_for_schema: Client) -> None:
    undeclared = [
        f"{method} {path} ({operation['operationId']})"
        for method, path, operation in _api_operations(admin_client_for_schema)
        if operation.get("x-access-rule") not in access.RULES
    ]
    assert undeclared == [], "API operations without an access rule (access.API_RULES):\n" + "\n".join(undeclared)


def test_every_path_parameter_is_filled_or_explained() -> None:
    known = MAPPED | set(UNMAPPED)
    names = {m["name"] for route, _n, _p in _pages() for m in PARAM.finditer(route)}
    assert names - known == set(), f"map these path parameters to an object or list them in UNMAPPED: {names - known}"


@pytest.fixture
def admin_client_for_schema(client: Client, town: Town) -> Client:
    client.force_login(town.users["caseworker_north"])
    return client


def _fill(route: str, values: dict[str, Any]) -> tuple[str, bool, bool]:
    """The path, whether it names a record, and whether that record belongs to a side."""
    names = [m["name"] for m in PARAM.finditer(route)]
    path = PARAM.sub(lambda m: str(values.get(m["name"], 1)), route)
    owned = any(name not in UNOWNED for name in names)
    return "/" + path, bool(names), owned


def _expected(
    user: Any, role: str, rule: str | None, side: str, *, about_a_record: bool, owned: bool, name: str = ""
) -> str:
    if not access.rule_admits(user, rule):
        return "deny"
    if name in NARROWER and role not in NARROWER[name][0]:
        return "deny-narrower"  # the view refuses after its own checks: 403 or 404
    if not owned:
        return "allow"
    return "allow" if OWN_SIDE.get(role) in {side, "all"} else "deny"


def _judge(response: Any, expected: str, about_a_record: bool, post_only: bool, rule: Any = None) -> str | None:
    status = response.status_code
    if expected == "allow":
        if post_only and status == 405:
            return None
        if status == 200:
            return None
        if status == 302 and not response["Location"].startswith(settings.LOGIN_URL):
            return None
        return f"expected allowed, got {status}"
    allowed = {404} if about_a_record and not post_only and expected == "deny" else {403, 404}
    if expected == "deny" and rule in access.OPEN_RULES:
        allowed = {403}  # regional issues hold no person: refused openly, whatever the route
    if status in allowed or (post_only and status == 405 and expected == "deny-after-gate"):
        return None
    return f"expected {'/'.join(map(str, sorted(allowed)))}, got {status}"


def _walk_routes(
    client: Client,
    coordinator: Client,
    user: Any,
    role: str,
    sides: dict[str, dict[str, Any]],
    *,
    allowed: dict[str, int] | None = None,
    forbidden: tuple[str, ...] = (),
) -> list[str]:
    """Request every page and GET operation with each side's values; the mismatches with the rule.

    ``allowed``: a path parameter whose value the user may see whatever its side (a referral
    received); ``forbidden``: text no answer may contain (what the user may no longer read).
    """
    mismatches: list[str] = []
    allowed = allowed or {}

    def expectation(names: list[str], side_name: str, rule: Any, **kwargs: Any) -> str:
        if names and all(n in allowed for n in names) and access.rule_admits(user, rule):
            return "allow"
        return _expected(user, role, rule, side_name, **kwargs)

    def leaks(response: Any) -> list[str]:
        if not forbidden or response.status_code != 200:
            return []
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        body = raw.decode(errors="replace")
        if response.get("Content-Type", "").startswith("application/json") and body:
            body = json.dumps(response.json(), ensure_ascii=False)
        return [text for text in forbidden if text in body]

    for route, name, pattern in _pages():
        rule = access.page_rule(pattern.callback, name)
        if rule == access.PUBLIC:
            continue
        names = [m["name"] for m in PARAM.finditer(route)]
        for side_name, values in sides.items():
            path, about_a_record, owned = _fill(route, values)
            post_only = coordinator.get(path).status_code == 405
            expected = expectation(names, side_name, rule, about_a_record=about_a_record, owned=owned, name=name)
            if post_only and expected in {"deny", "deny-narrower"} and access.rule_admits(user, rule):
                expected = "deny-after-gate"  # past the gate, the method is refused before the record is read
            response = client.get(path)
            problem = _judge(response, expected, about_a_record, post_only, rule)
            if problem:
                mismatches.append(f"{role} GET {path} [{name}, rule {rule}, {side_name}]: {problem}")
            if found := leaks(response):
                mismatches.append(f"{role} GET {path} [{name}, {side_name}]: shows {found}")
            if not owned:
                break

    for method, api_path, operation in _api_operations(client if access.memberships(user) else coordinator):
        if method != "GET":
            continue
        rule = operation.get("x-access-rule")
        parameters = re.findall(r"\{(\w+)\}", api_path)
        for side_name, values in sides.items():
            path = api_path
            for parameter in parameters:
                path = path.replace("{" + parameter + "}", str(values[parameter]))
            about_a_record = "{" in api_path
            owned = about_a_record and not all(p in UNOWNED for p in parameters)
            expected = expectation(parameters, side_name, rule, about_a_record=about_a_record, owned=owned)
            response = client.get(path)
            problem = _judge(response, expected, about_a_record, post_only=False, rule=rule)
            if problem:
                mismatches.append(
                    f"{role} API GET {path} [{operation['operationId']}, rule {rule}, {side_name}]: {problem}"
                )
            if found := leaks(response):
                mismatches.append(f"{role} API GET {path} [{operation['operationId']}, {side_name}]: shows {found}")
            if not owned:
                break
    return mismatches


@pytest.mark.parametrize("role", ROLES)
def test_authorization_matrix(client: Client, town: Town, role: str) -> None:
    sides = {"north": _side(town, "north"), "south": _side(town, "south")}
    user = town.users[role]
    access.forget_memberships(user)
    coordinator = Client()
    coordinator.force_login(town.users["coordinator"])
    client.force_login(user)
    mismatches = _walk_routes(client, coordinator, user, role, {name: _values(side) for name, side in sides.items()})
    assert mismatches == [], "\n".join(mismatches)


# --- named rules: the declared gate decides, not a check repeated in the view ---------------
#
# Who each named rule admits among the matrix's users (the walk above then expects the gate's
# answer, 403 — 404 on a record's route, except the regional rules — from everyone else, and
# NARROWER no longer lists these routes). tests/test_gates_not_in_views.py fails on a view that
# refuses a role itself.

NAMED_RULES: dict[str, set[str]] = {
    access.REGIONAL: REGIONAL_READERS,
    access.REGIONAL_EDITOR: REGIONAL_EDITORS,
    access.RESOURCE_EDITOR: RESOURCE_EDITORS,
    access.AGGREGATES: AGGREGATE_VIEWERS,
    access.DASHBOARD: AGGREGATE_VIEWERS,  # and the coordination section's staff ("coordinator" here)
    access.REPORTS: (AGGREGATE_VIEWERS | STAFF_USERS) & set(ROLES),
    # and mutual-help group members and registered volunteers (tsunagiai/community/tests)
    access.HELP_QUEUE: STAFF_USERS & set(ROLES),
    access.VOLUNTEER_MANAGER: {"coordinator", "csw_worker"},  # the volunteer centre, CSW, coordination
    access.INTAKE_FORMS: (STAFF_USERS & set(ROLES)) | {"volunteer"},
}


@pytest.mark.parametrize("rule", sorted(NAMED_RULES))
def test_each_named_rule_admits_exactly_its_users(town: Town, rule: str) -> None:
    admitted = {role for role in ROLES if access.rule_admits(town.users[role], rule)}
    assert admitted == NAMED_RULES[rule]


def test_every_named_rule_is_declared_and_gates_a_route() -> None:
    declared = {access.page_rule(pattern.callback, name) for _route, name, pattern in _pages()}
    declared |= set(access.API_RULES.values())
    assert set(NAMED_RULES) <= access.RULES
    assert set(NAMED_RULES) <= declared, f"named rules no route declares: {set(NAMED_RULES) - declared}"
    assert declared >= access.RULES, f"rules no route declares: {access.RULES - declared}"


@pytest.mark.parametrize(
    ("rule", "about_a_record", "status"),
    [
        (access.REGIONAL, True, 403),  # regional issues hold no person: refused openly
        (access.REGIONAL_EDITOR, True, 403),
        (access.RESOURCE_EDITOR, True, 404),  # a resource's edit page: like a resource that does not exist
        (access.RESOURCE_EDITOR, False, 403),
        (access.AGGREGATES, False, 403),
        (access.HELP_QUEUE, True, 404),
        (access.VOLUNTEER_MANAGER, True, 404),
        (access.VOLUNTEER_MANAGER, False, 403),
    ],
)
def test_the_gate_refuses_with_the_answer_the_views_gave(
    town: Town, rule: str, about_a_record: bool, status: int
) -> None:
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    refused = town.users["auditor"]  # no named rule admits an auditor
    expected = PermissionDenied if status == 403 else Http404
    with pytest.raises(expected):
        access.enforce_rule(refused, rule, about_a_record=about_a_record)


# --- search and autocomplete never reveal a person of another organisation ---------

_VOLATILE = re.compile(rb'(nonce|value)="[^"]*"|"(inlineScriptNonce|X-CSRFToken)": "[^"]*"')
PROBES = ("南野", "南野 花子", "南野花子", "1950-04-01", "昭和25年4月1日", "S25.4.1")


def _answers(client: Client, household_id: int) -> dict[tuple[str, str], tuple[int, bytes]]:
    htmx = {"HX-Request": "true"}
    surfaces: list[tuple[str, str, dict[str, str]]] = [
        ("page", "/people/?q={}", {}),
        ("partial", "/people/?q={}", htmx),
        ("intake form", "/intakes/people/search/?q={}", htmx),
        ("household candidates", f"/people/households/{household_id}/members/add/?q={{}}", htmx),
        ("api", "/api/v1/persons?q={}", {}),
    ]
    answers = {}
    for label, template, headers in surfaces:
        for probe in PROBES:
            response = client.get(template.format(probe), headers=headers)
            answers[(label, probe)] = (response.status_code, _VOLATILE.sub(b"X", response.content))
    return answers


def test_search_and_autocomplete_answer_a_stranger_like_no_one(client: Client, town: Town) -> None:
    """Asked by exact name or birth date, every search answers byte for byte as before the person existed."""
    north = _side(town, "north")
    client.force_login(town.users["caseworker_north"])
    before = _answers(client, north.household.pk)

    south = _side(town, "south")  # 南野 花子, registered by the south branch
    south.person.birth_date = dt.date(1950, 4, 1)
    south.person.save(update_fields=["birth_date"])
    after = _answers(client, north.household.pk)

    revealing = [f"{label}: {probe}" for (label, probe), answer in after.items() if answer != before[(label, probe)]]
    assert revealing == []
    assert all(status == 200 for status, _body in after.values())

    client.force_login(town.users["caseworker_south"])  # the probes do find her for her own organisation
    assert _answers(client, south.household.pk) != after


# --- after the grant expired, after consent withdrawn, after a decline or cancellation ------
#
# The same walk over every page and GET operation, for a north staff member and the south
# side's records, once what let them see those records has ended: the answers are those of
# someone who never saw them (404), and no answer shows what they read meanwhile.

EMERGENCY_REASON = "夜間に救急搬送され、服薬状況の確認が必要なため。"
SOUTH_NAME = "南野"  # the south person's family name (and her household's name)
REFERRAL_CONCERN = "南野さんは夜に大声が聞こえると近所から相談があった。"
REFERRAL_REASON = "配偶者からの暴力が疑われ、北支所の管内へ転居予定。"
REFERRAL_REQUEST = "転居後の見守りと相談をお願いします。"


def _writes_during_a_grant(client: Client, town: Town, north: Side, south: Side) -> None:
    """What the north caseworker tries while the grant is open: each must be refused (read-only)."""
    from tsunagiai.intake.tests.helpers import form_data

    def post_json(url: str, body: dict[str, Any]) -> int:
        return int(client.post(url, json.dumps(body), content_type="application/json").status_code)

    intake = {"channel": "phone", "consulter_type": "self", "concern": "服薬の確認", "urgency": "high"}
    statuses = {
        "intake page": client.post(
            "/intakes/new/", form_data(town, person_mode="found", person_id=south.person.pk)
        ).status_code,
        "intake API": post_json(
            "/api/v1/intakes/",
            {**intake, "consent_status": "oral", "person_mode": "found", "person_id": south.person.pk},
        ),
        "intake API, joining": post_json(
            "/api/v1/intakes/",
            {
                **intake,
                "consent_status": "oral",
                "person_mode": "new",
                "person_id": south.person.pk,
                "household_choice": "join",
                "relationship": "child",
                "new_person": {"family_name": "南野", "given_name": "次郎"},
            },
        ),
        "referral API, person": post_json(
            "/api/v1/referrals/",
            {
                "to_organisation_id": town.orgs["csw"].pk,
                "person_id": south.person.pk,
                "reason": "理由",
                "request": "依頼",
                "sharing_basis": "life_and_safety",
            },
        ),
        "referral API, case": post_json(
            "/api/v1/referrals/",
            {
                "to_organisation_id": town.orgs["csw"].pk,
                "case_id": south.case.pk,
                "reason": "理由",
                "request": "依頼",
                "sharing_basis": "life_and_safety",
            },
        ),
        "household member": client.post(
            f"/people/households/{north.household.pk}/members/add/",
            {"person": south.person.pk, "relationship": "other_relative", "started_on": "2024-04-01"},
        ).status_code,
        "case team": post_json(
            f"/api/v1/cases/{south.case.pk}/team",
            {"organisation_id": town.orgs["branch_north"].pk, "version": south.case.version},
        ),
    }
    accepted = {label: status for label, status in statuses.items() if status < 400 and label != "intake page"}
    assert accepted == {}
    assert not Intake.objects.filter(person=south.person, receiving_organisation=north.organisation).exists()


@pytest.mark.parametrize("kind", ["person", "household", "case"])
def test_matrix_after_the_emergency_grant_expired(client: Client, town: Town, kind: str) -> None:
    north, south = _side(town, "north"), _side(town, "south")
    role = "caseworker_north"
    user = town.users[role]
    target = {"person": south.person, "household": south.household, "case": south.case}[kind]
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(user)
        assert client.post(f"/emergency/{kind}/{target.pk}/", {"reason": EMERGENCY_REASON}).status_code == 302
        assert client.get(f"/people/{south.person.pk}/").status_code == 200
        _writes_during_a_grant(client, town, north, south)

        traveller.shift(dt.timedelta(hours=4, minutes=1))
        client.force_login(user)
        coordinator = Client()
        coordinator.force_login(town.users["coordinator"])
        access.forget_memberships(user)
        mismatches = _walk_routes(client, coordinator, user, role, {"south": _values(south)}, forbidden=(SOUTH_NAME,))
    assert mismatches == [], "\n".join(mismatches)


def _referral_to_north(town: Town, south: Side, *, basis: str) -> tuple[Any, Any]:
    """The south branch refers its person to the north branch, sharing name, contact and concern."""
    from tsunagiai.referrals.actions import do_transition_referral

    sender = town.users["caseworker_south"]
    intake = make_intake(town, org="branch_south", user="caseworker_south", person=south.person, is_anonymous=False)
    Intake.objects.filter(pk=intake.pk).update(concern=REFERRAL_CONCERN)
    consent = do_record_consent(
        south.person,
        acting_user=sender,
        organisation=south.organisation,
        given_on=timezone.localdate(),
        method="written",
        scope_organisations=[town.orgs["branch_north"]],
    )
    referral = do_send_referral(
        acting_user=sender,
        from_organisation=south.organisation,
        to_organisation=town.orgs["branch_north"],
        reason=REFERRAL_REASON,
        request=REFERRAL_REQUEST,
        shared_sections=["person_basic", "contact", "concern"],
        sharing_basis=basis,
        intake=intake,
        person=south.person,
        household=south.household,
    )
    referral = do_transition_referral(referral, "seen", acting_user=town.users["caseworker_north"])
    return referral, consent


@pytest.mark.parametrize(
    ("ending", "basis"),
    [
        ("consent withdrawn", "consent"),
        ("consent expired", "consent"),
        ("declined", "life_and_safety"),
        ("cancelled", "life_and_safety"),
    ],
)
def test_matrix_after_the_basis_for_sharing_ended(client: Client, town: Town, ending: str, basis: str) -> None:
    """The north branch received a referral about the south person; once its basis ends it sees
    the referral's existence, dates and codes only, and the person's records answer 404."""
    from tsunagiai.consent.actions import do_withdraw_consent
    from tsunagiai.referrals.actions import do_transition_referral

    south = _side(town, "south")
    role = "caseworker_north"
    user = town.users[role]
    referral, consent = _referral_to_north(town, south, basis=basis)
    forbidden = (SOUTH_NAME, REFERRAL_CONCERN, REFERRAL_REASON, REFERRAL_REQUEST)
    client.force_login(user)
    before = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert all(text in before for text in forbidden)  # what was shared, while the basis holds

    now = timezone.now()
    if ending.startswith("consent"):
        referral = do_transition_referral(referral, "accepted", acting_user=user)
        assert client.get(f"/people/{south.person.pk}/").status_code == 200
        if ending == "consent withdrawn":
            do_withdraw_consent(consent, acting_user=town.users["caseworker_south"])
        else:
            type(consent).objects.filter(pk=consent.pk).update(expires_on=timezone.localdate())
            now += dt.timedelta(days=1)
    elif ending == "declined":
        do_transition_referral(referral, "declined", acting_user=user, reason_code="outside_area", note="管轄外のため")
    else:
        do_transition_referral(
            referral,
            "cancelled",
            acting_user=town.users["caseworker_south"],
            reason_code="other",
            note="本人が転居を中止",
        )
    with time_machine.travel(now, tick=False):
        client.force_login(user)
        coordinator = Client()
        coordinator.force_login(town.users["coordinator"])
        access.forget_memberships(user)
        values = {**_values(south), "referral_id": referral.pk}
        mismatches = _walk_routes(
            client,
            coordinator,
            user,
            role,
            {"south": values},
            allowed={"referral_id": referral.pk},
            forbidden=forbidden,
        )
    assert mismatches == [], "\n".join(mismatches)


# --- identifying the person of an intake recorded without one (本人の特定) ---------------

LINKERS = {"caseworker_north", "supervisor_north", "coordinator"}  # who edit records and the north intake


@pytest.mark.parametrize("role", ROLES)
def test_only_those_who_edit_records_and_the_intake_identify_its_person(client: Client, town: Town, role: str) -> None:
    """An unlinked intake of the north branch: GET and POST of its 本人を特定する page, for every role.

    Reception (the intake role) may correct what it received but not link a person; everyone else
    who may not edit the intake gets 404, like an intake that does not exist.
    """
    intake = make_intake(town, org="branch_north", user="intake_north")
    person = make_person(town, org="branch_north", family_name="北山")
    client.force_login(town.users[role])
    path = f"/intakes/{intake.pk}/person/"
    page = client.get(path)
    posted = client.post(path, {"person_mode": "found", "person_id": person.pk, "version": intake.version})
    intake.refresh_from_db()
    if role in LINKERS:
        assert page.status_code == 200
        assert posted.status_code == 302 and intake.person == person
    else:
        assert (page.status_code, posted.status_code) == (404, 404)
        assert intake.person is None
