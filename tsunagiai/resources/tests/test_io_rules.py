"""HSDS import refuses what the schemas let through — bad days, times and ages, NUL, runaway nesting —
naming the JSON path; the export and the API never republish such a value already stored."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tsunagiai.resources.hsds_io import InvalidHsdsFile, export_document, import_document
from tsunagiai.resources.models import Schedule, Service
from tsunagiai.resources.tests.helpers import make_resource

SCHEDULE = "organizations[0].services[0].schedules[0]"
SERVICE = "organizations[0].services[0]"


@pytest.fixture
def document(town) -> dict[str, Any]:
    """A valid export of one resource (then deleted, so that importing it creates everything again)."""
    make_resource(town)
    exported = export_document()
    Service.objects.all().delete()
    return exported


def refusals(document: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidHsdsFile) as refused:
        import_document(document)
    assert not Service.objects.exists()
    return refused.value.errors


def with_schedule(document: dict[str, Any], **fields: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["organizations"][0]["services"][0]["schedules"][0].update(fields)
    return changed


def with_service(document: dict[str, Any], **fields: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["organizations"][0]["services"][0].update(fields)
    return changed


def test_the_fixture_document_itself_imports(document) -> None:
    import_document(document)
    assert Service.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"byday": "XX,??"}, f"{SCHEDULE}.byday: 'XX,??' is not an RFC 5545 BYDAY list"),
        ({"byday": "1MO", "freq": "WEEKLY"}, f"{SCHEDULE}.byday: '1MO': a numbered day (1MO) needs freq MONTHLY"),
        ({"byday": "MO,MO"}, f"{SCHEDULE}.byday: 'MO,MO': MO is given twice"),
        ({"byday": "6FR", "freq": "MONTHLY"}, f"{SCHEDULE}.byday: '6FR' is not an RFC 5545 BYDAY list"),
        ({"opens_at": "25:99"}, f"{SCHEDULE}.opens_at: '25:99' is not a time between 00:00 and 24:00"),
        ({"closes_at": "12:60+09:00"}, f"{SCHEDULE}.closes_at: '12:60+09:00' is not a time"),
        ({"opens_at": "24:00", "closes_at": None}, f"{SCHEDULE}.opens_at: a service cannot open at 24:00"),
        ({"opens_at": "13:00", "closes_at": "09:00"}, f"{SCHEDULE}.closes_at: '09:00' is not later than opens_at"),
    ],
)
def test_a_schedule_breaking_the_rules_is_refused_with_its_path(document, fields, expected) -> None:
    errors = refusals(with_schedule(document, **{k: v for k, v in fields.items() if v is not None}))
    assert any(error.startswith(expected) for error in errors), errors


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"minimum_age": -5}, f"{SERVICE}.minimum_age: -5 is not an age from 0 to 120"),
        ({"maximum_age": 500}, f"{SERVICE}.maximum_age: 500 is not an age from 0 to 120"),
        ({"minimum_age": 12.5}, f"{SERVICE}.minimum_age: 12.5 is not a whole number of years"),
        ({"minimum_age": 65, "maximum_age": 18}, f"{SERVICE}.maximum_age: 18 is lower than minimum_age 65"),
    ],
)
def test_ages_breaking_the_rules_are_refused_with_their_path(document, fields, expected) -> None:
    assert expected in refusals(with_service(document, **fields))


def test_valid_days_times_and_ages_are_kept_exactly(document) -> None:
    changed = with_schedule(document, freq="MONTHLY", byday="1MO,-1FR", opens_at="09:30:00+09:00", closes_at="24:00")
    import_document(with_service(changed, minimum_age=0, maximum_age=120))
    service = Service.objects.get()
    schedule = service.schedules.get(freq="MONTHLY", byday="1MO,-1FR")
    assert (schedule.opens_at, schedule.closes_at) == (dt.time(9, 30), dt.time(23, 59, 59))
    assert (service.minimum_age, service.maximum_age) == (0, 120)


def test_a_nul_character_anywhere_is_refused_with_its_path(document) -> None:
    changed = with_service(document, name="お助け\x00隊")
    changed["organizations"][0]["locations"][0]["description"] = "段差\x07なし"
    errors = refusals(changed)
    assert f"{SERVICE}.name: contains a NUL character" in errors
    assert "organizations[0].locations[0].description: contains a control character" in errors


def test_a_document_nested_too_deeply_is_refused_with_its_path(db) -> None:
    deep: Any = "x"
    for _ in range(40):
        deep = {"a": deep}
    errors = refusals({"organizations": [{"name": "x", "description": deep}]})
    assert errors == ["organizations[0].description" + ".a" * 30 + ": nested deeper than 32 levels"]


def _import_file(path: Path) -> str:
    with pytest.raises(CommandError) as refused:
        call_command("hsds_import", str(path), stdout=io.StringIO())
    return str(refused.value)


def test_the_command_refuses_json_nested_a_hundred_thousand_deep_without_a_traceback(db, tmp_path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert "nested far too deeply" in _import_file(path)


def test_the_command_refuses_an_escaped_nul_with_its_path(document, tmp_path) -> None:
    path = tmp_path / "nul.json"
    path.write_text(json.dumps(with_service(document, name="お助け\x00隊")), encoding="utf-8")
    assert f"{SERVICE}.name: contains a NUL character" in _import_file(path)
    assert not Service.objects.exists()


# --- values stored before the rules are withheld, never republished ----------------------------


def test_export_and_api_withhold_invalid_values_already_stored_and_the_export_names_them(
    town, tmp_path, client, assert_hsds
) -> None:
    service = make_resource(town, minimum_age=65, maximum_age=18)
    Schedule.objects.filter(service=service, freq="WEEKLY").update(byday="XX,??", closes_at=dt.time(9))
    path = tmp_path / "out.json"
    errors = io.StringIO()

    call_command("hsds_export", "--output", str(path), stderr=errors)

    published = json.loads(path.read_text(encoding="utf-8"))["organizations"][0]["services"][0]
    weekly = next(s for s in published["schedules"] if s["freq"] == "WEEKLY")
    assert "byday" not in weekly and "closes_at" not in weekly
    assert "minimum_age" not in published and "maximum_age" not in published
    assert "byday withheld: 'XX,??' is not an RFC 5545 BYDAY list" in errors.getvalue()
    assert "minimum_age and maximum_age withheld" in errors.getvalue()
    api = client.get(f"/api/hsds/services/{service.hsds_id}").json()
    assert "XX,??" not in json.dumps(api) and "minimum_age" not in api
    assert_hsds("service", api)


def test_the_edit_form_refuses_the_same_ages(client, town) -> None:
    from tsunagiai.resources.tests.test_pages import _form

    make_resource(town)
    client.force_login(town.users["coordinator"])
    changes: dict[str, str]
    for changes in ({"minimum_age": "-5"}, {"maximum_age": "121"}, {"minimum_age": "65", "maximum_age": "18"}):
        response = client.post("/resources/new/", _form(town, None, **changes))
        assert response.status_code == 200
        assert set(response.context["form"].errors) & {"minimum_age", "maximum_age"}, changes
    assert not Service.objects.filter(name="北町ささえ愛隊").exists()
