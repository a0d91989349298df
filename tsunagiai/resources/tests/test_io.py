"""HSDS import/export: a schema-valid export, round trip, idempotency, refusals with path and rule, the examples."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from tsunagiai.audit.models import AuditEvent
from tsunagiai.resources.hsds_io import InvalidHsdsFile, import_document
from tsunagiai.resources.models import Location, Provider, Schedule, Service, ServiceArea, ServiceAtLocation
from tsunagiai.resources.tests.helpers import make_resource

EXAMPLES = Path(settings.BASE_DIR) / "data" / "hsds" / "3.0" / "examples"
MODELS = (Provider, Service, Location, ServiceAtLocation, ServiceArea, Schedule)


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def _export(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp_path / "hsds.json"
    call_command("hsds_export", "--output", str(path), stderr=io.StringIO())
    return path, json.loads(path.read_text(encoding="utf-8"))


def _import(*args: str) -> str:
    out = io.StringIO()
    call_command("hsds_import", *args, stdout=out)
    return out.getvalue()


def test_export_is_an_hsds_document_whose_every_object_validates(town, tmp_path, assert_hsds) -> None:
    make_resource(town)
    make_resource(town, "内部", is_internal=True)
    _path, document = _export(tmp_path)
    assert document["hsds_version"] == "3.0"
    assert len(document["organizations"]) == 2
    for org in document["organizations"]:
        services = org.pop("services")
        assert_hsds("organization", org)
        for service in services:
            assert_hsds("service", service)
    for taxonomy in document["taxonomies"]:
        assert_hsds("taxonomy", taxonomy)
    for term in document["taxonomy_terms"]:
        assert_hsds("taxonomy_term", term)
    assert AuditEvent.objects.filter(action="resources.hsds_export").count() == 1


def test_round_trip_restores_everything_and_a_reimport_changes_nothing(town, tmp_path) -> None:
    service = make_resource(town, category="daily_living")
    make_resource(town, "内部", side="south", is_internal=True)
    path, _document = _export(tmp_path)
    before = _counts()
    Schedule.objects.all().delete()
    ServiceArea.objects.all().delete()
    ServiceAtLocation.objects.all().delete()
    Service.objects.all().delete()
    Location.objects.all().delete()
    Provider.objects.all().delete()

    output = _import(str(path))
    assert "created" in output
    assert _counts() == before
    restored = Service.objects.get(hsds_id=service.hsds_id)
    assert restored.name == service.name and restored.capacity == 10 and restored.places_free == 3
    assert {t.pk for t in restored.categories.all()} == {"daily_living"}
    assert {t.pk for t in restored.service_types.all()} == {"mutual_help"}
    assert restored.service_areas.get().area == town.areas["north_elementary"]
    location = restored.service_at_locations.get().location
    assert (location.prefecture, location.municipality, location.town_block) == (
        "愛知県",
        "豊田市",
        town.blocks["north"],
    )
    assert Service.objects.get(name="内部").is_internal

    versions = list(Service.objects.order_by("pk").values_list("version", flat=True))
    again = _import(str(path))
    assert "nothing changed" in again
    assert list(Service.objects.order_by("pk").values_list("version", flat=True)) == versions
    assert AuditEvent.objects.filter(action="resources.hsds_import").count() == 2


def test_import_updates_by_hsds_id(town, tmp_path) -> None:
    service = make_resource(town)
    path, document = _export(tmp_path)
    document["organizations"][0]["services"][0]["name"] = "北町お助け隊(改称)"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    output = _import(str(path))
    assert "services.updated: 1" in output
    service.refresh_from_db()
    assert service.name == "北町お助け隊(改称)" and service.version == 2
    assert Service.objects.count() == 1


def test_an_invalid_file_is_refused_with_path_and_rule_and_changes_nothing(town, tmp_path) -> None:
    make_resource(town)
    make_resource(town, "二つ目", provider=Provider.objects.get())
    make_resource(town, "三つ目", provider=Provider.objects.get())
    path, document = _export(tmp_path)
    document["organizations"][0]["services"][0]["name"] = "変更されないはず"
    del document["organizations"][0]["services"][2]["name"]
    document["organizations"][0]["services"][1]["status"] = "open"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    before = _counts()
    with pytest.raises(CommandError) as refused:
        _import(str(path))
    message = str(refused.value)
    assert "organizations[0].services[2].name: 'name' is a required property" in message
    assert "organizations[0].services[1].status: 'open' is not one of" in message
    assert _counts() == before
    assert not Service.objects.filter(name="変更されないはず").exists()


def test_refusals_for_non_uuid_ids_wrong_shapes_and_unreadable_files(town, tmp_path) -> None:
    with pytest.raises(InvalidHsdsFile) as refused:
        import_document({"organizations": [{"id": "org-1", "name": "x", "description": "y"}]})
    assert refused.value.errors == ["organizations[0].id: 'org-1' is not a valid UUID"]
    with pytest.raises(InvalidHsdsFile):
        import_document({"organizations": "many"})
    with pytest.raises(InvalidHsdsFile):
        import_document(42)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="is not JSON"):
        _import(str(broken))
    with pytest.raises(CommandError, match="cannot read"):
        _import(str(tmp_path / "missing.json"))


def test_dry_run_counts_but_changes_nothing(town, tmp_path) -> None:
    make_resource(town)
    path, _document = _export(tmp_path)
    Service.objects.update(name="手元で変更")
    output = _import(str(path), "--dry-run")
    assert "dry run, nothing changed" in output
    assert Service.objects.get().name == "手元で変更"
    assert AuditEvent.objects.filter(action="resources.hsds_import", note__contains="dry run").exists()


@pytest.mark.parametrize("name", ["organization_full.json", "service_full.json", "organization_list.json"])
def test_the_official_examples_import_cleanly_and_idempotently(town, name) -> None:
    path = EXAMPLES / name
    if name == "service_full.json":
        _import(str(EXAMPLES / "organization_full.json"))
    first = _import(str(path))
    assert "created" in first or "updated" in first or "unchanged" in first
    assert Provider.objects.filter(name="Example Organization Inc.").exists() or name == "organization_list.json"
    assert "nothing changed" in _import(str(path))


def test_the_official_service_example_keeps_its_fields(town) -> None:
    _import(str(EXAMPLES / "organization_full.json"))
    document = json.loads((EXAMPLES / "service_full.json").read_text(encoding="utf-8"))
    service = Service.objects.get(hsds_id=document["id"])
    assert service.name == document["name"]
    assert service.schedules.count() == len(document["schedules"])
    assert service.provider.name == "Example Organization Inc."
    location = Location.objects.filter(provider=service.provider).first()
    assert location is not None and location.municipality == "MyCity"
