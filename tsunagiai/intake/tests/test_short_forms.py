"""The short forms: a 民生委員's concern and the fire department's 消福連携 report."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from tsunagiai.inbox.models import InboxItem
from tsunagiai.intake import inbox_kinds
from tsunagiai.intake.models import Intake
from tsunagiai.intake.tests.helpers import make_intake


def _concern(town, **overrides):
    data = {
        "subject_description": "3丁目の一人暮らしの男性(70代)",
        "town_block": town.blocks["north"].pk,
        "concern": "新聞がたまっていて、最近姿を見ない。",
        "urgency": "high",
        "consent_status": "not_asked",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_volunteer_concern_goes_to_the_branch_office_covering_the_town_block(client, town):
    client.force_login(town.users["volunteer"])
    response = client.post(reverse("intake:volunteer_create"), _concern(town))
    assert response.status_code == 302
    intake = Intake.objects.get()
    assert intake.kind == Intake.Kind.VOLUNTEER_CONCERN
    assert intake.receiving_organisation == town.orgs["branch_north"]
    assert intake.reported_by == town.users["volunteer"]
    item = InboxItem.objects.get()
    assert item.organisation == town.orgs["branch_north"] and item.kind == inbox_kinds.VOLUNTEER_CONCERN
    assert not item.is_urgent


def test_volunteer_concern_without_place_goes_to_the_coordination_section(client, town):
    client.force_login(town.users["volunteer"])
    client.post(reverse("intake:volunteer_create"), _concern(town, town_block=None))
    assert Intake.objects.get().receiving_organisation == town.orgs["coordination"]


def test_emergency_volunteer_concern_also_alerts_the_coordination_section(client, town):
    client.force_login(town.users["volunteer"])
    client.post(reverse("intake:volunteer_create"), _concern(town, urgency="emergency"))
    items = {(i.organisation.code, i.kind, i.is_urgent) for i in InboxItem.objects.select_related("organisation")}
    assert items == {("branch_north", "volunteer_concern", True), ("coordination", "emergency_intake", True)}


def test_volunteer_form_errors_name_the_field_and_keep_the_input(client, town):
    client.force_login(town.users["volunteer"])
    response = client.post(
        reverse("intake:volunteer_create"), _concern(town, subject_description="", concern="あ" * 5000)
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "どなたのこと:" in page and "気づいたこと:" in page
    assert "あ" * 100 in page
    assert not Intake.objects.exists()


def test_volunteer_sees_only_their_own_reports_status_in_words(client, town):
    client.force_login(town.users["volunteer"])
    client.post(reverse("intake:volunteer_create"), _concern(town))
    mine = Intake.objects.get()
    other = make_intake(town, subject_description="別の人の相談", reported_by=None)
    page = client.get(reverse("intake:my_reports")).content.decode()
    assert "3丁目の一人暮らしの男性" in page and "受付済み" in page
    assert mine.concern not in page  # nothing from the record itself
    assert "別の人の相談" not in page
    mine.first_response = "connect"
    mine.save()
    assert "対応中" in client.get(reverse("intake:my_reports")).content.decode()
    mine.status = "closed"
    mine.save()
    assert "終了" in client.get(reverse("intake:my_reports")).content.decode()
    assert client.get(reverse("intake:detail", args=[mine.pk])).status_code == 404
    assert client.get(reverse("intake:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("intake:create")).status_code == 403


def test_staff_cannot_use_the_volunteer_pages(client, town):
    client.force_login(town.users["caseworker_north"])
    assert client.get(reverse("intake:volunteer_create")).status_code == 403
    assert client.get(reverse("intake:my_reports")).status_code == 403


def _fire(town, **overrides):
    data = {
        "incident_at": (timezone.localtime() - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "incident_type": "ambulance",
        "town_block": town.blocks["south"].pk,
        "address_line": "1-2-3",
        "subject_description": "女性・80代くらい",
        "concern": "室内にごみが多く、食事がとれていない様子。",
        "urgency": "high",
        "consent_status": "oral",
    }
    data.update(overrides)
    return data


def test_fire_report_is_received_by_the_fire_department_and_sent_to_coordination(client, town):
    client.force_login(town.users["fire_crew"])
    response = client.post(reverse("intake:fire_create"), _fire(town))
    intake = Intake.objects.get()
    assert response.status_code == 302
    assert intake.kind == Intake.Kind.FIRE_REPORT
    assert intake.receiving_organisation == town.orgs["fire"]
    assert intake.incident_type == "ambulance" and intake.address_line == "1-2-3"
    item = InboxItem.objects.get()
    assert item.organisation == town.orgs["coordination"] and item.kind == inbox_kinds.FIRE_REPORT
    assert not item.is_urgent


def test_emergency_fire_report_is_flagged_urgent_once(client, town):
    client.force_login(town.users["fire_crew"])
    client.post(reverse("intake:fire_create"), _fire(town, urgency="emergency"))
    item = InboxItem.objects.get()
    assert item.is_urgent and item.kind == inbox_kinds.FIRE_REPORT


def test_fire_report_refuses_a_future_call_out(client, town):
    client.force_login(town.users["fire_crew"])
    future = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(reverse("intake:fire_create"), _fire(town, incident_at=future, incident_type="volcano"))
    page = response.content.decode()
    assert "出動日時:" in page and "未来" in page and "出動の種別:" in page
    assert not Intake.objects.exists()


def test_only_fire_department_staff_may_send_fire_reports(client, town):
    client.force_login(town.users["caseworker_north"])
    assert client.get(reverse("intake:fire_create")).status_code == 403


def test_the_volunteers_own_district_comes_first_in_the_town_block_list(client, town):
    client.force_login(town.users["volunteer"])  # of 北地区民生委員児童委員協議会, covering the north branch area
    page = client.get(reverse("intake:volunteer_create")).content.decode()
    own = page.index('<optgroup label="担当地区">')
    other = page.index('<optgroup label="その他の地区">')
    north, south = (f'<option value="{town.blocks[key].pk}"' for key in ("north", "south"))
    assert own < page.index(north) < other < page.index(south)
    # The grouping is only the order: a block of another district is still accepted.
    client.post(reverse("intake:volunteer_create"), _concern(town, town_block=town.blocks["south"].pk))
    assert Intake.objects.get().town_block == town.blocks["south"]
