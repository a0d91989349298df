"""What was suggested is stored beside what staff chose, recomputed on the server at every save."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tsunagiai.audit.models import AuditEvent
from tsunagiai.intake.actions import do_update_intake
from tsunagiai.intake.models import Intake
from tsunagiai.intake.tests.helpers import form_data, make_intake
from tsunagiai.reference.models import IssueCategory, UrgencyLevel
from tsunagiai.triage import engine
from tsunagiai.triage.models import TriageSuggestion
from tsunagiai.triage.tests.fakes import CONCERN, fixed_engine  # noqa: F401

pytestmark = pytest.mark.usefixtures("fixed_engine")


def _record(client, town, **overrides):
    client.force_login(town.users["caseworker_north"])
    response = client.post(reverse("intake:create"), form_data(town, concern=CONCERN, **overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Intake.objects.latest("id")


def test_accepted_suggestion_is_stored_beside_the_choice(client, town):
    intake = _record(client, town, categories=["dementia", "elderly_care"], urgency="high")
    stored = TriageSuggestion.objects.get(intake=intake)
    assert stored.suggested_categories == ["dementia", "elderly_care"]
    assert stored.scores["dementia"] == pytest.approx(0.91)
    assert stored.suggested_urgency == "high"
    assert [c["text"] for c in stored.cues] == ["死にたい", "疲れた"]
    assert stored.cues[0]["negated"] is True
    assert stored.lead == "community_support_center"
    assert stored.agencies == ["community_support_center"]
    assert stored.model_version == "test-1"
    assert stored.chosen_categories == ["dementia", "elderly_care"]
    assert stored.chosen_urgency == "high"
    assert stored.decision == TriageSuggestion.Decision.ACCEPTED
    assert stored.training_opt_in is False


def test_changed_suggestion_and_training_opt_in_are_stored(client, town):
    intake = _record(client, town, categories=["dementia"], urgency="normal", triage_training_opt_in="on")
    stored = TriageSuggestion.objects.get(intake=intake)
    assert stored.decision == TriageSuggestion.Decision.CHANGED
    assert stored.chosen_categories == ["dementia"]
    assert stored.chosen_urgency == "normal"
    assert stored.training_opt_in is True
    assert stored.opted_in_by == town.users["caseworker_north"]


def test_a_suggestion_posted_by_the_client_is_ignored(client, town):
    intake = _record(
        client,
        town,
        categories=["dementia"],
        suggested_categories=["abuse_violence"],
        suggested_urgency="emergency",
        model_version="forged",
    )
    stored = TriageSuggestion.objects.get(intake=intake)
    assert stored.suggested_categories == ["dementia", "elderly_care"]
    assert stored.model_version == "test-1"


def test_an_edit_recomputes_from_the_saved_text_and_snapshots_the_new_choice(client, town):
    intake = make_intake(town, concern="家賃を滞納", categories=[IssueCategory.objects.get(pk="dementia")])
    first = TriageSuggestion.objects.get(intake=intake)
    assert first.chosen_categories == ["dementia"]
    do_update_intake(
        intake,
        acting_user=town.users["caseworker_north"],
        expected_version=intake.version,
        concern=CONCERN,
        categories=list(IssueCategory.objects.filter(pk__in=["dementia", "elderly_care"])),
        urgency=UrgencyLevel.objects.get(pk="high"),
        training_opt_in=True,
    )
    stored = TriageSuggestion.objects.get(intake=intake)
    assert stored.pk == first.pk
    assert stored.chosen_categories == ["dementia", "elderly_care"]
    assert stored.decision == TriageSuggestion.Decision.ACCEPTED
    assert stored.training_opt_in is True
    event = AuditEvent.objects.filter(action="triage.suggestion_recorded").latest("id")
    assert event.changes["chosen_categories"] == [["dementia"], ["dementia", "elderly_care"]]


def test_an_edit_without_the_opt_in_keeps_the_earlier_answer(town):
    intake = make_intake(town, concern=CONCERN, training_opt_in=True)
    do_update_intake(
        intake, acting_user=town.users["caseworker_north"], expected_version=intake.version, first_response_note="x"
    )
    assert TriageSuggestion.objects.get(intake=intake).training_opt_in is True


def test_the_edit_page_saves_the_opt_in(client, town):
    intake = make_intake(town, concern=CONCERN)
    client.force_login(town.users["caseworker_north"])
    page = client.get(reverse("intake:edit", args=[intake.pk]))
    assert b'name="triage_training_opt_in"' in page.content
    data = {**page.context["form"].initial, "triage_training_opt_in": "on"}
    data["received_at"] = timezone.localtime(intake.received_at).strftime("%Y-%m-%dT%H:%M")
    data["categories"] = [c.pk for c in intake.categories.all()]
    data = {k: v for k, v in data.items() if v is not None}
    response = client.post(reverse("intake:edit", args=[intake.pk]), data)
    assert response.status_code == 302
    assert TriageSuggestion.objects.get(intake=intake).training_opt_in is True


def test_short_forms_store_the_suggestion_too(client, town):
    client.force_login(town.users["volunteer"])
    response = client.post(
        reverse("intake:volunteer_create"),
        {"subject_description": "80代女性", "concern": CONCERN, "urgency": "high", "consent_status": "oral"},
    )
    assert response.status_code == 302
    volunteer_intake = Intake.objects.get(kind=Intake.Kind.VOLUNTEER_CONCERN)
    assert TriageSuggestion.objects.get(intake=volunteer_intake).chosen_urgency == "high"

    client.force_login(town.users["fire_crew"])
    response = client.post(
        reverse("intake:fire_create"),
        {
            "incident_at": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "incident_type": "ambulance",
            "concern": CONCERN,
            "urgency": "normal",
            "consent_status": "oral",
        },
    )
    assert response.status_code == 302
    fire_intake = Intake.objects.get(kind=Intake.Kind.FIRE_REPORT)
    assert TriageSuggestion.objects.get(intake=fire_intake).decision == TriageSuggestion.Decision.CHANGED


def test_the_intake_is_recorded_even_when_the_engine_fails(town, monkeypatch):
    def broken(text, *, household_patterns=None):
        raise RuntimeError("model file missing")

    monkeypatch.setattr(engine, "triage", broken)
    intake = make_intake(town, concern=CONCERN)
    assert Intake.objects.filter(pk=intake.pk).exists()
    assert not TriageSuggestion.objects.filter(intake=intake).exists()


def test_an_intake_recorded_through_the_api_stores_the_suggestion(client, town):
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        "/api/v1/intakes/",
        {
            "channel": "phone",
            "consulter_type": "self",
            "person_mode": "anonymous",
            "subject_description": "80代女性",
            "concern": CONCERN,
            "urgency": "high",
            "categories": ["dementia", "elderly_care"],
            "consent_status": "oral",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    stored = TriageSuggestion.objects.get(intake_id=response.json()["id"])
    assert stored.decision == TriageSuggestion.Decision.ACCEPTED


def test_nothing_to_suggest_is_recorded_as_such(town):
    intake = make_intake(town, concern="   ")
    assert TriageSuggestion.objects.get(intake=intake).decision == TriageSuggestion.Decision.NO_SUGGESTION
