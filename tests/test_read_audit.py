"""Every page and API operation that shows personal data writes exactly one read event (issue 11, item 3).

Generated from the URL conf and the OpenAPI document, like the authorization matrix: every GET
route is either in ``READS`` (the one event it must write: action, object, basis) or in
``NO_PERSONAL_DATA`` with the reason. A route that answers GET with 405 takes only POST: a change,
audited by its action. A new page or operation that is in neither list fails here, so a page that
shows a person, household, intake, case, referral, consent, plan or conference cannot be added
without deciding how its reads are audited. The decisions are written down in docs/audit.md.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.test_authorization_matrix import PARAM, _api_operations, _pages, _side, _values
from tsunagiai.audit.models import AuditEvent, Basis
from tsunagiai.testing import Town

LIST = "list"  # a list or search: no single object, the filters and the number of results


@dataclass(frozen=True)
class Read:
    action: str
    kind: str  # the object read: a key of _objects(), or LIST
    query: str = ""  # added to the path; {placeholders} from _objects()/_values()
    user: str | None = None  # a fixed user (else the walking staff user)


READS: dict[str, Read] = {
    # people
    "people:search": Read("person.listed", LIST, "?q=北川"),
    "people:person_detail": Read("person.viewed", "person"),
    "people:person_edit": Read("person.viewed", "person"),
    "people:related_person_add": Read("person.viewed", "person"),
    "people:household_list": Read("household.listed", LIST),
    "people:household_create": Read("person.viewed", "person", "?head={person_id}"),
    "people:household_detail": Read("household.viewed", "household"),
    "people:household_edit": Read("household.viewed", "household"),
    "people:household_member_add": Read("household.viewed", "household"),
    "people:household_member_create": Read("household.viewed", "household"),
    "people:membership_end": Read("household.viewed", "household"),
    # intakes
    "intake:list": Read("intake.listed", LIST),
    "intake:detail": Read("intake.viewed", "intake"),
    "intake:edit": Read("intake.viewed", "intake"),
    "intake:link_person": Read("intake.viewed", "intake"),
    "intake:person_search": Read("person.listed", LIST, "?q=北川"),
    "intake:person_pick": Read("person.viewed", "person"),
    # referrals and cases
    "referrals:list": Read("referral.listed", LIST),
    "inbox:list": Read("inbox.listed", LIST),  # names people; the 30-second htmx poll is not audited
    "referrals:create_from_intake": Read("intake.viewed", "intake"),
    "referrals:create_from_case": Read("case.viewed", "case"),
    "referrals:detail": Read("referral.viewed", "referral"),
    "cases:list": Read("case.listed", LIST),
    "cases:open_from_intake": Read("intake.viewed", "intake"),
    "cases:detail": Read("case.viewed", "case"),
    # The case page's forms on demand: their own pages (without JavaScript) name the case.
    "cases:change_status": Read("case.viewed", "case"),
    "cases:change_lead": Read("case.viewed", "case"),
    "cases:request_lead": Read("case.viewed", "case"),
    "cases:add_team_member": Read("case.viewed", "case"),
    "cases:set_flags": Read("case.viewed", "case"),
    "regional:unmet_need_create": Read("case.viewed", "case"),
    # consent
    "consent:person_consents": Read("consent.viewed", "person"),
    "consent:record": Read("consent.viewed", "person"),
    # support: assessment, plan, records, conferences
    "support:assessment": Read("assessment.viewed", "case"),
    "support:assessment_edit": Read("assessment.viewed", "case"),
    "support:plan": Read("plan.viewed", "case"),
    "support:plan_revise": Read("plan.viewed", "case"),
    "support:plan_compare": Read("plan.viewed", "case", "?old=1&new=2"),
    "support:record_create": Read("household.viewed", "household"),
    "support:record_correct": Read("support_record.viewed", "support_record"),
    "support:household_timeline": Read("timeline.viewed", "household"),
    "support:conference_list": Read("conference.listed", LIST),
    "support:conference_detail": Read("conference.viewed", "conference"),
    # community: the staff side
    "community:find_resources": Read("community.resources_searched", "case"),
    "community:help_list": Read("help_request.listed", LIST),
    "community:help_create": Read("person.viewed", "person", "?person={person_id}"),
    "community:help_detail": Read("community.help_request_viewed", "help_request"),
    # PDFs and row exports
    "reports:intake_export": Read("reports.export", LIST),
    "reports:case_summary": Read("reports.case_summary_pdf", "case"),
    "reports:support_plan": Read("reports.support_plan_pdf", "case"),
    "reports:job_download": Read("reports.export_downloaded", "export_job"),  # the walking user's own job
    # the coordination section's privacy page of a person (disclosure, use suspension)
    "privacy:person": Read("person.privacy_viewed", "person", user="coordinator"),
    # the audit log itself (names in object_repr, field values in changes)
    "audit:list": Read("audit.listed", LIST, user="auditor"),
    "audit:export": Read("audit.exported", LIST, user="auditor"),
    # the JSON API
    "GET /api/v1/persons": Read("person.listed", LIST),
    "GET /api/v1/persons/{person_id}": Read("person.viewed", "person"),
    "GET /api/v1/households": Read("household.listed", LIST),
    "GET /api/v1/households/{household_id}": Read("household.viewed", "household"),
    "GET /api/v1/intakes/": Read("intake.listed", LIST),
    "GET /api/v1/intakes/{intake_id}": Read("intake.viewed", "intake"),
    "GET /api/v1/triage/intakes/{intake_id}": Read("triage.suggestion_viewed", "intake"),
    "GET /api/v1/cases/": Read("case.listed", LIST),
    "GET /api/v1/cases/{case_id}": Read("case.viewed", "case"),
    "GET /api/v1/referrals/": Read("referral.listed", LIST),
    "GET /api/v1/referrals/{referral_id}": Read("referral.viewed", "referral"),
    "GET /api/v1/people/{person_id}/consents": Read("consent.viewed", "person"),
    "GET /api/v1/support/cases/{case_id}/plan": Read("plan.viewed", "case"),
    "GET /api/v1/support/households/{household_id}/timeline": Read("timeline.viewed", "household"),
    "GET /api/v1/support/conferences": Read("conference.listed", LIST),
    "GET /api/v1/support/conferences/{conference_id}": Read("conference.viewed", "conference"),
    "GET /api/v1/community/cases/{case_id}/resources": Read("community.resources_searched", "case"),
    "GET /api/v1/community/cases/{case_id}/participations": Read("participation.listed", "case"),
    "GET /api/v1/community/help-requests": Read("help_request.listed", LIST),
    "GET /api/v1/audit/events": Read("audit.listed", LIST, user="auditor"),
}

DIRECTORY = "the organisation and resource directories: organisations and services, no person"
COUNTS = "counts only, small cells suppressed (docs/analytics.md); exports of counts are audited as exports"
REGIONAL = "regional issues, the network and the map: counts, areas and organisations, never a person"
OWN_ACCOUNT = "the signed-in user's own account"
NO_PERSONAL_DATA: dict[str, str] = {
    # POST only; the gate refuses users outside the rule before the method is looked at (403, not 405).
    "community:group_member_add": "POST only: adds a volunteer to a help group, audited by its action",
    "community:group_member_leave": "POST only: a volunteer leaves a help group, audited by its action",
    "community:volunteer_create": "a blank form registering a volunteer (volunteers' own registration)",
    "login": "the sign-in page",
    "favicon": "the site icon",
    "healthz": "the health check",
    "readyz": "the readiness check",
    "people:person_create": "a blank form",
    "set_language": "the language switch",
    "home": "sends each role to its start page; the page for others shows no record",
    "logout": OWN_ACCOUNT,
    "intake:create": "a blank form (a draft that names a person shows that person: audited, tests/test_read_audit.py)",
    "intake:fire_create": "a blank form for the fire department",
    "intake:volunteer_create": "a blank form for a community volunteer",
    "intake:my_reports": "a volunteer's own reports: the date, the words they wrote themselves, the status",
    "emergency:start": "the break-the-glass form: the kind and number of the record, nothing from it",
    "triage:suggest": "category suggestions for the text being typed; nothing stored is read",
    "community:group_stats": "help groups' counts and their members' names, who are volunteers, not clients",
    "community:volunteer_list": "the volunteer register: volunteers' own registration, not welfare records",
    "community:volunteer_edit": "the volunteer register: volunteers' own registration, not welfare records",
    "reports:index": "links to the exports, and the user's own export jobs (dates, file names, counts)",
    "reports:job_detail": "a background export's progress, its requester's own: counts and dates (download audited)",
    "support:conference_create": "a blank form: the user's organisations to convene and invite",
    "reports:count_export": COUNTS,
    "reports:national_export": COUNTS,
    "reports:monthly_report": COUNTS,
    "analytics:dashboard": COUNTS,
    "GET /api/v1/community/groups/stats": COUNTS,
    "GET /api/v1/community/volunteers": "the volunteer register: volunteers' own registration, not welfare records",
    "GET /api/v1/regional/issues": REGIONAL,
    "GET /api/v1/regional/unmet-needs/counts": REGIONAL,
    "GET /api/v1/reference/taxonomy": DIRECTORY,
    "GET /api/v1/reference/areas": DIRECTORY,
    "GET /api/v1/reference/organisations": DIRECTORY,
    "GET /api/v1/reference/organisations/{organisation_id}": DIRECTORY,
}
NO_PERSONAL_DATA_PREFIXES = {
    "reference:": DIRECTORY,
    "resources:": DIRECTORY,
    "regional:": REGIONAL,
    "accounts:": OWN_ACCOUNT,
}


def _exempt(key: str) -> str | None:
    if key in NO_PERSONAL_DATA:
        return NO_PERSONAL_DATA[key]
    return next((why for prefix, why in NO_PERSONAL_DATA_PREFIXES.items() if key.startswith(prefix)), None)


# --- the world: one organisation's records, a plan with two revisions, a help request ----------


@dataclass
class World:
    values: dict[str, Any]
    objects: dict[str, Any]


@pytest.fixture(autouse=True)
def _export_files(settings: Any, tmp_path: Any) -> None:
    settings.REPORTS_EXPORT_ROOT = tmp_path / "exports"


def _world(town: Town, username: str = "caseworker_north") -> World:
    from tsunagiai.community.actions import do_create_help_request
    from tsunagiai.community.tests.conftest import build_world
    from tsunagiai.reports.tests.helpers import make_done_job
    from tsunagiai.support.actions import do_revise_plan
    from tsunagiai.support.models import SupportPlan
    from tsunagiai.support.tests.helpers import add_record, make_plan

    side = _side(town, "north")
    review = timezone.localdate() + dt.timedelta(days=30)
    first = make_plan(town, side.case, review_on=review, due_on=review)
    do_revise_plan(
        side.case,
        acting_user=town.users["caseworker_north"],
        goals="家計の立て直し",
        review_on=review,
        actions=[],
        expected_version=SupportPlan.objects.get(pk=first.plan_id).version,
    )
    community = build_world(town)
    help_request = do_create_help_request(
        acting_user=town.users["caseworker_north"],
        organisation=town.orgs["branch_north"],
        group=community.group,  # type: ignore[arg-type]
        task="rubbish",
        description="ごみ出しの手伝い",
        town_block=town.blocks["north"],
        person=community.person,
        case=community.case,
    )
    record = add_record(town, side.household, side.case)
    job = make_done_job(town.users[username])  # an export job is its requester's alone
    values = {**_values(side), "help_request_id": help_request.pk, "record_id": record.pk, "job_id": job.pk}
    objects = {
        "person": side.person,
        "household": side.household,
        "intake": side.intake,
        "case": side.case,
        "referral": side.referral,
        "conference": side.conference,
        "help_request": help_request,
        "support_record": record,
        "export_job": job,
    }
    return World(values, objects)


def _routes(client: Client) -> list[tuple[str, str]]:
    """(key, path template) of every page and every GET operation of the API."""
    pages = [(name or route, "/" + route) for route, name, _pattern in _pages()]
    api = [(f"GET {path}", path) for method, path, _op in _api_operations(client) if method == "GET"]
    return pages + api


def _fill(template: str, values: dict[str, Any]) -> str:
    path = PARAM.sub(lambda m: str(values.get(m["name"], 1)), template)
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m[1], 1)), path)


def _new_events(after: int) -> list[AuditEvent]:
    """The read events written since ``after``: a read carries its access basis, a change does not
    (opening a referral addressed to you also marks it seen: a change, not a second read)."""
    return list(AuditEvent.objects.filter(sequence__gt=after).exclude(basis="").order_by("sequence"))


def _last_sequence() -> int:
    last = AuditEvent.objects.order_by("-sequence").first()
    return last.sequence if last else 0


def _check(key: str, read: Read, events: list[AuditEvent], user: Any, world: World, basis: str) -> str | None:
    if len(events) != 1:
        return f"{key}: {len(events)} read events ({[e.action for e in events]}), expected one {read.action}"
    event = events[0]
    problems = []
    if event.action != read.action:
        problems.append(f"action {event.action}")
    if event.actor_id != user.pk:
        problems.append("another actor")
    if read.kind == LIST:
        if event.object_id or not event.object_type:
            problems.append(f"not a list event (object {event.object_type!r} {event.object_id!r})")
    else:
        obj = world.objects[read.kind]
        if (event.object_type, event.object_id) != (obj._meta.label_lower, str(obj.pk)):
            problems.append(f"object {event.object_type} {event.object_id}, expected {read.kind} {obj.pk}")
    if event.basis != basis:
        problems.append(f"basis {event.basis!r}, expected {basis!r}")
    return f"{key}: " + ", ".join(problems) if problems else None


@pytest.mark.parametrize(
    ("username", "basis"),
    [("caseworker_north", Basis.OWN_ORGANISATION), ("coordinator", Basis.COORDINATION)],
)
def test_every_page_and_operation_that_shows_personal_data_writes_one_read_event(
    client: Client, town: Town, username: str, basis: str
) -> None:
    world = _world(town, username)
    clients = {}
    for name in {username, "coordinator", "auditor"}:
        clients[name] = Client()
        clients[name].force_login(town.users[name])
    problems: list[str] = []
    unclassified: list[str] = []
    seen: set[str] = set()
    for key, template in _routes(clients[username]):
        seen.add(key)
        if _exempt(key) is not None:
            continue
        read = READS.get(key)
        who = read.user if read and read.user else username
        path = _fill(template, world.values) + (read.query.format(**world.values) if read else "")
        after = _last_sequence()
        response = clients[who].get(path)
        if response.status_code == 405:  # POST only: a change, audited by its action
            if read is not None:
                problems.append(f"{key}: takes only POST; remove it from READS")
            continue
        if response.status_code == 404 and read is None and clients["coordinator"].get(path).status_code == 405:
            continue  # POST only, and hidden (404 whatever the method) from those who may not use it: a change
        if read is None:
            unclassified.append(f"{key} ({template}): answered {response.status_code}")
            continue
        if response.status_code != 200:
            problems.append(f"{key}: GET {path} answered {response.status_code}, expected 200")
            continue
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        expected_basis = {username: basis, "coordinator": Basis.COORDINATION, "auditor": Basis.AUDITOR}[who]
        problem = _check(key, read, _new_events(after), town.users[who], world, expected_basis)
        if problem:
            problems.append(problem)
    assert unclassified == [], (
        "pages or API operations that are neither in READS nor in NO_PERSONAL_DATA "
        "(tests/test_read_audit.py; audit their reads with record_read/record_list):\n" + "\n".join(unclassified)
    )
    assert problems == [], "\n".join(problems)
    stale = sorted((set(READS) | set(NO_PERSONAL_DATA)) - seen)
    assert stale == [], f"READS/NO_PERSONAL_DATA name routes that no longer exist: {stale}"


def test_a_refused_read_writes_nothing_anywhere(client: Client, town: Town) -> None:
    """Every record route of READS, asked by another organisation's caseworker: 404 and no event."""
    world = _world(town)
    client.force_login(town.users["caseworker_south"])
    wrote: list[str] = []
    for key, template in _routes(client):
        read = READS.get(key)
        if read is None or read.kind == LIST or read.user or not PARAM.search(template) and "{" not in template:
            continue
        after = _last_sequence()
        response = client.get(_fill(template, world.values) + read.query.format(**world.values))
        if response.status_code == 200 or _new_events(after):
            wrote.append(f"{key}: {response.status_code}, {len(_new_events(after))} events")
    assert wrote == []


