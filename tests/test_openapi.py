"""The API describes itself: an OpenAPI 3 document generated from the code."""

from __future__ import annotations


def test_openapi_document_lists_every_part_of_the_api(client, db) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = set(document["paths"])
    for expected in (
        "/api/v1/persons",
        "/api/v1/persons/{person_id}",
        "/api/v1/households/{household_id}",
        "/api/v1/intakes/",
        "/api/v1/intakes/{intake_id}",
        "/api/v1/reference/taxonomy",
        "/api/v1/reference/organisations",
    ):
        assert expected in paths, f"{expected} missing from {sorted(paths)}"


def test_every_operation_requires_authentication(client, db) -> None:
    document = client.get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("security"), f"{method.upper()} {path} declares no authentication"
