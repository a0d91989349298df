"""Drafts are never lost, and belong to their user only."""

from __future__ import annotations

import re

from django.urls import reverse

from tsunagiai.intake.models import IntakeDraft
from tsunagiai.intake.tests.helpers import form_data


def _autosave(client, town, **data):
    return client.post(reverse("intake:draft_save"), {"draft_kind": "standard", **data}, headers={"HX-Request": "true"})


def test_autosave_keeps_what_is_typed_and_updates_the_same_draft(client, town):
    client.force_login(town.users["caseworker_north"])
    first = _autosave(client, town, concern="書きかけ", **{"person-family_name": "木村"})
    draft = IntakeDraft.objects.get()
    assert f'value="{draft.pk}"' in first.content.decode() and "hx-swap-oob" in first.content.decode()
    _autosave(client, town, draft_id=draft.pk, concern="書きかけの続き", categories=["housing", "employment"])
    draft.refresh_from_db()
    assert IntakeDraft.objects.count() == 1
    assert draft.data["concern"] == ["書きかけの続き"]
    assert draft.data["categories"] == ["housing", "employment"]
    assert "csrfmiddlewaretoken" not in draft.data


def test_resuming_a_draft_shows_everything_typed_without_errors(client, town):
    client.force_login(town.users["caseworker_north"])
    _autosave(
        client, town, concern="途中まで", categories=["housing"], person_mode="new", **{"person-family_name": "木村"}
    )
    draft = IntakeDraft.objects.get()
    page = client.get(reverse("intake:create"), {"draft": draft.pk}).content.decode()
    assert "途中まで" in page and 'value="木村"' in page
    assert "error-summary" not in page
    listing = client.get(reverse("intake:create")).content.decode()
    assert f"?draft={draft.pk}" in listing


def test_saving_the_intake_removes_its_draft(client, town):
    client.force_login(town.users["caseworker_north"])
    _autosave(client, town, concern="途中")
    draft = IntakeDraft.objects.get()
    response = client.post(reverse("intake:create"), form_data(town, draft_id=draft.pk))
    assert response.status_code == 302
    assert not IntakeDraft.objects.exists()


def test_drafts_belong_to_their_user_only(client, town):
    client.force_login(town.users["caseworker_north"])
    _autosave(client, town, concern="北の下書き")
    draft = IntakeDraft.objects.get()
    client.force_login(town.users["supervisor_north"])
    assert client.get(reverse("intake:create"), {"draft": draft.pk}).status_code == 404
    assert "北の下書き" not in client.get(reverse("intake:create")).content.decode()
    assert client.post(reverse("intake:draft_discard", args=[draft.pk])).status_code == 404
    assert _autosave(client, town, draft_id=draft.pk, concern="乗っ取り").status_code == 404
    draft.refresh_from_db()
    assert draft.data["concern"] == ["北の下書き"]


def test_discard_removes_the_draft(client, town):
    client.force_login(town.users["caseworker_north"])
    _autosave(client, town, concern="不要")
    draft = IntakeDraft.objects.get()
    assert client.post(reverse("intake:draft_discard", args=[draft.pk])).status_code == 302
    assert not IntakeDraft.objects.exists()


def test_volunteer_drafts_and_kind_checks(client, town):
    client.force_login(town.users["volunteer"])
    assert _autosave(client, town, concern="x").status_code == 403  # a volunteer has no standard form
    response = client.post(
        reverse("intake:draft_save"),
        {"draft_kind": "volunteer_concern", "concern": "気になる"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert client.post(reverse("intake:draft_save"), {"draft_kind": "bogus"}).status_code == 404


def test_three_failed_submits_keep_one_draft_of_the_form(client, town):
    """Each failed submit updates the form's one draft (the draft_id it shows) instead of adding another."""
    client.force_login(town.users["caseworker_north"])
    draft_id = ""
    for attempt in range(3):
        data = form_data(town, concern="", draft_id=draft_id, **{"person-family_name": f"木村{attempt}"})
        response = client.post(reverse("intake:create"), data)
        assert response.status_code == 400
        found = re.search(r'name="draft_id" id="draft-id" value="(\d+)"', response.content.decode())
        assert found is not None
        draft_id = found.group(1)
    draft = IntakeDraft.objects.get()
    assert str(draft.pk) == draft_id
    assert draft.data["person-family_name"] == ["木村2"]


def test_failed_volunteer_submits_keep_one_draft(client, town):
    client.force_login(town.users["volunteer"])
    draft_id = ""
    for _attempt in range(3):
        response = client.post(reverse("intake:volunteer_create"), {"concern": "", "draft_id": draft_id})
        assert response.status_code == 400
        found = re.search(r'name="draft_id" id="draft-id" value="(\d+)"', response.content.decode())
        assert found is not None
        draft_id = found.group(1)
    assert IntakeDraft.objects.filter(kind="volunteer_concern").count() == 1
