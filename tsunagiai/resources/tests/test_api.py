"""The public HSDS 3.0 API: paging, filters, 404/422, public vs staff-only, schema validity of every object."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from tsunagiai.accounts.models import ApiToken
from tsunagiai.resources import hsds
from tsunagiai.resources.models import Service
from tsunagiai.resources.tests.helpers import make_resource

PAGE_KEYS = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"}


def _page(client: Client, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    assert set(body) >= PAGE_KEYS
    return body


@pytest.fixture
def resources(town):
    public = make_resource(town, "北町お助け隊", category="daily_living")
    salon = make_resource(town, "南ふれあいサロン", side="south", service_type="salon", target_group="all_ages")
    internal = make_resource(town, "緊急食料(職員経由)", service_type="food_support", is_internal=True)
    return {"public": public, "salon": salon, "internal": internal}


def test_api_info_names_version_and_profile(client, db) -> None:
    body = client.get("/api/hsds/").json()
    assert body["version"] == "3.0"
    assert body["profile"] == hsds.PROFILE


def test_every_object_of_every_endpoint_validates_against_the_official_schemas(client, resources, assert_hsds) -> None:
    for url in ("/api/hsds/services", "/api/hsds/services?full=true", "/api/hsds/services?minimal=true"):
        for item in _page(client, url)["contents"]:
            assert_hsds("service", item)
    for url in ("/api/hsds/organizations", "/api/hsds/organizations?full=true"):
        for item in _page(client, url)["contents"]:
            assert_hsds("organization", item)
            for service in item.get("services", []):
                assert_hsds("service", service)
    for url in ("/api/hsds/service_at_locations", "/api/hsds/service_at_locations?full=true"):
        for item in _page(client, url)["contents"]:
            assert_hsds("service_at_location", item)
    for item in _page(client, "/api/hsds/taxonomies")["contents"]:
        assert_hsds("taxonomy", item)
    for item in _page(client, "/api/hsds/taxonomy_terms?per_page=200")["contents"]:
        assert_hsds("taxonomy_term", item)
    service = resources["public"]
    assert_hsds("service", client.get(f"/api/hsds/services/{service.hsds_id}").json())
    assert_hsds("organization", client.get(f"/api/hsds/organizations/{service.provider.hsds_id}").json())
    sal = service.service_at_locations.get()
    assert_hsds("service_at_location", client.get(f"/api/hsds/service_at_locations/{sal.hsds_id}").json())


def test_a_service_is_published_with_its_japanese_address_schedules_areas_and_terms(client, resources) -> None:
    service = resources["public"]
    body = client.get(f"/api/hsds/services/{service.hsds_id}").json()
    assert body["id"] == str(service.hsds_id)
    address = body["service_at_locations"][0]["location"]["addresses"][0]
    assert (address["state_province"], address["city"], address["country"], address["address_type"]) == (
        "愛知県",
        "豊田市",
        "JP",
        "physical",
    )
    assert {s["description"] for s in body["schedules"]} == {"毎週月・水 10:00〜12:00", "第1土曜"}
    assert body["schedules"][0]["opens_at"].endswith("+09:00")
    assert body["service_areas"][0]["name"] == "北小学校区"
    codes = {a["taxonomy_term"]["code"] for a in body["attributes"] if "taxonomy_term" in a}
    assert {"mutual_help", "elderly", "daily_living"} <= codes
    assert body["organization"]["id"] == str(service.provider.hsds_id)


def test_staff_only_resources_never_appear_in_public_responses(client, resources) -> None:
    internal = resources["internal"]
    names = {s["name"] for s in _page(client, "/api/hsds/services?per_page=200")["contents"]}
    assert names == {"北町お助け隊", "南ふれあいサロン"}
    assert client.get(f"/api/hsds/services/{internal.hsds_id}").status_code == 404
    sal = internal.service_at_locations.get()
    assert client.get(f"/api/hsds/service_at_locations/{sal.hsds_id}").status_code == 404
    # Its provider offers nothing public: not published either.
    assert client.get(f"/api/hsds/organizations/{internal.provider.hsds_id}").status_code == 404
    orgs = _page(client, "/api/hsds/organizations?full=true")["contents"]
    assert internal.provider.name not in {o["name"] for o in orgs}
    sals = _page(client, "/api/hsds/service_at_locations")["contents"]
    assert str(internal.hsds_id) not in {s["service_id"] for s in sals}


def test_signed_in_staff_see_staff_only_resources_by_session_or_token(client, town, resources) -> None:
    internal = resources["internal"]
    client.force_login(town.users["caseworker_north"])
    assert client.get(f"/api/hsds/services/{internal.hsds_id}").status_code == 200
    assert _page(client, "/api/hsds/services")["total_items"] == 3
    client.logout()
    secret = ApiToken.new_secret()
    ApiToken.objects.create(user=town.users["caseworker_south"], name="test", key_hash=ApiToken.hash_key(secret))
    response = client.get(f"/api/hsds/services/{internal.hsds_id}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert (
        client.get(f"/api/hsds/services/{internal.hsds_id}", HTTP_AUTHORIZATION="Bearer tsg_wrong").status_code == 404
    )


def test_volunteers_do_not_see_staff_only_resources(client, town, resources) -> None:
    client.force_login(town.users["volunteer"])
    assert client.get(f"/api/hsds/services/{resources['internal'].hsds_id}").status_code == 404
    assert _page(client, "/api/hsds/services")["total_items"] == 2


def test_paging_fields(client, town) -> None:
    for i in range(5):
        make_resource(town, f"サロン{i}")
    first = _page(client, "/api/hsds/services?per_page=2")
    assert (first["total_items"], first["total_pages"], first["page_number"], first["size"]) == (5, 3, 1, 2)
    assert first["first_page"] and not first["last_page"] and not first["empty"]
    last = _page(client, "/api/hsds/services?per_page=2&page=3")
    assert last["size"] == 1 and last["last_page"] and not last["first_page"]
    beyond = _page(client, "/api/hsds/services?per_page=2&page=9")
    assert beyond["contents"] == [] and beyond["size"] == 0


def test_empty_result_says_so(client, db) -> None:
    body = _page(client, "/api/hsds/services")
    assert body["empty"] and body["total_items"] == 0 and body["total_pages"] == 1


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "page=abc",
        "per_page=0",
        "per_page=1000",
        "per_page=x",
        "modified_after=yesterday",
        "taxonomy_term_id=not-a-uuid",
        "organization_id=42",
        "format=xml",
    ],
)
def test_bad_paging_and_filters_answer_422_naming_the_field(client, db, query) -> None:
    response = client.get(f"/api/hsds/services?{query}")
    assert response.status_code == 422
    field = query.split("=")[0]
    assert any(e["field"] == field for e in response.json()["errors"])


def test_unknown_ids_answer_404(client, db) -> None:
    unknown = uuid.uuid4()
    for path in ("services", "organizations", "service_at_locations", "taxonomies", "taxonomy_terms"):
        assert client.get(f"/api/hsds/{path}/{unknown}").status_code == 404
        assert client.get(f"/api/hsds/{path}/not-a-uuid").status_code == 404


def test_filters_search_organization_taxonomy_and_modified_after(client, resources) -> None:
    public, salon = resources["public"], resources["salon"]

    def names(query: str) -> set[str]:
        return {s["name"] for s in _page(client, f"/api/hsds/services?{query}")["contents"]}

    assert names("search=サロン") == {"南ふれあいサロン"}
    assert names(f"organization_id={public.provider.hsds_id}") == {"北町お助け隊"}
    service_types = hsds.VOCABULARIES[0]
    assert names(f"taxonomy_term_id={service_types.term_id('salon')}") == {"南ふれあいサロン"}
    assert names(f"taxonomy_id={service_types.id}") == {"北町お助け隊", "南ふれあいサロン"}
    assert names(f"taxonomy_term_id={uuid.uuid4()}") == set()
    Service.objects.filter(pk=salon.pk).update(updated_at="2030-01-01T00:00:00Z")
    assert names("modified_after=2029-12-31T00:00:00%2B09:00") == {"南ふれあいサロン"}
    minimal = _page(client, "/api/hsds/services?minimal=true")["contents"]
    assert all(
        set(item)
        <= {
            "id",
            "organization_id",
            "name",
            "description",
            "status",
            "last_modified",
            "fees_description",
            "email",
            "application_process",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
        }
        for item in minimal
    )


def test_resource_types_and_target_groups_are_published_as_taxonomies(client, town) -> None:
    taxonomies = _page(client, "/api/hsds/taxonomies")["contents"]
    names = {t["name"] for t in taxonomies}
    assert {"tsunagiai-resource-service-types", "tsunagiai-target-groups"} <= names
    service_types = hsds.VOCABULARIES[0]
    terms = _page(client, f"/api/hsds/taxonomy_terms?taxonomy_id={service_types.id}&per_page=200")["contents"]
    assert "mutual_help" in {t["code"] for t in terms}
    assert all(t["taxonomy_id"] == service_types.id for t in terms)
    one = client.get(f"/api/hsds/taxonomy_terms/{service_types.term_id('mutual_help')}").json()
    assert one["name"] == "お助け隊・生活支援"
    assert client.get(f"/api/hsds/taxonomies/{service_types.id}").json()["name"] == "tsunagiai-resource-service-types"


def test_list_query_count_does_not_grow_with_rows(client, town, django_assert_max_num_queries) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_resource(town, "最初")

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = [
        "/api/hsds/services?per_page=50",
        "/api/hsds/organizations?full=true&per_page=50",
        "/api/hsds/service_at_locations?per_page=50",
    ]
    one = [count(u) for u in urls]
    for i in range(29):
        make_resource(town, f"資源{i}")
    assert [count(u) for u in urls] == one


def test_every_hsds_operation_is_declared_public_and_gated(client, db) -> None:
    from config.hsds_api import hsds_api

    document = client.get("/api/hsds/openapi.json").json()
    rules = {path: op.get("x-access-rule") for path, ops in document["paths"].items() for op in ops.values()}
    assert "/api/hsds/services/{id}" in rules
    assert set(rules.values()) == {"public"}
    operations = [
        op for _p, router in hsds_api._routers for pv in router.path_operations.values() for op in pv.operations
    ]
    assert operations and all(getattr(op.view_func, "__wrapped__", None) for op in operations)
