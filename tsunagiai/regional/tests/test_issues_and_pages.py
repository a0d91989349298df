"""Regional issues: the status machine, the pages per role, evidence without persons, constant queries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from tsunagiai.audit.models import AuditEvent
from tsunagiai.core.concurrency import EditConflict
from tsunagiai.core.errors import ActionRefused
from tsunagiai.reference.models import Organisation
from tsunagiai.regional.actions import (
    do_change_issue_status,
    do_create_regional_issue,
    do_record_meeting,
    do_record_network_event,
    do_set_issue_services,
    sweep_regional_clusters,
)
from tsunagiai.regional.models import IssueStatus, IssueStatusChange, RegionalIssue
from tsunagiai.regional.tests.helpers import PERSON_FAMILY_NAME, PERSON_GIVEN_NAME, category, make_case, record_needs
from tsunagiai.resources.models import Provider, Service
from tsunagiai.testing import Town

NOON = "2025-06-15 12:00:00+09:00"
SAMPLE_GEOJSON = Path(settings.BASE_DIR) / "data" / "reference" / "toyota" / "sample_districts.geojson"
VIEWERS = ["coordinator", "caseworker_north", "supervisor_north", "intake_north", "csw_worker", "analyst"]
REFUSED = ["volunteer", "admin", "auditor", "elderly_worker", "fire_crew"]


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def make_issue(town: Town, title: str = "買い物の足がない") -> RegionalIssue:
    return do_create_regional_issue(
        acting_user=town.users["coordinator"],
        title=title,
        area=town.areas["north_elementary"],
        categories=[category()],
    )


def test_the_status_machine_allows_the_table_and_refuses_the_rest(town: Town) -> None:
    issue = make_issue(town)
    user = town.users["caseworker_north"]
    with pytest.raises(ActionRefused):
        do_change_issue_status(issue, to=IssueStatus.ACTION, reason="", acting_user=user, expected_version=1)
    for to in (IssueStatus.DISCUSSED, IssueStatus.ACTION, IssueStatus.RESOLVED):
        do_change_issue_status(issue, to=to, reason="協議体で", acting_user=user, expected_version=issue.version)
    issue.refresh_from_db()
    assert issue.status == IssueStatus.RESOLVED and issue.version == 4
    assert list(IssueStatusChange.objects.filter(issue=issue).values_list("to_status", flat=True)) == [
        "identified",
        "discussed",
        "action",
        "resolved",
    ]
    assert AuditEvent.objects.filter(action="regional.issue_status_changed", object_id=str(issue.pk)).count() == 3


def test_a_stale_version_is_refused_without_overwriting(town: Town) -> None:
    issue = make_issue(town)
    user = town.users["caseworker_north"]
    do_change_issue_status(issue, to=IssueStatus.DISCUSSED, reason="", acting_user=user, expected_version=1)
    stale = RegionalIssue.objects.get(pk=issue.pk)
    stale.status = IssueStatus.DISCUSSED
    with pytest.raises(EditConflict):
        do_change_issue_status(stale, to=IssueStatus.ACTION, reason="", acting_user=user, expected_version=1)
    assert RegionalIssue.objects.get(pk=issue.pk).status == IssueStatus.DISCUSSED


def test_a_stale_form_shows_the_conflict(client: Client, town: Town) -> None:
    issue = make_issue(town)
    client.force_login(town.users["coordinator"])
    client.post(f"/regional/{issue.pk}/status/", {"version": 1, "to": "discussed"})
    response = client.post(f"/regional/{issue.pk}/status/", {"version": 1, "to": "action", "reason": "入力は残る"})
    assert response.status_code == 200
    assert "入力は残る" in response.content.decode()
    assert RegionalIssue.objects.get(pk=issue.pk).status == IssueStatus.DISCUSSED


def test_the_loop_closes_with_a_meeting_and_a_resource_created_in_answer(client: Client, town: Town) -> None:
    issue = make_issue(town)
    provider = Provider.objects.create(name="北町お助け隊")
    service = Service.objects.create(provider=provider, name="移動販売の誘致")
    client.force_login(town.users["csw_worker"])
    response = client.post(
        f"/regional/{issue.pk}/meetings/",
        {
            "kind": "council",
            "held_on": "2025-01-10",
            "title": "第2層協議体",
            "participating_organisations": [town.orgs["csw"].pk, town.orgs["branch_north"].pk],
            "decisions": "移動販売を誘致する",
        },
    )
    assert response.status_code == 302
    response = client.post(f"/regional/{issue.pk}/resources/", {"version": issue.version, "services": [service.pk]})
    assert response.status_code == 302
    issue.refresh_from_db()
    assert list(issue.services.all()) == [service]
    assert issue.meetings.get().decisions == "移動販売を誘致する"
    page = client.get(f"/regional/{issue.pk}/").content.decode()
    assert "移動販売の誘致" in page and "第2層協議体" in page


def test_bad_input_names_the_field_and_answers_4xx(client: Client, town: Town) -> None:
    issue = make_issue(town)
    client.force_login(town.users["coordinator"])
    response = client.post(f"/regional/{issue.pk}/meetings/", {"kind": "nope", "held_on": "2025-13-40", "title": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "開催日" in body or "Held on" in body
    assert client.post(f"/regional/{issue.pk}/status/", {"version": "x", "to": "resolved"}).status_code == 400
    assert client.post("/regional/new/", {"title": "t" * 201}).status_code == 400
    assert client.post("/regional/network/events/", {"kind": "x"}).status_code == 400


@pytest.mark.parametrize("role", VIEWERS)
def test_regional_pages_open_for_regional_staff_and_analysts(client: Client, town: Town, role: str) -> None:
    issue = make_issue(town)
    client.force_login(town.users[role])
    for path in ("/regional/", f"/regional/{issue.pk}/", "/regional/network/", "/regional/map/"):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize("role", REFUSED)
def test_regional_pages_are_refused_to_everyone_else(client: Client, town: Town, role: str) -> None:
    issue = make_issue(town)
    client.force_login(town.users[role])
    for path in ("/regional/", f"/regional/{issue.pk}/", "/regional/network/", "/regional/map/"):
        assert client.get(path).status_code in {403, 404}, path
    assert client.post(f"/regional/{issue.pk}/status/", {"version": 1, "to": "discussed"}).status_code in {403, 404}


@pytest.mark.parametrize("role", ["analyst", "intake_north"])
def test_analysts_and_reception_read_but_do_not_change(client: Client, town: Town, role: str) -> None:
    issue = make_issue(town)
    client.force_login(town.users[role])
    assert f"regional/{issue.pk}/status/" not in client.get(f"/regional/{issue.pk}/").content.decode()
    assert client.post(f"/regional/{issue.pk}/status/", {"version": 1, "to": "discussed"}).status_code == 403
    assert client.post("/regional/network/events/", {}).status_code == 403
    assert RegionalIssue.objects.get(pk=issue.pk).status == IssueStatus.IDENTIFIED


def test_evidence_shows_counts_and_never_a_person(client: Client, town: Town, frozen: Any) -> None:
    case = make_case(town)
    record_needs(town, case, 5)
    sweep_regional_clusters()
    issue = RegionalIssue.objects.get()
    person = case.focus_members.get()
    for role in ("coordinator", "analyst", "csw_worker"):
        client.force_login(town.users[role])
        for path in ("/regional/", f"/regional/{issue.pk}/", "/api/v1/regional/issues"):
            body = client.get(path).content.decode()
            for secret in (
                PERSON_FAMILY_NAME,
                PERSON_GIVEN_NAME,
                case.title,
                f"/cases/{case.pk}/",
                f"/people/{person.pk}/",
            ):
                assert secret not in body, (role, path, secret)
            assert "移動販売が来ない" not in body  # the free text stays in the case
    client.force_login(town.users["analyst"])
    body = client.get(f"/regional/{issue.pk}/").content.decode()
    assert "令和7年6月" in body and ">5<" in body  # the month in the user's date style (jmonth)


def _count_queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_issue_list_runs_the_same_queries_for_1_and_30_issues(client: Client, town: Town) -> None:
    client.force_login(town.users["coordinator"])
    make_issue(town)
    one = _count_queries(client, "/regional/")
    for i in range(29):
        make_issue(town, title=f"課題{i}")
    assert _count_queries(client, "/regional/") == one
    assert len(client.get("/api/v1/regional/issues").json()) == 30


def test_the_issue_page_runs_the_same_queries_for_1_and_10_meetings(client: Client, town: Town) -> None:
    issue = make_issue(town)
    client.force_login(town.users["coordinator"])
    provider = Provider.objects.create(name="団体")
    organisations = list(Organisation.objects.all()[:3])

    def meeting(n: int) -> None:
        do_record_meeting(
            acting_user=town.users["coordinator"],
            kind="community_meeting",
            held_on=dt.date(2025, 1, 1),
            title=f"会議{n}",
            participating_organisations=organisations,
            issues=[issue],
        )

    meeting(0)
    do_set_issue_services(
        issue,
        services=[Service.objects.create(provider=provider, name="s0")],
        acting_user=town.users["coordinator"],
        expected_version=issue.version,
    )
    one = _count_queries(client, f"/regional/{issue.pk}/")
    for n in range(1, 10):
        meeting(n)
    issue.refresh_from_db()
    do_set_issue_services(
        issue,
        services=[Service.objects.create(provider=provider, name=f"s{n}") for n in range(5)],
        acting_user=town.users["coordinator"],
        expected_version=issue.version,
    )
    assert _count_queries(client, f"/regional/{issue.pk}/") == one


def test_the_map_without_geojson_is_a_table(client: Client, town: Town, frozen: Any) -> None:
    record_needs(town, make_case(town), 2)
    client.force_login(town.users["coordinator"])
    body = client.get("/regional/map/").content.decode()
    assert "leaflet.js" not in body and "district-map-data" not in body
    assert "北小学校区" in body and "TSUNAGIAI_DISTRICTS_GEOJSON" in body


def test_the_map_with_geojson_loads_vendored_leaflet_with_the_nonce_and_json_data(
    client: Client, town: Town, tmp_path: Path
) -> None:
    boundaries = tmp_path / "districts.geojson"
    boundaries.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "north-el"},'
        ' "geometry": {"type": "Polygon",'
        ' "coordinates": [[[137.1, 35.0], [137.2, 35.0], [137.2, 35.1], [137.1, 35.0]]]}}]}',
        encoding="utf-8",
    )
    client.force_login(town.users["coordinator"])
    with override_settings(TSUNAGIAI_DISTRICTS_GEOJSON=str(boundaries)):
        response = client.get("/regional/map/")
    body = response.content.decode()
    nonce = response.context["csp_nonce"]
    assert f'src="/static/vendor/leaflet/leaflet.js" nonce="{nonce}"' in body
    assert f'src="/static/js/map.js" nonce="{nonce}"' in body
    assert 'id="district-map-data"' in body and "north-el" in body
    assert "<script>" not in body  # no inline script: the data is a json_script element
    assert "北小学校区" in body  # the table is there beside the map


def test_the_shipped_sample_boundaries_are_marked_and_name_toyota_areas() -> None:
    import json

    data = json.loads(SAMPLE_GEOJSON.read_text(encoding="utf-8"))
    assert "SAMPLE" in data["name"]
    assert all(f["properties"]["sample"] and f["properties"]["code"].startswith("el-") for f in data["features"])


def test_network_events_are_recorded_by_regional_editors(client: Client, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        "/regional/network/events/",
        {
            "kind": "fire_welfare_training",
            "held_on": "2025-02-01",
            "title": "消福連携研修",
            "participating_organisations": [town.orgs["fire"].pk, town.orgs["branch_north"].pk],
        },
    )
    assert response.status_code == 302
    body = client.get("/regional/network/").content.decode()
    assert "消福連携研修" in body and "消防本部" in body and "<svg" in body
    assert do_record_network_event is not None
