"""Disclosure (開示請求): everything held about one person, in Japanese, audited; the coordination section only."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tsunagiai.audit.actions import record_read
from tsunagiai.audit.models import AuditEvent
from tsunagiai.consent.models import Consent
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.people.models import Person
from tsunagiai.referrals.tests.helpers import send
from tsunagiai.testing import Town


@pytest.fixture
def person(town: Town) -> Person:
    person = make_person(town, family_name="開示野", given_name="一郎", phone="0565-12-3456")
    intake = make_intake(town, person=person, is_anonymous=False, concern="年金の手続きが分からない")
    send(town, intake=intake, sharing_basis="life_and_safety")
    record_read(town.users["caseworker_north"], person)
    return person


def sections(document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {section["key"]: section["records"] for section in document["sections"]}


def values(record: dict[str, Any]) -> dict[str, Any]:
    return {field["label"]: field["value"] for field in record["fields"]}


def test_the_command_writes_every_section_with_japanese_labels_and_audits_it(
    town: Town, person: Person, tmp_path: Path
) -> None:
    output = tmp_path / "disclosure.json"
    call_command("person_disclosure", "--person", str(person.pk), "--output", str(output), stderr=StringIO())

    document = json.loads(output.read_text(encoding="utf-8"))
    found = sections(document)
    assert values(found["person"][0])["氏"] == "開示野"
    assert values(found["person"][0])["電話番号"] == "0565-12-3456"
    assert any("年金の手続き" in str(values(r)) for r in found["intakes"])
    assert len(found["referrals"]) == 1
    assert {"consents", "cases", "assessments", "support_records", "conferences", "help_requests"} <= set(found)
    actions = {values(r)["操作"] for r in found["audit_events"]}
    assert "person.viewed" in actions
    event = AuditEvent.objects.get(action="person.disclosed")
    assert event.person_id == person.pk and event.actor is None
    assert event.changes["sections"]["intakes"] == 1
    assert output.stat().st_mode & 0o077 == 0  # readable by its owner only


def test_the_html_format_is_printable_and_holds_the_same_records(town: Town, person: Person, tmp_path: Path) -> None:
    output = tmp_path / "disclosure.html"
    call_command(
        "person_disclosure", "--person", str(person.pk), "--output", str(output), "--format", "html", stderr=StringIO()
    )
    html = output.read_text(encoding="utf-8")
    assert "開示野 一郎" in html and "年金の手続きが分からない" in html
    assert '<th scope="row">氏</th>' in html
    assert "開示野 一郎さんについて保有する個人情報" in html


def test_an_unknown_person_is_a_clean_refusal(db: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no person with id 999999"):
        call_command("person_disclosure", "--person", "999999", "--output", str(tmp_path / "x.json"))


def test_the_page_downloads_it_for_the_coordination_section_and_audits_who(
    client: Any, town: Town, person: Person
) -> None:
    Consent.objects.filter(person=person).delete()
    client.force_login(town.users["coordinator"])

    response = client.post(f"/privacy/people/{person.pk}/disclose/", {"format": "json"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(f'attachment; filename="disclosure-person-{person.pk}-')
    document = json.loads(response.content)
    assert document["person_id"] == person.pk
    event = AuditEvent.objects.get(action="person.disclosed")
    assert event.actor == town.users["coordinator"] and event.person_id == person.pk


def test_a_bad_format_is_refused_without_a_download(client: Any, town: Town, person: Person) -> None:
    client.force_login(town.users["coordinator"])
    response = client.post(f"/privacy/people/{person.pk}/disclose/", {"format": "pdf"})
    assert response.status_code == 422
    assert not AuditEvent.objects.filter(action="person.disclosed").exists()
