"""The inbox: the user's organisations' open items first, urgent first; polling; resolving."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tsunagiai.audit.models import AuditEvent
from tsunagiai.inbox.actions import do_post_inbox_item
from tsunagiai.inbox.models import InboxItem
from tsunagiai.inbox.selectors import items_about
from tsunagiai.intake.tests.helpers import make_intake
from tsunagiai.reference.models import UrgencyLevel


def _emergency(town, org="branch_north", user="caseworker_north"):
    return make_intake(town, org, user, urgency=UrgencyLevel.objects.get(pk="emergency"))


def test_open_urgent_items_come_first(client, town):
    coordination = town.orgs["coordination"]
    normal = do_post_inbox_item(organisation=coordination, kind="fire_report", title="通常")
    urgent = items_about(_emergency(town)).get()
    done = do_post_inbox_item(organisation=coordination, kind="fire_report", title="済み", is_urgent=True)
    client.force_login(town.users["coordinator"])
    client.post(reverse("inbox:resolve", args=[done.pk]))
    items = list(client.get(reverse("inbox:list")).context["page"].object_list)
    assert [i.pk for i in items] == [urgent.pk, normal.pk, done.pk]


def test_the_most_recently_resolved_items_come_after_the_open_ones(client, town, time_machine):
    coordination = town.orgs["coordination"]
    first = do_post_inbox_item(organisation=coordination, kind="fire_report", title="先")
    second = do_post_inbox_item(organisation=coordination, kind="fire_report", title="後")
    still_open = do_post_inbox_item(organisation=coordination, kind="fire_report", title="未対応")
    client.force_login(town.users["coordinator"])
    time_machine.move_to("2026-11-01 09:00 +0900")
    client.post(reverse("inbox:resolve", args=[first.pk]))
    time_machine.move_to("2026-11-02 09:00 +0900")
    client.post(reverse("inbox:resolve", args=[second.pk]))
    items = list(client.get(reverse("inbox:list")).context["page"].object_list)
    assert [i.pk for i in items] == [still_open.pk, second.pk, first.pk]


def test_inbox_shows_only_the_users_organisations_items(client, town):
    _emergency(town)
    client.force_login(town.users["caseworker_north"])
    assert client.get(reverse("inbox:list")).context["page"].paginator.count == 0
    item = InboxItem.objects.get()
    assert client.post(reverse("inbox:resolve", args=[item.pk])).status_code == 404
    item.refresh_from_db()
    assert item.resolved_at is None


def test_resolving_records_who_and_when(client, town):
    item = items_about(_emergency(town)).get()
    client.force_login(town.users["coordinator"])
    response = client.post(reverse("inbox:resolve", args=[item.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'id="inbox-items"' in response.content.decode()
    item.refresh_from_db()
    assert item.resolved_by == town.users["coordinator"] and item.resolved_at is not None
    assert AuditEvent.objects.filter(action="inbox.resolved", actor=town.users["coordinator"]).exists()


def test_the_partial_polls_every_30_seconds(client, town):
    _emergency(town)
    client.force_login(town.users["coordinator"])
    page = client.get(reverse("inbox:list")).content.decode()
    assert 'hx-trigger="every 30s"' in page
    partial = client.get(reverse("inbox:list"), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and "⚠" in partial


def test_inbox_query_count_is_the_same_for_1_and_30_rows(client, town):
    client.force_login(town.users["coordinator"])
    _emergency(town)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("inbox:list"))
    for _ in range(29):
        _emergency(town)
    with CaptureQueriesContext(connection) as thirty:
        response = client.get(reverse("inbox:list"))
    assert response.context["page"].paginator.count == 30
    assert len(one) == len(thirty)


def test_volunteers_and_analysts_have_no_inbox(client, town):
    for role in ("volunteer", "analyst"):
        client.force_login(town.users[role])
        assert client.get(reverse("inbox:list")).status_code == 403


def test_a_keyed_item_is_posted_once_while_it_is_open(client, town):
    coordination = town.orgs["coordination"]
    first = do_post_inbox_item(organisation=coordination, kind="referral_overdue", title="期限超過", dedupe_key="r:1")
    again = do_post_inbox_item(organisation=coordination, kind="referral_overdue", title="期限超過", dedupe_key="r:1")
    assert first.pk == again.pk
    client.force_login(town.users["coordinator"])
    client.post(reverse("inbox:resolve", args=[first.pk]))
    later = do_post_inbox_item(organisation=coordination, kind="referral_overdue", title="期限超過", dedupe_key="r:1")
    assert later.pk != first.pk
    assert InboxItem.objects.filter(dedupe_key="r:1").count() == 2


def test_an_item_for_one_member_is_not_shown_to_colleagues(client, town):
    north = town.orgs["branch_north"]
    do_post_inbox_item(organisation=north, kind="plan_review_due", title="見直し", user=town.users["caseworker_north"])
    client.force_login(town.users["caseworker_north"])
    assert client.get(reverse("inbox:list")).context["page"].paginator.count == 1
    client.force_login(town.users["supervisor_north"])
    assert client.get(reverse("inbox:list")).context["page"].paginator.count == 0
