"""The directory pages: who may open them, filters, pagination and query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tsunagiai.reference.models import Organisation

STAFF = ["intake_north", "caseworker_north", "coordinator", "supervisor_north", "fire_crew", "admin"]
NOT_STAFF = ["volunteer", "analyst", "auditor"]


@pytest.mark.parametrize("username", STAFF)
def test_staff_and_administrators_can_open_every_directory_page(client, town, username) -> None:
    client.force_login(town.users[username])

    for url in (
        reverse("reference:index"),
        reverse("reference:organisation_detail", args=[town.orgs["csw"].pk]),
        reverse("reference:area_tree"),
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("username", NOT_STAFF)
def test_volunteers_analysts_and_auditors_find_no_directory(client, town, username) -> None:
    client.force_login(town.users[username])

    for url in (
        reverse("reference:index"),
        reverse("reference:organisation_detail", args=[town.orgs["csw"].pk]),
        reverse("reference:area_tree"),
    ):
        assert client.get(url).status_code == 404, url


def test_the_directory_filters_by_agency_type(client, town) -> None:
    client.force_login(town.users["caseworker_north"])

    response = client.get(reverse("reference:index"), {"agency_type": "branch_office"})

    assert list(response.context["page"].object_list) == [town.orgs["branch_north"], town.orgs["branch_south"]]


def test_filtering_by_an_area_shows_who_serves_it_including_from_the_areas_above(client, town) -> None:
    client.force_login(town.users["caseworker_north"])

    response = client.get(reverse("reference:index"), {"area": "north-el"})

    shown = set(response.context["page"].object_list)
    assert {town.orgs["branch_north"], town.orgs["elderly_north"], town.orgs["csw"]} <= shown
    assert town.orgs["branch_south"] not in shown


def test_an_unknown_filter_value_is_explained_not_a_server_error(client, town) -> None:
    client.force_login(town.users["caseworker_north"])

    response = client.get(reverse("reference:index"), {"agency_type": "<script>", "page": "x"})

    assert response.status_code == 200
    assert response.context["form"].errors["agency_type"]
    assert 'aria-describedby="id_agency_type-errors"' in response.content.decode()
    assert response.context["page"].paginator.count == Organisation.objects.filter(active=True).count()


def test_an_htmx_filter_request_gets_only_the_results(client, town) -> None:
    client.force_login(town.users["caseworker_north"])

    response = client.get(reverse("reference:index"), {"agency_type": "csw"}, headers={"HX-Request": "true"})

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results">')
    assert "<html" not in body
    assert "社会福祉協議会" in body


def _add_organisations(town, count: int) -> None:
    for number in range(count):
        organisation = Organisation.objects.create(
            code=f"extra-{number}", name=f"追加機関{number}", agency_type_id="npo", parent=town.orgs["csw"]
        )
        organisation.covered_areas.set([town.areas["north_branch"], town.areas["north_elementary"]])


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_directory_runs_the_same_number_of_queries_for_one_or_thirty_rows(client, town) -> None:
    client.force_login(town.users["caseworker_north"])
    url = reverse("reference:index") + "?agency_type=npo"

    _add_organisations(town, 1)
    with_one = _count_queries(client, url)
    Organisation.objects.filter(code="extra-0").delete()
    _add_organisations(town, 30)
    with_thirty = _count_queries(client, url)

    assert with_one == with_thirty


def test_the_directory_is_paginated(client, town) -> None:
    client.force_login(town.users["caseworker_north"])
    _add_organisations(town, 60)

    first = client.get(reverse("reference:index"), {"agency_type": "npo"})
    second = client.get(reverse("reference:index"), {"agency_type": "npo", "page": 2})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 10
    assert "?agency_type=npo&amp;page=2" in first.content.decode()


def test_an_organisation_page_shows_its_parent_children_and_covered_areas(client, town) -> None:
    client.force_login(town.users["caseworker_north"])
    child = Organisation.objects.create(code="csw-north", name="北CSW", agency_type_id="csw", parent=town.orgs["csw"])

    response = client.get(reverse("reference:organisation_detail", args=[town.orgs["csw"].pk]))
    child_page = client.get(reverse("reference:organisation_detail", args=[child.pk]))

    assert "北CSW" in response.content.decode()
    assert "北地区" in response.content.decode()
    assert "社会福祉協議会" in child_page.content.decode()


def test_an_inactive_or_missing_organisation_is_not_found(client, town) -> None:
    client.force_login(town.users["caseworker_north"])
    Organisation.objects.filter(pk=town.orgs["fire"].pk).update(active=False)

    assert client.get(reverse("reference:organisation_detail", args=[town.orgs["fire"].pk])).status_code == 404
    assert client.get(reverse("reference:organisation_detail", args=[999999])).status_code == 404


def test_the_area_tree_nests_branch_junior_high_elementary_and_association(client, town) -> None:
    client.force_login(town.users["caseworker_north"])

    response = client.get(reverse("reference:area_tree"))

    roots = response.context["roots"]
    assert [node.area.code for node in roots] == ["north-branch", "south-branch"]
    junior = roots[0].children[0]
    assert junior.area.code == "north-jh"
    assert junior.children[0].children[0].area.code == "north-na"
    assert "北町自治区" in response.content.decode()
