"""Participation records: the state machine (every move allowed or refused), versioning, audit, and where they show."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tsunagiai.audit.models import AuditEvent
from tsunagiai.community.actions import (
    PARTICIPATION_TRANSITIONS,
    do_propose_participation,
    do_transition_participation,
)
from tsunagiai.community.models import Participation
from tsunagiai.community.tests.conftest import World
from tsunagiai.core.concurrency import EditConflict
from tsunagiai.core.errors import ActionRefused

pytestmark = pytest.mark.django_db

STATUSES = [s.value for s in Participation.Status]


def _proposed(world: World, **fields: Any) -> Participation:
    return do_propose_participation(
        world.case,
        person=world.person,
        service=world.services["salon"],
        organisation=world.town.orgs["branch_north"],
        acting_user=world.town.users["caseworker_north"],
        proposed_on=timezone.localdate() - dt.timedelta(days=30),
        **fields,
    )


def _at(world: World, status: str) -> Participation:
    p = _proposed(world)
    Participation.objects.filter(pk=p.pk).update(status=status)
    p.refresh_from_db()
    return p


@pytest.mark.parametrize("start", STATUSES)
@pytest.mark.parametrize("to", STATUSES)
def test_every_transition_is_allowed_or_refused(world: World, start: str, to: str) -> None:
    p = _at(world, start)
    user = world.town.users["caseworker_north"]
    if to in PARTICIPATION_TRANSITIONS[start]:
        do_transition_participation(p, to=to, acting_user=user, expected_version=p.version, stop_reason="declined")
        p.refresh_from_db()
        assert p.status == to
        assert AuditEvent.objects.filter(action=f"community.participation_{to}").exists()
    else:
        with pytest.raises(ActionRefused) as refused:
            do_transition_participation(p, to=to, acting_user=user, expected_version=p.version, stop_reason="declined")
        assert refused.value.field == "to"
        assert Participation.objects.get(pk=p.pk).status == start


def test_the_machine_is_proposed_tried_continuing_or_stopped() -> None:
    assert PARTICIPATION_TRANSITIONS == {
        "proposed": ("tried", "stopped"),
        "tried": ("continuing", "stopped"),
        "continuing": ("stopped",),
        "stopped": (),
    }


def test_the_dates_follow_the_moves_and_stopping_needs_a_reason(world: World) -> None:
    user = world.town.users["caseworker_north"]
    p = _proposed(world)
    today = timezone.localdate()
    do_transition_participation(p, to="tried", on=today - dt.timedelta(days=10), acting_user=user, expected_version=1)
    do_transition_participation(p, to="continuing", acting_user=user, expected_version=2)
    with pytest.raises(ActionRefused) as refused:
        do_transition_participation(p, to="stopped", acting_user=user, expected_version=3)
    assert refused.value.field == "stop_reason"
    do_transition_participation(p, to="stopped", stop_reason="health", acting_user=user, expected_version=3)
    p.refresh_from_db()
    assert (p.tried_on, p.continuing_since, p.stopped_on, p.stop_reason) == (
        today - dt.timedelta(days=10),
        today,
        today,
        "health",
    )
    assert p.version == 4


def test_future_dates_and_dates_before_the_proposal_are_refused(world: World) -> None:
    p = _proposed(world)
    user = world.town.users["caseworker_north"]
    for on in (timezone.localdate() + dt.timedelta(days=1), p.proposed_on - dt.timedelta(days=1)):
        with pytest.raises(ActionRefused) as refused:
            do_transition_participation(p, to="tried", on=on, acting_user=user, expected_version=1)
        assert refused.value.field == "on"


def test_a_stale_version_is_refused(world: World) -> None:
    p = _proposed(world)
    user = world.town.users["caseworker_north"]
    do_transition_participation(p, to="tried", acting_user=user, expected_version=1)
    stale = Participation.objects.get(pk=p.pk)
    stale.status = "tried"
    with pytest.raises(EditConflict):
        do_transition_participation(stale, to="continuing", acting_user=user, expected_version=1)


def test_proposing_to_someone_outside_the_household_is_refused(world: World) -> None:
    from tsunagiai.intake.tests.helpers import make_person

    stranger = make_person(world.town, family_name="他人")
    with pytest.raises(ActionRefused) as refused:
        do_propose_participation(
            world.case,
            person=stranger,
            service=world.services["salon"],
            organisation=world.town.orgs["branch_north"],
            acting_user=world.town.users["caseworker_north"],
        )
    assert refused.value.field == "person"


def test_proposing_from_the_page_shows_it_on_the_case_and_the_household_timeline(client: Any, world: World) -> None:
    client.force_login(world.town.users["caseworker_north"])
    response = client.post(
        f"/community/cases/{world.case.pk}/participations/",
        {"person": world.person.pk, "service": world.services["cafe"].pk, "note": "本人が関心"},
    )
    assert response.status_code == 302
    case_page = client.get(f"/cases/{world.case.pk}/").content.decode()
    assert "認知症カフェ みどり" in case_page and "参加支援" in case_page
    timeline = client.get(f"/support/households/{world.case.household_id}/timeline/").content.decode()
    assert "認知症カフェ みどり" in timeline


def test_the_transition_page_refuses_a_stale_version_and_keeps_the_input(client: Any, world: World) -> None:
    p = _proposed(world)
    client.force_login(world.town.users["caseworker_north"])
    do_transition_participation(p, to="tried", acting_user=world.town.users["caseworker_north"], expected_version=1)
    response = client.post(
        f"/community/participations/{p.pk}/transition/", {"to": "stopped", "stop_reason": "declined", "version": 1}
    )
    assert response.status_code == 200
    assert 'value="2"' in response.content.decode()
    assert Participation.objects.get(pk=p.pk).status == "tried"


def test_invalid_transition_input_answers_400_naming_the_field(client: Any, world: World) -> None:
    p = _proposed(world)
    client.force_login(world.town.users["caseworker_north"])
    response = client.post(
        f"/community/participations/{p.pk}/transition/", {"to": "continuing", "version": 1, "on": "2026-02-31"}
    )
    assert response.status_code == 400
    assert "日付" in response.content.decode()


def test_another_organisation_cannot_see_or_change_participations(client: Any, world: World) -> None:
    p = _proposed(world)
    client.force_login(world.town.users["caseworker_south"])
    assert client.get(f"/community/cases/{world.case.pk}/resources/").status_code == 404
    response = client.post(f"/community/participations/{p.pk}/transition/", {"to": "tried", "version": 1})
    assert response.status_code == 404
    assert client.get(f"/api/v1/community/cases/{world.case.pk}/participations").status_code == 404


def test_the_api_proposes_and_moves_a_participation(client: Any, world: World) -> None:
    client.force_login(world.town.users["caseworker_north"])
    created = client.post(
        f"/api/v1/community/cases/{world.case.pk}/participations",
        {"person_id": world.person.pk, "service_id": world.services["salon"].pk},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pid = created.json()["id"]
    moved = client.post(
        f"/api/v1/community/participations/{pid}/transition",
        {"to": "continuing", "version": 1},
        content_type="application/json",
    )
    assert moved.status_code == 422
    assert moved.json()["errors"][0]["field"] == "to"
    ok = client.post(
        f"/api/v1/community/participations/{pid}/transition",
        {"to": "tried", "version": 1},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "tried"
    stale = client.post(
        f"/api/v1/community/participations/{pid}/transition",
        {"to": "continuing", "version": 1},
        content_type="application/json",
    )
    assert stale.status_code == 409
    listed = client.get(f"/api/v1/community/cases/{world.case.pk}/participations").json()
    assert [p["status"] for p in listed] == ["tried"]
