"""The stored suggestion keeps why: the situations that held, the calibrated probability, 「緊急の可能性」.

Shown later on the intake page as the live panel showed them, and given by
GET /api/v1/triage/intakes/{id}.
"""

from __future__ import annotations

import dataclasses

import pytest
from django.urls import reverse

from tsunagiai.audit.models import AuditEvent
from tsunagiai.intake.tests.helpers import make_intake
from tsunagiai.triage import engine
from tsunagiai.triage.models import TriageSuggestion
from tsunagiai.triage.result import Situation, Span
from tsunagiai.triage.tests.fakes import CONCERN, fixed_engine, fixed_result  # noqa: F401

# dementia_danger_alone (data/triage/lexicon.yaml): all three facts in one note.
SITUATED_NOTE = "母は認知症の診断あり。日中は一人で過ごしている。先週も鍋を焦がして煙が出ていた。"
NEGATED = "一人暮らしの男性。インターホンを押しても応答がないが、電気がつきっぱなしということはない。"


def _situated(text: str, **kwargs: object):
    """The fixed suggestion, raised to emergency by one situation, with a second one negated."""
    at = text.find("認知症")
    held = Situation("認知機能の低下と危険", "emergency", [Span(at, at + 3, "認知症", "emergency")])
    negated = Situation("一人暮らしで応答なし", "emergency", [Span(0, 2, text[:2], "emergency")], negated=True)
    return dataclasses.replace(
        fixed_result(text), urgency="emergency", situations=[held, negated], emergency_probability=0.83
    )


def _unsure(text: str, **kwargs: object):
    return dataclasses.replace(
        fixed_result(text), urgency="normal", emergency_probability=0.31, possible_emergency=True
    )


def _api(client, town, intake_id, user="caseworker_north"):
    client.force_login(town.users[user])
    return client.get(f"/api/v1/triage/intakes/{intake_id}")


def test_a_note_that_triggers_a_situation_rule_stores_the_situation_and_the_probability(town):
    """The real engine and lexicon: nothing faked between the note and the stored row."""
    intake = make_intake(town, concern=SITUATED_NOTE)
    stored = TriageSuggestion.objects.get(intake=intake)
    result = engine.triage(SITUATED_NOTE)
    assert result.situations, "the lexicon's dementia_danger_alone rule should hold on this note"
    assert stored.situations == result.situation_records()
    held = [s for s in stored.situations if not s["negated"]]
    assert held and all(s["name"] and s["level"] in {"emergency", "high"} for s in held)
    assert {f["text"] for s in held for f in s["facts"]} and all(
        SITUATED_NOTE[f["start"] : f["end"]] == f["text"] for s in held for f in s["facts"]
    )
    assert stored.emergency_probability == result.emergency_probability
    assert stored.possible_emergency is result.possible_emergency
    assert stored.suggested_urgency == result.urgency


def test_a_negated_situation_is_stored_as_negated(town):
    intake = make_intake(town, concern=NEGATED)
    stored = TriageSuggestion.objects.get(intake=intake)
    assert stored.situations == engine.triage(NEGATED).situation_records()
    assert stored.situations and all(s["negated"] for s in stored.situations)


def test_the_intake_page_shows_the_stored_situations_and_how_sure(client, town, monkeypatch):
    monkeypatch.setattr(engine, "triage", _situated)
    intake = make_intake(town, concern=CONCERN)
    monkeypatch.setattr(engine, "triage", fixed_result)  # what the engine says now must not matter
    client.force_login(town.users["caseworker_north"])
    html = client.get(reverse("intake:detail", args=[intake.pk])).content.decode()
    assert "状況「認知機能の低下と危険」により「緊急」に引き上げ：「認知症」" in html
    assert "一人暮らしで応答なし" in html and "数えていません" in html
    assert "確からしさ：83%（緊急である確率・較正済み：83%）" in html


def test_the_intake_page_shows_a_stored_possible_emergency_not_normal(client, town, monkeypatch):
    monkeypatch.setattr(engine, "triage", _unsure)
    intake = make_intake(town, concern=CONCERN)
    client.force_login(town.users["caseworker_north"])
    html = client.get(reverse("intake:detail", args=[intake.pk])).content.decode()
    assert '<span class="pill urgent">緊急の可能性 — 確認してください</span>' in html
    assert "確からしさ：69%（緊急である確率・較正済み：31%）" in html


