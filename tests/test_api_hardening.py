"""Every /api/ input checked in one place and every /api/ error in the one JSON format.

The control-character and pagination tests are generated from the OpenAPI
documents: every write operation gets NUL, ESC and BEL in every text field of
its body, every operation gets them in every text query parameter, and every
list operation gets out-of-range ``offset``/``limit``/``page`` values.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import DataError, IntegrityError, OperationalError
from django.test import Client

from config.api import api
from config.hsds_api import hsds_api
from tsunagiai.testing import Town

CONTROL_TEXT = "テスト\x00\x1b\x07入力"
WRITE_METHODS = {"post", "put", "patch"}


def _documents() -> list[dict[str, Any]]:
    return [
        json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"))),
        json.loads(json.dumps(hsds_api.get_openapi_schema(path_prefix="/api/hsds/"))),
    ]


def _operations() -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    found = []
    for document in _documents():
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                found.append((method, path, operation, document))
    return found


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for combinator in ("allOf", "anyOf"):
        if combinator in schema:
            options = [_resolve(s, document) for s in schema[combinator] if s.get("type") != "null"]
            if options:
                return options[0]
    return schema


def _sample(schema: dict[str, Any], document: dict[str, Any], path: str, text_paths: list[str]) -> Any:
    """A value of the schema with CONTROL_TEXT in every string (their dotted paths collected)."""
    schema = _resolve(schema, document)
    kind = schema.get("type")
    if "enum" in schema or "const" in schema:
        return schema.get("enum", [schema.get("const")])[0]
    if kind == "object" or "properties" in schema:
        return {
            name: _sample(sub, document, f"{path}.{name}" if path else name, text_paths)
            for name, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [_sample(schema.get("items", {}), document, f"{path}.0", text_paths)]
    if kind == "string":
        if schema.get("format") in {"date", "date-time"}:
            return "2025-04-01"
        text_paths.append(path)
        return CONTROL_TEXT
    if kind in {"integer", "number"}:
        return 1
    if kind == "boolean":
        return False
    return None


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


WRITES = [(m, p, op, doc) for m, p, op, doc in _operations() if m in WRITE_METHODS and "requestBody" in op]
QUERIED = [
    (m, p, op, doc)
    for m, p, op, doc in _operations()
    if any(param["in"] == "query" for param in op.get("parameters", []))
]
PAGED = [
    (m, p, param["name"])
    for m, p, op, _doc in _operations()
    for param in op.get("parameters", [])
    if param["in"] == "query" and param["name"] in {"offset", "limit", "page"}
]


def test_the_generated_lists_cover_the_api() -> None:
    assert len(WRITES) > 20
    assert len(QUERIED) > 10
    assert {p for _m, p, _n in PAGED} >= {"/api/v1/referrals/", "/api/v1/intakes/", "/api/v1/persons"}


@pytest.mark.parametrize(("method", "path", "operation", "document"), WRITES, ids=[f"{m} {p}" for m, p, *_ in WRITES])
def test_control_characters_in_any_text_field_of_a_write_are_refused_naming_the_field(
    client: Client, town: Town, method: str, path: str, operation: dict[str, Any], document: dict[str, Any]
) -> None:
    client.force_login(town.users["coordinator"])
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    text_paths: list[str] = []
    body = _sample(schema, document, "", text_paths)
    response = getattr(client, method)(_url(path), json.dumps(body), content_type="application/json")
    assert response.status_code == 422 if text_paths else response.status_code < 500
    assert response["Content-Type"].startswith("application/json")
    if text_paths:
        fields = {error["field"] for error in response.json()["errors"]}
        assert fields == set(text_paths)
        assert all("制御文字" in error["message"] for error in response.json()["errors"])


@pytest.mark.parametrize(("method", "path", "operation", "document"), QUERIED, ids=[f"{m} {p}" for m, p, *_ in QUERIED])
def test_control_characters_in_any_query_parameter_are_refused_naming_it(
    client: Client, town: Town, method: str, path: str, operation: dict[str, Any], document: dict[str, Any]
) -> None:
    client.force_login(town.users["coordinator"])
    names = [param["name"] for param in operation["parameters"] if param["in"] == "query"]
    response = getattr(client, method)(_url(path) + "?" + "&".join(f"{n}=a%00%1b%07" for n in names))
    assert response.status_code == 422
    assert {error["field"] for error in response.json()["errors"]} == set(names)


@pytest.mark.parametrize(("method", "path", "name"), PAGED, ids=[f"{m} {p} {n}" for m, p, n in PAGED])
def test_out_of_range_pagination_answers_422_in_json(
    client: Client, town: Town, method: str, path: str, name: str
) -> None:
    client.force_login(town.users["coordinator"])
    for value in ("99999999999999999999", "2147483648", "-1", "-99999999999999999999", "abc", "1e999", "1" * 5000):
        response = getattr(client, method)(f"{_url(path)}?{name}={value}")
        assert response.status_code == 422, (value, response.content)
        assert response.json()["errors"][0]["field"].endswith(name)


def test_pagination_within_range_still_works(client: Client, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    assert client.get("/api/v1/referrals/?offset=2147483647&limit=5").json()["items"] == []


def _assert_json_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body: dict[str, Any] = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert "Traceback" not in response.content.decode()
    return body


def test_an_unknown_api_path_answers_json_404(client: Client, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    _assert_json_error(client.get("/api/v1/no-such-thing"), 404)
    _assert_json_error(client.get("/api/no-such-api/"), 404)
    _assert_json_error(client.get("/api/v1/persons/%00"), 404)


def test_a_wrong_method_answers_json_405_with_allow(client: Client, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    response = client.delete("/api/v1/intakes/")
    _assert_json_error(response, 405)


def test_an_oversized_body_answers_json_413(client: Client, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    body = json.dumps({"family_name": "x" * (10 * 1024 * 1024)})
    _assert_json_error(client.post("/api/v1/persons", body, content_type="application/json"), 413)


@pytest.mark.parametrize(
    ("exception", "status"),
    [
        (OperationalError("server closed the connection unexpectedly"), 503),
        (IntegrityError("duplicate key value violates unique constraint"), 409),
        (DataError("value out of range"), 422),
        (RuntimeError("secret internal detail"), 500),
    ],
)
def test_faults_inside_an_operation_answer_json(
    client: Client, town: Town, monkeypatch: Any, exception: Exception, status: int
) -> None:
    from tsunagiai.people import api as people_api

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise exception

    monkeypatch.setattr(people_api, "do_create_person", fail)
    client.raise_request_exception = False
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        "/api/v1/persons",
        {"family_name": "北山", "given_name": "公子", "family_name_kana": "キタヤマ", "birth_date": "1950-01-01"},
        content_type="application/json",
    )
    body = _assert_json_error(response, status)
    assert "secret internal detail" not in json.dumps(body)
    if status == 503:
        assert response["Retry-After"].isdigit()


def test_api_answers_are_not_cached(client: Client, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    for url in ("/api/v1/persons", "/api/v1/no-such-thing"):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"]
        assert response["Pragma"] == "no-cache"
    assert "no-store" in Client().get("/api/v1/persons")["Cache-Control"]
