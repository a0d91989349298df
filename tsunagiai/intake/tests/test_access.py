"""Role by role: a user of organisation A cannot read an intake of organisation B anywhere."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tsunagiai.intake.tests.helpers import make_intake, make_person

OUTSIDERS = [
    "intake_north",
    "caseworker_north",
    "supervisor_north",
    "fire_crew",
    "elderly_worker",
    "csw_worker",
    "volunteer",
    "analyst",
    "admin",
    "auditor",
]
SECRET = "南支所だけが知っている相談内容"


@pytest.fixture
def south_intake(town):
    person = make_person(town, "branch_south", family_name="秘密野", given_name="花子")
    return make_intake(
        town,
        "branch_south",
        "caseworker_south",
        person=person,
        is_anonymous=False,
        concern=SECRET,
        subject_description="",
    )


@pytest.mark.parametrize("role", OUTSIDERS)
def test_user_of_another_organisation_cannot_read_the_intake_anywhere(client, town, south_intake, role):
    client.force_login(town.users[role])
    pk = south_intake.pk

    listing = client.get(reverse("intake:list"))
    assert listing.status_code in {200, 403}
    assert SECRET not in listing.content.decode()
    assert reverse("intake:detail", args=[pk]) not in listing.content.decode()

    assert client.get(reverse("intake:detail", args=[pk])).status_code == 404
    assert client.get(reverse("intake:edit", args=[pk])).status_code == 404
    assert client.post(reverse("intake:edit", args=[pk]), {"concern": "x", "version": 1}).status_code == 404

    search = client.get(reverse("intake:person_search"), {"q": "秘密野"})
    assert "秘密野" not in search.content.decode()
    assert client.get(reverse("intake:person_pick", args=[south_intake.person_id])).status_code in {403, 404}

    api_list = client.get("/api/v1/intakes/")
    assert api_list.status_code in {200, 403}
    assert SECRET not in api_list.content.decode()
    assert client.get(f"/api/v1/intakes/{pk}").status_code == 404
    patch = client.patch(f"/api/v1/intakes/{pk}", {"version": 1, "concern": "上書き"}, content_type="application/json")
    assert patch.status_code == 404
    inbox = client.get(reverse("inbox:list"))
    assert SECRET not in inbox.content.decode()
    south_intake.refresh_from_db()
    assert south_intake.concern == SECRET


def test_coordinator_reads_every_organisations_intake(client, town, south_intake):
    client.force_login(town.users["coordinator"])
    assert SECRET in client.get(reverse("intake:detail", args=[south_intake.pk])).content.decode()
    assert reverse("intake:detail", args=[south_intake.pk]) in client.get(reverse("intake:list")).content.decode()
    assert client.get(f"/api/v1/intakes/{south_intake.pk}").json()["concern"] == SECRET
    assert "秘密野" in client.get(reverse("intake:person_search"), {"q": "秘密野"}).content.decode()


def test_own_organisation_sees_its_intake_in_list_detail_and_api(client, town, south_intake):
    client.force_login(town.users["caseworker_south"])
    listing = client.get(reverse("intake:list")).content.decode()
    assert reverse("intake:detail", args=[south_intake.pk]) in listing
    assert SECRET in client.get(reverse("intake:detail", args=[south_intake.pk])).content.decode()
    assert client.get("/api/v1/intakes/").json()["count"] == 1


def test_intake_role_may_correct_only_what_they_received(client, town):
    own = make_intake(town, user="intake_north")
    colleague = make_intake(town, user="caseworker_north")
    client.force_login(town.users["intake_north"])
    assert client.get(reverse("intake:edit", args=[own.pk])).status_code == 200
    assert client.get(reverse("intake:edit", args=[colleague.pk])).status_code == 404
    assert client.get(reverse("intake:detail", args=[colleague.pk])).status_code == 200


def test_analyst_sees_no_intake_pages(client, town):
    make_intake(town)
    client.force_login(town.users["analyst"])
    assert client.get(reverse("intake:list")).status_code == 403
    assert client.get(reverse("intake:create")).status_code == 403
    assert client.get("/api/v1/intakes/").status_code == 403