def test_a_row_stored_before_shows_no_reason_and_no_probability(client, town, monkeypatch):
    monkeypatch.setattr(engine, "triage", fixed_result)
    intake = make_intake(town, concern=CONCERN)
    # What the migration leaves on rows stored before the fields existed.
    TriageSuggestion.objects.filter(intake=intake).update(situations=[], emergency_probability=None)
    client.force_login(town.users["caseworker_north"])
    html = client.get(reverse("intake:detail", args=[intake.pk])).content.decode()
    assert "振り分けの提案と職員の選択" in html
    assert "確からしさ" not in html and "状況「" not in html and "緊急の可能性" not in html
    body = _api(client, town, intake.pk).json()
    assert body["situations"] == [] and body["emergency_probability"] is None and body["possible_emergency"] is False


def test_the_api_gives_the_stored_suggestion_with_its_situations_and_probability(client, town, monkeypatch):
    monkeypatch.setattr(engine, "triage", _situated)
    intake = make_intake(town, concern=CONCERN)
    monkeypatch.setattr(engine, "triage", fixed_result)
    response = _api(client, town, intake.pk)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["intake_id"] == intake.pk
    assert body["urgency"] == "emergency"
    assert body["situations"] == [
        {
            "name": "認知機能の低下と危険",
            "level": "emergency",
            "negated": False,
            "facts": [{"text": "認知症", "start": 2, "end": 5}],
        },
        {
            "name": "一人暮らしで応答なし",
            "level": "emergency",
            "negated": True,
            "facts": [{"text": "母が", "start": 0, "end": 2}],
        },
    ]
    assert body["emergency_probability"] == pytest.approx(0.83)
    assert body["possible_emergency"] is False
    assert body["categories"] == ["dementia", "elderly_care"]
    assert [c["text"] for c in body["cues"]] == ["死にたい", "疲れた"]
    assert body["decision"] == "changed"  # staff chose another urgency than emergency
    assert AuditEvent.objects.filter(action="triage.suggestion_viewed", object_id=str(intake.pk)).count() == 1


def test_the_api_gives_a_stored_possible_emergency(client, town, monkeypatch):
    monkeypatch.setattr(engine, "triage", _unsure)
    intake = make_intake(town, concern=CONCERN)
    body = _api(client, town, intake.pk).json()
    assert body["possible_emergency"] is True
    assert body["urgency"] == "normal"
    assert body["emergency_probability"] == pytest.approx(0.31)


@pytest.mark.usefixtures("fixed_engine")
def test_the_api_answers_404_for_an_intake_the_caller_may_not_see_and_to_those_the_rule_refuses(client, town):
    intake = make_intake(town, concern=CONCERN)
    assert _api(client, town, intake.pk + 10_000).status_code == 404
    # A refused rule about a record answers 404, as for the intake itself (the record's existence is not told).
    assert _api(client, town, intake.pk, user="volunteer").status_code == 404
    for user in ("analyst", "admin", "auditor"):
        assert _api(client, town, intake.pk, user=user).status_code == 404, user
    assert _api(client, town, intake.pk, user="caseworker_south").status_code == 404
    assert not AuditEvent.objects.filter(action="triage.suggestion_viewed").exists()


def test_the_openapi_document_describes_the_new_fields_in_both_outputs(client, town):
    from config.api import api

    document = api.get_openapi_schema()
    operation = document["paths"]["/api/v1/triage/intakes/{intake_id}"]["get"]
    assert operation["x-access-rule"] == "staff"
    schemas = document["components"]["schemas"]
    for name in ("TriageOut", "StoredSuggestionOut"):
        properties = schemas[name]["properties"]
        for field in ("situations", "emergency_probability", "possible_emergency"):
            assert field in properties and properties[field].get("description"), (name, field)
    assert "緊急の可能性" in schemas["StoredSuggestionOut"]["properties"]["possible_emergency"]["description"]