# --- what the walk above does not reach: searches inside pages, drafts, htmx partials -------------


def test_searches_record_the_query_and_the_number_of_results_not_one_entry_per_row(client: Client, town: Town) -> None:
    world = _world(town)
    client.force_login(town.users["caseworker_north"])
    after = _last_sequence()
    response = client.get("/people/", {"q": "北川"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    (event,) = _new_events(after)
    assert event.action == "person.listed"
    assert event.object_type == "people.person"
    assert event.changes["filters"] == {"q": "北川"}
    assert event.changes["results"] >= 1
    assert "北川" in response.content.decode()
    after = _last_sequence()
    client.get(f"/intakes/people/search/?q={world.objects['person'].family_name}")
    (event,) = _new_events(after)
    assert (event.action, event.changes["results"]) == ("person.listed", 1)


def test_an_empty_person_search_shows_nobody_and_writes_nothing(client: Client, town: Town) -> None:
    _world(town)
    client.force_login(town.users["caseworker_north"])
    after = _last_sequence()
    assert client.get("/intakes/people/search/?q=").status_code == 200
    assert _new_events(after) == []


def test_a_household_member_search_is_one_search_event(client: Client, town: Town) -> None:
    world = _world(town)
    client.force_login(town.users["caseworker_north"])
    household = world.objects["household"]
    after = _last_sequence()
    response = client.get(f"/people/households/{household.pk}/members/add/?q=北川", headers={"HX-Request": "true"})
    assert response.status_code == 200
    (event,) = _new_events(after)
    assert (event.action, event.changes["filters"]) == ("person.listed", {"q": "北川", "household": household.pk})


def test_an_intake_draft_that_names_a_person_audits_the_person_shown(client: Client, town: Town) -> None:
    from tsunagiai.intake.actions import do_save_draft

    world = _world(town)
    person = world.objects["person"]
    user = town.users["caseworker_north"]
    draft = do_save_draft(acting_user=user, kind="standard", data={"person_id": [str(person.pk)]}, draft=None)
    client.force_login(user)
    after = _last_sequence()
    response = client.get(f"/intakes/new/?draft={draft.pk}")
    assert response.status_code == 200
    assert person.family_name in response.content.decode()
    (event,) = _new_events(after)
    assert (event.action, event.object_id, event.basis) == ("person.viewed", str(person.pk), Basis.OWN_ORGANISATION)
