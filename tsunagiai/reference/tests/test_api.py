"""The reference API: any member reads it; filters are checked; pages are constant in queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tsunagiai.accounts.models import User
from tsunagiai.reference.models import Organisation

BASE = "/api/v1/reference"


@pytest.mark.parametrize("username", ["caseworker_north", "volunteer", "analyst", "auditor", "admin"])
def test_any_member_may_read_the_vocabulary(client, town, username) -> None:
    client.force_login(town.users[username])

    response = client.get(f"{BASE}/taxonomy")

    assert response.status_code == 200
    body = response.json()
    assert {key: value for key, value in body["urgency_levels"][0].items() if key in {"code", "label"}} == {
        "code": "emergency",
        "label": "緊急",
    }
    assert any(term["code"] == "coordination_section" for term in body["agency_types"])


def test_a_user_without_membership_finds_nothing(client, town) -> None:
    client.force_login(User.objects.create_user(username="stranger", password="x" * 16))

    assert client.get(f"{BASE}/taxonomy").status_code == 404
    assert client.get(f"{BASE}/organisations").status_code == 404


def test_signed_out_callers_get_no_reference_data(client, town) -> None:
    response = client.get(f"{BASE}/areas")

    assert response.status_code == 401
    assert b"north-branch" not in response.content


def test_areas_filter_by_level_and_parent(client, town) -> None:
    client.force_login(town.users["caseworker_north"])

    by_level = client.get(f"{BASE}/areas", {"level": "branch_area"}).json()
    by_parent = client.get(f"{BASE}/areas", {"parent": "north-jh"}).json()

    assert [area["code"] for area in by_level] == ["north-branch", "south-branch"]
    assert [(area["code"], area["parent"], area["level"]) for area in by_parent] == [
        ("north-el", "north-jh", "elementary_district")
    ]


def test_unknown_filter_values_are_refused_naming_the_field(client, town) -> None:
    client.force_login(town.users["caseworker_north"])

    with translation.override("ja"):
        bad_level = client.get(f"{BASE}/areas", {"level": "galaxy"})
        bad_type = client.get(f"{BASE}/organisations", {"agency_type": "secret"})
        bad_area = client.get(f"{BASE}/organisations", {"area": "nowhere"})

    assert bad_level.status_code == 422
    assert bad_type.status_code == 422
    assert bad_type.json()["errors"][0]["field"] == "agency_type"
    assert bad_type.json()["errors"][0]["message"].startswith("機関の種別: ")
    assert bad_area.status_code == 422


def test_organisations_are_paginated_and_filtered(client, town) -> None:
    client.force_login(town.users["volunteer"])

    everything = client.get(f"{BASE}/organisations", {"limit": 3}).json()
    branches = client.get(f"{BASE}/organisations", {"agency_type": "branch_office"}).json()
    serving_south = client.get(f"{BASE}/organisations", {"area": "south-na"}).json()

    assert everything["count"] == Organisation.objects.count()
    assert len(everything["items"]) == 3
    assert [item["code"] for item in branches["items"]] == ["branch_north", "branch_south"]
    assert branches["items"][0]["covered_areas"] == ["north-branch"]
    codes = {item["code"] for item in serving_south["items"]}
    assert "branch_south" in codes
    assert "branch_north" not in codes


def test_one_organisation_with_its_children(client, town) -> None:
    client.force_login(town.users["caseworker_north"])
    child = Organisation.objects.create(code="csw-north", name="北CSW", agency_type_id="csw", parent=town.orgs["csw"])

    parent = client.get(f"{BASE}/organisations/{town.orgs['csw'].pk}").json()
    child_body = client.get(f"{BASE}/organisations/{child.pk}").json()

    assert parent["children"] == [{"id": child.pk, "code": "csw-north", "name": "北CSW", "agency_type": "csw"}]
    assert child_body["parent"]["code"] == "csw"
    assert client.get(f"{BASE}/organisations/999999").status_code == 404


def test_the_organisation_list_runs_the_same_number_of_queries_for_one_or_thirty_rows(client, town) -> None:
    client.force_login(town.users["caseworker_north"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{BASE}/organisations", {"agency_type": "npo"}).status_code == 200
        return len(queries)

    Organisation.objects.create(code="npo-0", name="NPO 0", agency_type_id="npo", parent=town.orgs["csw"])
    with_one = count()
    for number in range(1, 30):
        organisation = Organisation.objects.create(
            code=f"npo-{number}", name=f"NPO {number}", agency_type_id="npo", parent=town.orgs["csw"]
        )
        organisation.covered_areas.set([town.areas["north_branch"]])
    with_thirty = count()

    assert with_one == with_thirty


def test_the_openapi_document_describes_the_reference_operations(client, town) -> None:
    client.force_login(town.users["admin"])

    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert {
        f"{BASE}/taxonomy",
        f"{BASE}/areas",
        f"{BASE}/organisations",
        f"{BASE}/organisations/{{organisation_id}}",
    } <= set(paths)
