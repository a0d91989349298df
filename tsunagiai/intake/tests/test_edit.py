"""Correcting an intake: versioned, audited field by field, never overwriting a colleague's save."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from tsunagiai.audit.models import AuditEvent
from tsunagiai.inbox.models import InboxItem
from tsunagiai.intake import inbox_kinds
from tsunagiai.intake.tests.helpers import make_intake


def _edit_data(intake, **overrides):
    data = {
        "received_at": timezone.localtime(intake.received_at).strftime("%Y-%m-%dT%H:%M"),
        "receiving_organisation": intake.receiving_organisation_id,
        "channel": intake.channel_id,
        "consulter_type": intake.consulter_type_id,
        "subject_description": intake.subject_description,
        "concern": intake.concern,
        "categories": list(intake.categories.values_list("pk", flat=True)),
        "urgency": intake.urgency_id,
        "consent_status": intake.consent_status,
        "first_response": intake.first_response,
        "status": intake.status,
        "version": intake.version,
    }
    data.update(overrides)
    return data


def test_edit_saves_and_records_a_field_level_diff_including_categories(client, town):
    intake = make_intake(town)
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        reverse("intake:edit", args=[intake.pk]),
        _edit_data(intake, concern="家賃と電気代を滞納", categories=["housing", "financial_hardship"]),
    )
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.concern == "家賃と電気代を滞納" and intake.version == 2
    assert intake.updated_by == town.users["caseworker_north"]
    event = AuditEvent.objects.get(action="intake.updated")
    assert event.changes["categories"]["after"] == ["financial_hardship", "housing"]
    assert event.changes["concern"]["after"] == "家賃と電気代を滞納"
    assert "channel" not in event.changes


def test_second_save_of_the_same_version_is_refused_with_a_clear_message(client, town):
    intake = make_intake(town)
    first, second = _edit_data(intake, concern="一人目の修正"), _edit_data(intake, concern="二人目の修正")
    client.force_login(town.users["caseworker_north"])
    assert client.post(reverse("intake:edit", args=[intake.pk]), first).status_code == 302
    client.force_login(town.users["supervisor_north"])
    response = client.post(reverse("intake:edit", args=[intake.pk]), second)
    assert response.status_code == 200
    page = response.content.decode()
    assert "他の職員がこの記録を更新" in page  # the conflict message, in Japanese
    assert "二人目の修正" in page  # the second editor's input is kept
    intake.refresh_from_db()
    assert intake.concern == "一人目の修正"  # nothing overwritten
    htmx = client.post(reverse("intake:edit", args=[intake.pk]), second, headers={"HX-Request": "true"})
    assert htmx.status_code == 409


def test_raising_urgency_to_emergency_alerts_the_coordination_section(client, town):
    intake = make_intake(town)
    client.force_login(town.users["caseworker_north"])
    client.post(reverse("intake:edit", args=[intake.pk]), _edit_data(intake, urgency="emergency"))
    item = InboxItem.objects.get()
    assert item.organisation == town.orgs["coordination"]
    assert item.kind == inbox_kinds.EMERGENCY_INTAKE and item.is_urgent


def test_choosing_information_only_on_edit_closes_the_intake(client, town):
    intake = make_intake(town)
    client.force_login(town.users["caseworker_north"])
    client.post(reverse("intake:edit", args=[intake.pk]), _edit_data(intake, first_response="information_only"))
    intake.refresh_from_db()
    assert intake.status == "closed" and intake.closed_at is not None


def test_invalid_edit_names_the_field_and_changes_nothing(client, town):
    intake = make_intake(town)
    client.force_login(town.users["caseworker_north"])
    response = client.post(reverse("intake:edit", args=[intake.pk]), _edit_data(intake, received_at="2025-02-30T09:00"))
    assert "受付日時:" in response.content.decode()
    intake.refresh_from_db()
    assert intake.version == 1


def test_detail_page_shows_the_record_with_links_to_person_and_household(client, town):
    from tsunagiai.intake.tests.helpers import make_person
    from tsunagiai.people.actions import do_create_household

    person = make_person(town, given_name="花子")
    household = do_create_household(
        acting_user=town.users["caseworker_north"], organisation=town.orgs["branch_north"], members=((person, "head"),)
    )
    intake = make_intake(town, person=person, is_anonymous=False, subject_description="")
    client.force_login(town.users["caseworker_north"])
    page = client.get(reverse("intake:detail", args=[intake.pk])).content.decode()
    assert reverse("people:person_detail", args=[person.pk]) in page
    assert reverse("people:household_detail", args=[household.pk]) in page
    assert intake.concern in page
