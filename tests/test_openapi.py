"""The API describes itself: an OpenAPI 3 document generated from the code."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from tsunagiai.core.api import _colliding_schema_names


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


def _document(client: Any, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


@pytest.mark.parametrize("url", ["/api/v1/openapi.json", "/api/hsds/openapi.json"])
def test_openapi_documents_pass_the_spec_validator(client: Any, db: Any, url: str) -> None:
    validate(_document(client, url))


def test_the_bearer_scheme_is_an_http_scheme_without_in_or_name(client: Any, db: Any) -> None:
    scheme = _document(client, "/api/v1/openapi.json")["components"]["securitySchemes"]["BearerTokenAuth"]
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    assert "in" not in scheme and "name" not in scheme


def test_schemas_that_share_a_class_name_get_one_component_each(client: Any, db: Any) -> None:
    document = _document(client, "/api/v1/openapi.json")
    schemas = document["components"]["schemas"]
    colliding = _colliding_schema_names()
    assert {"TransitionIn", "PatternOut", "ErrorOut"} <= colliding
    assert colliding.isdisjoint(schemas), "a shared class name documents only one of its classes"

    def body_schema(path: str) -> dict[str, Any]:
        operation = document["paths"][path]["post"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        schema: dict[str, Any] = schemas[ref.rsplit("/", 1)[-1]]
        return schema

    referral = body_schema("/api/v1/referrals/{referral_id}/transitions")
    participation = body_schema("/api/v1/community/participations/{participation_id}/transition")
    assert "outcome_code" in referral["properties"]
    assert "stop_reason" in participation["properties"]
    assert participation["properties"]["to"]["enum"] == ["tried", "continuing", "stopped"]
