"""The directory pages per role: the list and its filters, the detail, create and edit with versioning and audit."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tsunagiai.audit.models import AuditEvent
from tsunagiai.resources.models import Provider, Service
from tsunagiai.resources.tests.helpers import make_resource

EDITORS = ["caseworker_north", "supervisor_north", "coordinator", "csw_worker"]
READERS = ["intake_north", "elderly_worker", "volunteer", "analyst", "admin", "auditor", "fire_crew"]
STAFF = ["intake_north", "caseworker_north", "elderly_worker", "csw_worker", "coordinator", "supervisor_north"]


@pytest.fixture
def resources(town):
    return {
        "public": make_resource(town, "北町お助け隊", category="daily_living"),
        "salon": make_resource(
            town,
            "南ふれあいサロン",
            side="south",
            service_type="salon",
            target_group="all_ages",
            kind=Provider.Kind.FORMAL,
        ),
        "internal": make_resource(town, "緊急食料(職員経由)", service_type="food_support", is_internal=True),
    }


def _names(response) -> set[str]:
    return {s.name for s in response.context["page"].object_list}


@pytest.mark.parametrize("role", EDITORS + READERS)
def test_everyone_signed_in_reads_the_public_directory(client, town, resources, role) -> None:
    client.force_login(town.users[role])
    response = client.get("/resources/")
    assert response.status_code == 200
    assert {"北町お助け隊", "南ふれあいサロン"} <= _names(response)
    detail = client.get(f"/resources/{resources['public'].pk}/")
    assert detail.status_code == 200
    assert "毎週月・水 10:00〜12:00" in detail.content.decode()
    assert "第1土曜" in detail.content.decode()


@pytest.mark.parametrize("role", STAFF)
def test_staff_see_staff_only_resources_when_they_ask(client, town, resources, role) -> None:
    client.force_login(town.users[role])
    assert "緊急食料(職員経由)" not in _names(client.get("/resources/"))
    assert "緊急食料(職員経由)" in _names(client.get("/resources/?include_internal=on"))
    assert client.get(f"/resources/{resources['internal'].pk}/").status_code == 200


@pytest.mark.parametrize("role", ["volunteer", "analyst", "admin", "auditor"])
def test_others_never_see_staff_only_resources(client, town, resources, role) -> None:
    client.force_login(town.users[role])
    assert "緊急食料(職員経由)" not in _names(client.get("/resources/?include_internal=on"))
    assert client.get(f"/resources/{resources['internal'].pk}/").status_code == 404


def test_the_directory_requires_login(client, resources) -> None:
    response = client.get("/resources/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_filters(client, town, resources) -> None:
    client.force_login(town.users["caseworker_north"])
    assert _names(client.get("/resources/?service_type=salon")) == {"南ふれあいサロン"}
    assert _names(client.get("/resources/?target_group=all_ages")) == {"南ふれあいサロン"}
    assert _names(client.get("/resources/?category=daily_living")) == {"北町お助け隊"}
    assert _names(client.get("/resources/?q=サロン")) == {"南ふれあいサロン"}
    assert _names(client.get("/resources/?kind=formal")) == {"南ふれあいサロン"}
    # A district finds the services for it, and those for the branch area it lies in.
    north = town.areas["north_branch"]
    assert _names(client.get(f"/resources/?area={north.pk}")) == {"北町お助け隊"}
    assert _names(client.get(f"/resources/?area={town.areas['north_association'].pk}")) == {"北町お助け隊"}
    Service.objects.filter(pk=resources["salon"].pk).update(status="inactive")
    assert "南ふれあいサロン" not in _names(client.get("/resources/"))
    assert "南ふれあいサロン" in _names(client.get("/resources/?include_inactive=on"))


def test_bad_filters_are_refused_not_a_500(client, town, resources) -> None:
    client.force_login(town.users["caseworker_north"])
    response = client.get("/resources/?service_type=nope&area=abc")
    assert response.status_code == 200
    assert "サービス種別" in response.content.decode()


def test_list_query_count_is_the_same_for_1_and_30_rows(client, town) -> None:
    client.force_login(town.users["caseworker_north"])
    make_resource(town, "一つ目")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/resources/?include_internal=on").status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for i in range(29):
        make_resource(town, f"資源{i:02d}", is_internal=i % 3 == 0)
    assert count() == one


def _form(town, service: Service | None = None, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "北町ささえ愛隊",
        "description": "草取り・電球交換",
        "status": "active",
        "provider": Provider.objects.order_by("pk").values_list("pk", flat=True)[0],
        "service_types": ["mutual_help"],
        "target_groups": ["elderly"],
        "categories": ["daily_living"],
        "areas": [town.areas["north_elementary"].pk],
        "capacity": "10",
        "places_free": "4",
        "fees_description": "1回300円",
        "languages": "ja",
        "location_name": "北町集会所",
        "prefecture": "愛知県",
        "municipality": "豊田市",
        "address_line": "北町1-2-3",
        "town_block": town.blocks["north"].pk,
        "schedule1_days": ["MO", "WE"],
        "schedule1_opens": "10:00",
        "schedule1_closes": "12:00",
        "schedule2_days": ["SA"],
        "schedule2_week": "1",
    }
    if service is not None:
        data["version"] = service.version
    data.update(changes)
    return data


@pytest.mark.parametrize("role", EDITORS)
def test_editors_create_a_resource_with_audit(client, town, resources, role) -> None:
    client.force_login(town.users[role])
    response = client.post("/resources/new/", _form(town))
    assert response.status_code == 302
    service = Service.objects.get(name="北町ささえ愛隊")
    assert sorted(s.byday for s in service.schedules.all()) == ["1SA", "MO,WE"]
    assert service.service_at_locations.get().location.town_block == town.blocks["north"]
    assert AuditEvent.objects.filter(action="resources.create", object_id=str(service.pk)).exists()


@pytest.mark.parametrize("role", ["intake_north", "elderly_worker", "volunteer", "analyst", "admin", "fire_crew"])
def test_others_may_not_create_or_edit(client, town, resources, role) -> None:
    client.force_login(town.users[role])
    assert client.get("/resources/new/").status_code in {403, 404}
    assert client.post("/resources/new/", _form(town)).status_code in {403, 404}
    assert client.get(f"/resources/{resources['public'].pk}/edit/").status_code == 404
    assert not Service.objects.filter(name="北町ささえ愛隊").exists()


def test_edit_with_versioning_and_a_conflict_keeps_the_input(client, town, resources) -> None:
    service = resources["public"]
    client.force_login(town.users["csw_worker"])
    stale = _form(town, service, name="古い版からの変更")
    response = client.post(f"/resources/{service.pk}/edit/", _form(town, service, name="北町お助け隊(新)"))
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.name == "北町お助け隊(新)" and service.version == 2
    event = AuditEvent.objects.get(action="resources.edit")
    assert event.changes["name"] == {"before": "北町お助け隊", "after": "北町お助け隊(新)"}

    conflict = client.post(f"/resources/{service.pk}/edit/", stale)
    assert conflict.status_code == 200
    assert "古い版からの変更" in conflict.content.decode()
    assert 'id="conflict"' in conflict.content.decode()
    service.refresh_from_db()
    assert service.name == "北町お助け隊(新)"
    htmx = client.post(f"/resources/{service.pk}/edit/", stale, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 409


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"places_free": "11"}, "空き: "),
        ({"schedule1_closes": "09:00"}, ": "),
        ({"name": "x" * 201}, "名称: "),
        ({"minimum_age": "200"}, ": "),
        ({"service_types": ["unknown"]}, "サービス種別: "),
        ({"capacity": "-1"}, ": "),
        ({"schedule2_days": ["SA", "SU"]}, ": "),
    ],
)
def test_invalid_input_is_refused_with_the_field_named(client, town, resources, changes, message) -> None:
    client.force_login(town.users["coordinator"])
    response = client.post("/resources/new/", _form(town, **changes))
    assert response.status_code == 200
    assert response.context["form"].errors
    text = " ".join(e for errors in response.context["form"].errors.values() for e in errors)
    assert message in text
    assert not Service.objects.filter(name="北町ささえ愛隊").exists()
