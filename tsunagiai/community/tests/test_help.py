"""Help requests to mutual-help groups: consent, the group's queue, assignment, closing, volunteers and statistics."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tsunagiai.accounts.models import User
from tsunagiai.community.actions import (
    do_assign_help_request,
    do_close_help_request,
    do_create_help_request,
    do_register_volunteer,
)
from tsunagiai.community.models import GroupMember, HelpRequest, Skill, Volunteer, availability_bit
from tsunagiai.community.selectors import group_stats, suggest_volunteers
from tsunagiai.community.tests.conftest import World
from tsunagiai.consent.actions import do_record_consent
from tsunagiai.core.concurrency import EditConflict
from tsunagiai.core.errors import ActionRefused
from tsunagiai.testing import PASSWORD

pytestmark = pytest.mark.django_db


def _request(world: World, *, share: bool = False, **fields: Any) -> HelpRequest:
    values: dict[str, Any] = {
        "acting_user": world.town.users["caseworker_north"],
        "organisation": world.town.orgs["branch_north"],
        "group": world.group,
        "task": "light_bulb",
        "description": "80代の一人暮らしの方。台所の電球が切れている。",
        "town_block": world.town.blocks["north"],
        "preferred_date": timezone.localdate() + dt.timedelta(days=3),
        "person": world.person,
        "case": world.case,
        "share_identity": share,
    }
    values.update(fields)
    return do_create_help_request(**values)


def _consent(world: World) -> None:
    do_record_consent(
        world.person,
        acting_user=world.town.users["caseworker_north"],
        organisation=world.town.orgs["branch_north"],
        given_on=timezone.localdate(),
        method="oral",
        scope_organisations=[world.group_org],  # type: ignore[list-item]
    )


def test_without_consent_only_an_anonymous_description_and_the_area_are_sent(world: World) -> None:
    with pytest.raises(ActionRefused) as refused:
        _request(world, share=True)
    assert refused.value.field == "share_identity"
    assert "同意" in refused.value.message
    item = _request(world)
    assert (item.identity_shared, item.shared_name, item.shared_phone) == (False, "", "")


def test_with_consent_covering_the_group_the_name_and_contact_are_copied(world: World) -> None:
    _consent(world)
    item = _request(world, share=True)
    assert item.identity_shared
    assert item.shared_name == "北山 ハル"
    assert item.shared_address == "北町1丁目1-2-3"
    assert item.shared_phone == "0565-11-2222"


def test_a_group_that_is_not_a_member_organisation_receives_only_anonymous_requests(world: World) -> None:
    _consent(world)
    with pytest.raises(ActionRefused):
        _request(world, share=True, group=world.other_group, town_block=world.town.blocks["south"])


def test_only_mutual_help_groups_receive_requests(world: World) -> None:
    with pytest.raises(ActionRefused) as refused:
        _request(world, group=world.services["salon"].provider)
    assert refused.value.field == "group"


def test_the_flow_requested_assigned_done_and_could_not(world: World) -> None:
    leader = world.member_user
    volunteer = do_register_volunteer(
        acting_user=world.town.users["csw_worker"], centre=world.town.orgs["csw"], name="山田 一郎"
    )
    item = _request(world)
    do_assign_help_request(item, volunteers=[volunteer], acting_user=leader, expected_version=1)
    assert item.status == "assigned" and list(item.volunteers.all()) == [volunteer]
    with pytest.raises(EditConflict):
        do_close_help_request(item, outcome="done", note="", acting_user=leader, expected_version=1)
    item.refresh_from_db()
    do_close_help_request(item, outcome="done", note="交換済み", acting_user=leader, expected_version=2)
    assert item.status == "done" and item.closed_at is not None
    with pytest.raises(ActionRefused):
        do_close_help_request(item, outcome="could_not", note="x", acting_user=leader, expected_version=3)
    other = _request(world)
    with pytest.raises(ActionRefused) as refused:
        do_close_help_request(other, outcome="could_not", note=" ", acting_user=leader, expected_version=1)
    assert refused.value.field == "note"
    do_close_help_request(other, outcome="could_not", note="脚立が届かない高さ", acting_user=leader, expected_version=1)
    assert other.status == "could_not"


def test_past_preferred_dates_are_refused(world: World) -> None:
    with pytest.raises(ActionRefused) as refused:
        _request(world, preferred_date=timezone.localdate() - dt.timedelta(days=1))
    assert refused.value.field == "preferred_date"


def test_the_group_member_sees_the_queue_with_only_what_was_shared(client: Any, world: World) -> None:
    item = _request(world)
    south = _request(world, group=world.other_group, town_block=world.town.blocks["south"])
    client.force_login(world.member_user)
    queue = client.get("/community/help/")
    assert queue.status_code == 200
    page = queue.content.decode()
    assert "電球" in page and "北町1丁目" in page
    assert f"/community/help/{south.pk}/" not in page
    detail = client.get(f"/community/help/{item.pk}/").content.decode()
    assert "北山" not in detail and "/people/" not in detail and "/cases/" not in detail
    assert client.get(f"/community/help/{south.pk}/").status_code == 404
    api = client.get("/api/v1/community/help-requests").json()
    assert [i["id"] for i in api["items"]] == [item.pk]
    assert "person_id" not in api["items"][0] or api["items"][0]["person_id"] is None
    assert api["items"][0]["shared_name"] == ""


def test_the_group_member_never_reaches_a_case_person_or_intake(client: Any, world: World) -> None:
    _request(world)
    client.force_login(world.member_user)
    for url in (
        f"/cases/{world.case.pk}/",
        f"/people/{world.person.pk}/",
        f"/intakes/{world.intake.pk}/",
        f"/community/cases/{world.case.pk}/resources/",
        f"/support/households/{world.case.household_id}/timeline/",
        "/cases/",
        "/people/",
        "/intakes/",
        "/community/volunteers/",
        "/community/help/new/",
        f"/api/v1/cases/{world.case.pk}",
        f"/api/v1/persons/{world.person.pk}",
        f"/api/v1/intakes/{world.intake.pk}",
        f"/api/v1/community/cases/{world.case.pk}/resources",
        f"/api/v1/community/cases/{world.case.pk}/participations",
        "/api/v1/community/volunteers",
        "/api/v1/persons",
    ):
        assert client.get(url).status_code in {403, 404}, url


def test_the_group_member_assigns_and_closes_from_the_pages(client: Any, world: World) -> None:
    volunteer = do_register_volunteer(
        acting_user=world.town.users["csw_worker"], centre=world.town.orgs["csw"], name="山田 一郎"
    )
    item = _request(world)
    client.force_login(world.member_user)
    response = client.post(f"/community/help/{item.pk}/assign/", {"volunteers": [volunteer.pk], "version": 1})
    assert response.status_code == 302
    stale = client.post(f"/community/help/{item.pk}/close/", {"outcome": "done", "version": 1})
    assert stale.status_code == 200 and "conflict" in stale.content.decode()
    done = client.post(f"/community/help/{item.pk}/close/", {"outcome": "done", "version": 2})
    assert done.status_code == 302
    assert HelpRequest.objects.get(pk=item.pk).status == "done"
    bad = client.post(f"/community/help/{item.pk}/close/", {"outcome": "lost", "version": "x"})
    assert bad.status_code == 400 and "結果" in bad.content.decode()


def test_an_assigned_volunteer_sees_only_their_requests(client: Any, world: World) -> None:
    user = User.objects.create_user(username="vol1", password=PASSWORD)
    volunteer = do_register_volunteer(
        acting_user=world.town.users["csw_worker"], centre=world.town.orgs["csw"], name="山田 一郎", user=user
    )
    mine = _request(world)
    _request(world)
    do_assign_help_request(mine, volunteers=[volunteer], acting_user=world.member_user, expected_version=1)
    client.force_login(user)
    assert [i["id"] for i in client.get("/api/v1/community/help-requests").json()["items"]] == [mine.pk]
    assert client.get(f"/community/help/{mine.pk}/").status_code == 200
    assert client.post(f"/community/help/{mine.pk}/close/", {"outcome": "done", "version": 2}).status_code == 403
    assert client.get(f"/cases/{world.case.pk}/").status_code in {403, 404}


def test_staff_of_another_organisation_do_not_see_the_request(client: Any, world: World) -> None:
    item = _request(world)
    client.force_login(world.town.users["caseworker_south"])
    assert client.get(f"/community/help/{item.pk}/").status_code == 404
    client.force_login(world.town.users["csw_worker"])  # 社協 steers every request
    page = client.get(f"/community/help/{item.pk}/").content.decode()
    assert "北山 ハル" in page


def test_creating_from_the_page_checks_consent_and_names_the_field(client: Any, world: World) -> None:
    client.force_login(world.town.users["caseworker_north"])
    data = {
        "task": "weeding",
        "description": "庭の草取り",
        "town_block": world.town.blocks["north"].pk,
        "preferred_time": "morning",
        "group": world.group.pk,  # type: ignore[union-attr]
        "person": world.person.pk,
        "case": world.case.pk,
        "share_identity": "on",
    }
    refused = client.post("/community/help/new/", data)
    assert refused.status_code == 400
    assert "氏名と連絡先をグループに伝える" in refused.content.decode()
    data.pop("share_identity")
    assert client.post("/community/help/new/", data).status_code == 302
    bad = client.post("/community/help/new/", {**data, "task": "gardening", "preferred_date": "2026-13-01"})
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "作業" in body and "希望日" in body


def test_volunteer_suggestions_use_skill_area_and_weekday(world: World) -> None:
    light = Skill.objects.get(code="light_work")
    monday = timezone.localdate() + dt.timedelta(days=(0 - timezone.localdate().weekday()) % 7 or 7)
    good = do_register_volunteer(
        acting_user=world.town.users["csw_worker"],
        centre=world.town.orgs["csw"],
        name="近所 太郎",
        skills=[light],
        areas=[world.town.areas["north_elementary"]],
        availability=availability_bit(0, 0),
    )
    neighbour = do_register_volunteer(
        acting_user=world.town.users["csw_worker"],
        centre=world.town.orgs["csw"],
        name="隣 次郎",
        skills=[light],
        areas=[world.neighbour],
    )
    do_register_volunteer(
        acting_user=world.town.users["csw_worker"],
        centre=world.town.orgs["csw"],
        name="遠く 三郎",
        areas=[world.town.areas["south_elementary"]],
    )
    Volunteer.objects.create(centre=world.town.orgs["csw"], name="休止 四郎", active=False)
    item = _request(world, preferred_date=monday, preferred_time="morning")
    suggestions = suggest_volunteers(item)
    assert [s.volunteer for s in suggestions] == [good, neighbour]
    assert [str(r) for r in suggestions[0].reasons] == [
        "特技: 電球・電池の交換など軽作業",
        "同じ小学校区",
        "その日に活動できる",
    ]
    assert "となりの小学校区" in [str(r) for r in suggestions[1].reasons]


def test_group_stats_count_requests_done_and_members_by_period(world: World) -> None:
    from tsunagiai.community.actions import do_add_group_member

    for _i in range(3):
        item = _request(world)
        do_close_help_request(item, outcome="done", note="", acting_user=world.member_user, expected_version=1)
    old = _request(world)
    HelpRequest.objects.filter(pk=old.pk).update(requested_at=timezone.now() - dt.timedelta(days=500))
    do_add_group_member(world.group, name="新人", acting_user=None, joined_on=timezone.localdate())  # type: ignore[arg-type]
    today = timezone.localdate()
    stats = {s.group.pk: s for s in group_stats(world.town.users["csw_worker"], today - dt.timedelta(days=270), today)}
    mine = stats[world.group.pk]  # type: ignore[union-attr]
    assert (mine.requested, mine.done, mine.open, mine.members) == (3, 3, 0, 2)
    assert stats[world.other_group.pk].requested == 0  # type: ignore[union-attr]
    # A group member sees only their own group.
    assert [s.group.pk for s in group_stats(world.member_user, today, today)] == [world.group.pk]  # type: ignore[union-attr]


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["csw_worker", "member"])
def test_the_queue_makes_the_same_number_of_queries_for_1_and_30_requests(client: Any, world: World, who: str) -> None:
    volunteer = do_register_volunteer(
        acting_user=world.town.users["csw_worker"], centre=world.town.orgs["csw"], name="山田 一郎"
    )
    first = _request(world)
    do_assign_help_request(first, volunteers=[volunteer], acting_user=world.member_user, expected_version=1)
    client.force_login(world.member_user if who == "member" else world.town.users[who])
    one = _queries(client, "/community/help/")
    for _i in range(29):
        item = _request(world)
        do_assign_help_request(item, volunteers=[volunteer], acting_user=world.member_user, expected_version=1)
    assert _queries(client, "/community/help/") == one
    assert _queries(client, "/community/groups/") == _queries(client, "/community/groups/")


def test_volunteer_centre_registers_and_edits_volunteers(client: Any, world: World) -> None:
    client.force_login(world.town.users["csw_worker"])
    response = client.post(
        "/community/volunteers/new/",
        {
            "name": "新規 花子",
            "kana": "シンキ ハナコ",
            "skills": ["gardening"],
            "availability": ["mon_morning", "sat_afternoon"],
            "active": "on",
        },
    )
    assert response.status_code == 302
    v = Volunteer.objects.get(name="新規 花子")
    assert v.available(0, 0) and v.available(5, 1) and not v.available(1)
    bad = client.post(
        f"/community/volunteers/{v.pk}/", {"name": "", "phone": "abc", "availability": ["mon_noon"], "version": 1}
    )
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "氏名" in body and "電話" in body
    ok = client.post(f"/community/volunteers/{v.pk}/", {"name": "新規 花子", "active": "", "version": 1})
    assert ok.status_code == 302 and not Volunteer.objects.get(pk=v.pk).active
    stale = client.post(f"/community/volunteers/{v.pk}/", {"name": "上書き", "version": 1})
    assert stale.status_code == 200 and Volunteer.objects.get(pk=v.pk).name == "新規 花子"
    # A branch caseworker may look at the register but not change it.
    client.force_login(world.town.users["caseworker_north"])
    assert client.get("/community/volunteers/").status_code == 200
    assert client.post("/community/volunteers/new/", {"name": "x"}).status_code == 403
    assert client.get(f"/community/volunteers/{v.pk}/").status_code == 404


def test_the_api_refuses_hostile_input_with_422_naming_the_field(client: Any, world: World) -> None:
    client.force_login(world.town.users["caseworker_north"])
    base = f"/api/v1/community/cases/{world.case.pk}/resources"
    assert client.get(base + "?weekday=9").status_code == 422
    assert client.get(base + "?person_id=99999999999999999999999").status_code == 422
    unknown = client.get(base + "?service_type=bogus")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "service_type"
    assert client.get(base + f"?person_id={world.person.pk + 1000}").status_code == 422
    payload = {
        "group_id": world.group.pk,  # type: ignore[union-attr]
        "task": "light_bulb",
        "description": "電球",
        "town_block_id": world.town.blocks["north"].pk,
    }
    for bad, field in (
        ({"town_block_id": 999999}, "town_block_id"),
        ({"group_id": world.services["salon"].provider_id}, "group_id"),
        ({"person_id": 999999}, "person_id"),
        ({"preferred_date": "2020-01-01"}, "preferred_date"),
    ):
        response = client.post("/api/v1/community/help-requests", {**payload, **bad}, content_type="application/json")
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["field"] == field
    for bad in ({"task": "gardening"}, {"description": "x" * 1001}, {"preferred_date": "2026-02-30"}, {"extra": 1}):
        response = client.post("/api/v1/community/help-requests", {**payload, **bad}, content_type="application/json")
        assert response.status_code == 422, bad
    created = client.post("/api/v1/community/help-requests", payload, content_type="application/json")
    assert created.status_code == 201 and created.json()["person_id"] is None
    client.force_login(world.member_user)
    closed = client.post(
        f"/api/v1/community/help-requests/{created.json()['id']}/close",
        {"outcome": "could_not", "note": "", "version": 1},
        content_type="application/json",
    )
    assert closed.status_code == 422 and closed.json()["errors"][0]["field"] == "note"
    assert client.post("/api/v1/community/help-requests", payload, content_type="application/json").status_code in {
        403,
        404,
    }


def test_the_volunteer_centre_adds_members_and_records_who_left(client: Any, world: World) -> None:
    newcomer = User.objects.create_user(username="new_member", password=PASSWORD)
    client.force_login(world.town.users["csw_worker"])
    page = client.get(f"/community/groups/?group={world.group.pk}").content.decode()  # type: ignore[union-attr]
    assert "隊長" in page
    added = client.post(
        "/community/groups/members/",
        {"group": world.group.pk, "name": "新人 花子", "login": "new_member", "role": "member"},  # type: ignore[union-attr]
    )
    assert added.status_code == 302
    member = GroupMember.objects.get(name="新人 花子")
    assert member.user == newcomer
    again = client.post(
        "/community/groups/members/",
        {"group": world.group.pk, "name": "新人 花子", "login": "new_member", "role": "member"},  # type: ignore[union-attr]
    )
    assert again.status_code == 400 and "ログイン" in again.content.decode()
    bad = client.post(
        "/community/groups/members/", {"group": world.services["salon"].provider_id, "name": "", "login": "nobody"}
    )
    assert bad.status_code == 400
    assert "グループ" in bad.content.decode() and "氏名" in bad.content.decode()
    assert client.post("/community/groups/members/leave/", {"member": member.pk}).status_code == 302
    member.refresh_from_db()
    assert member.left_on == timezone.localdate()
    assert client.post("/community/groups/members/leave/", {"member": "x"}).status_code == 404
    # The newcomer's login no longer reaches the queue; a caseworker may not manage members.
    client.force_login(newcomer)
    assert client.get("/api/v1/community/help-requests").json()["count"] == 0
    client.force_login(world.town.users["caseworker_north"])
    assert client.post("/community/groups/members/leave/", {"member": member.pk}).status_code == 403
    assert "新人" not in client.get(f"/community/groups/?group={world.group.pk}").content.decode()  # type: ignore[union-attr]
