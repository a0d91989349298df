"""The state machine, exhaustively: every state × every target, through the action, a page POST and the API."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from tsunagiai.core.concurrency import EditConflict
from tsunagiai.core.errors import ActionRefused
from tsunagiai.referrals.actions import (
    do_accept_referral,
    do_decline_referral,
    do_transition_referral,
)
from tsunagiai.referrals.models import FHIR_TASK_STATUS, TRANSITIONS, IllegalTransition, Referral, Status
from tsunagiai.referrals.tests.helpers import PATH_TO, actor_for, move_to, send, transition_arguments
from tsunagiai.testing import Town

MATRIX = [(state, target) for state in Status.values for target in Status.values]


def _at(town: Town, state: str) -> Referral:
    return move_to(town, send(town), state)


@pytest.mark.parametrize(("state", "target"), MATRIX)
def test_every_move_through_the_action(town: Town, state: str, target: str) -> None:
    referral = _at(town, state)
    user = town.users[actor_for(target)]
    if (state, target) in TRANSITIONS:
        result = do_transition_referral(referral, target, acting_user=user, **transition_arguments(target))
        assert result.status == target
        last = result.events.order_by("-at", "-id").first()
        assert last is not None and (last.from_status, last.to_status, last.by) == (state, target, user)
    else:
        with pytest.raises(IllegalTransition, match="できません"):
            do_transition_referral(referral, target, acting_user=user, **transition_arguments(target))
        referral.refresh_from_db()
        assert referral.status == state


@pytest.mark.parametrize(("state", "target"), MATRIX)
def test_every_move_through_the_page(client: Any, town: Town, state: str, target: str) -> None:
    referral = _at(town, state)
    client.force_login(town.users[actor_for(target)])
    data = {"to": target, "version": referral.version, **transition_arguments(target)}
    response = client.post(reverse("referrals:transition", args=[referral.pk]), data)
    referral.refresh_from_db()
    if (state, target) in TRANSITIONS:
        assert response.status_code == 302
        assert referral.status == target
    else:
        assert response.status_code == 422
        assert "できません" in response.content.decode()
        assert referral.status == state


@pytest.mark.parametrize(("state", "target"), MATRIX)
def test_every_move_through_the_api(client: Any, town: Town, state: str, target: str) -> None:
    referral = _at(town, state)
    client.force_login(town.users[actor_for(target)])
    body = {"to": target, "version": referral.version, **transition_arguments(target)}
    response = client.post(
        f"/api/v1/referrals/{referral.pk}/transitions", json.dumps(body), content_type="application/json"
    )
    referral.refresh_from_db()
    if (state, target) in TRANSITIONS:
        assert response.status_code == 200, response.content
        assert response.json()["status"] == target
        assert response.json()["fhir_status"] == FHIR_TASK_STATUS[target]
    else:
        assert response.status_code == 422
        assert "できません" in response.json()["detail"]
        assert referral.status == state


def test_every_state_is_reachable_and_has_a_fhir_status(town: Town) -> None:
    assert set(PATH_TO) == set(Status.values) == set(FHIR_TASK_STATUS)
    assert FHIR_TASK_STATUS[Status.FIRST_CONTACT] == "in-progress"


def test_the_sender_cannot_accept_and_the_recipient_cannot_cancel(town: Town) -> None:
    referral = _at(town, Status.SEEN)
    with pytest.raises(IllegalTransition, match="紹介先"):
        do_accept_referral(referral, acting_user=town.users["caseworker_north"])
    with pytest.raises(IllegalTransition, match="紹介元"):
        do_transition_referral(
            referral, Status.CANCELLED, acting_user=town.users["csw_worker"], reason_code="other", note="x"
        )


@pytest.mark.parametrize("target", [Status.DECLINED, Status.CANCELLED])
def test_declining_and_cancelling_need_a_coded_reason_and_words(town: Town, target: str) -> None:
    referral = _at(town, Status.SEEN)
    user = town.users[actor_for(target)]
    with pytest.raises(ActionRefused, match="理由"):
        do_transition_referral(referral, target, acting_user=user, reason_code="", note="説明")
    with pytest.raises(ActionRefused, match="理由"):
        do_transition_referral(referral, target, acting_user=user, reason_code="made_up", note="説明")
    with pytest.raises(ActionRefused):
        do_transition_referral(referral, target, acting_user=user, reason_code="no_capacity", note="  ")
    referral.refresh_from_db()
    assert referral.status == Status.SEEN


def test_completion_needs_an_outcome(town: Town) -> None:
    referral = _at(town, Status.IN_PROGRESS)
    with pytest.raises(ActionRefused, match="結果"):
        do_transition_referral(referral, Status.COMPLETED, acting_user=town.users["csw_worker"])


def test_concurrent_accept_and_decline_leave_exactly_one_outcome(town: Town) -> None:
    referral = _at(town, Status.SEEN)
    first = Referral.objects.get(pk=referral.pk)
    second = Referral.objects.get(pk=referral.pk)
    do_accept_referral(first, acting_user=town.users["csw_worker"])
    with pytest.raises(EditConflict):
        do_decline_referral(second, acting_user=town.users["csw_worker"], reason_code="no_capacity", note="満員")
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    assert list(referral.events.values_list("to_status", flat=True)) == ["sent", "seen", "accepted"]


def test_stale_version_is_a_conflict_through_the_api(client: Any, town: Town) -> None:
    referral = _at(town, Status.SEEN)
    client.force_login(town.users["csw_worker"])
    url = f"/api/v1/referrals/{referral.pk}/transitions"
    ok = client.post(url, json.dumps({"to": "accepted", "version": referral.version}), content_type="application/json")
    assert ok.status_code == 200
    stale = client.post(
        url,
        json.dumps({"to": "declined", "version": referral.version, "reason_code": "no_capacity", "note": "x"}),
        content_type="application/json",
    )
    assert stale.status_code in (409, 422)
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED


def test_stale_version_is_a_conflict_through_the_page(client: Any, town: Town) -> None:
    referral = _at(town, Status.SEEN)
    client.force_login(town.users["csw_worker"])
    url = reverse("referrals:transition", args=[referral.pk])
    version = referral.version
    assert client.post(url, {"to": "accepted", "version": version}).status_code == 302
    # The second person's page still shows "seen": their decline is based on the old version.
    Referral.objects.filter(pk=referral.pk).update(status=Status.SEEN)
    response = client.post(url, {"to": "declined", "version": version, "reason_code": "no_capacity", "note": "満員"})
    assert response.status_code == 200
    assert "他の職員" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_concurrent_accept_and_decline_in_threads_leave_one_outcome() -> None:
    from tsunagiai.testing import build_town

    town = build_town()
    referral = move_to(town, send(town), Status.SEEN)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def act(kind: str) -> None:
        try:
            copy = Referral.objects.get(pk=referral.pk)
            barrier.wait(timeout=5)
            if kind == "accept":
                do_accept_referral(copy, acting_user=town.users["csw_worker"])
            else:
                do_decline_referral(copy, acting_user=town.users["csw_worker"], reason_code="other", note="x")
            results.append(kind)
        except (EditConflict, IllegalTransition):
            results.append("refused")
        except Exception as exc:  # SQLite may refuse a second writer outright: that is a refusal too.
            results.append("refused" if "locked" in str(exc) else f"error:{exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(kind,)) for kind in ("accept", "decline")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    referral.refresh_from_db()
    assert sorted(results).count("refused") == 1, results
    assert referral.status in (Status.ACCEPTED, Status.DECLINED)
    assert referral.events.filter(to_status__in=[Status.ACCEPTED, Status.DECLINED]).count() == 1
