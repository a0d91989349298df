"""The inbox knows no domain app: kinds are registered by the apps that post them, subjects are any model."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from tsunagiai.inbox import kinds
from tsunagiai.inbox.actions import do_post_inbox_item, do_resolve_items_about
from tsunagiai.inbox.models import InboxItem
from tsunagiai.inbox.selectors import items_about
from tsunagiai.intake.tests.helpers import make_intake
from tsunagiai.reference.models import UrgencyLevel

# Every kind posted today, with the Japanese the inbox showed when the kinds were central choices.
TODAYS_KINDS = {
    "emergency_intake": "緊急の相談",
    "volunteer_concern": "民生委員からの連絡",
    "fire_report": "消福連携の連絡",
    "referral_received": "つなぎの依頼",
    "referral_updated": "つなぎの状況の更新",
    "referral_overdue": "つなぎの期限超過",
    "referral_escalated": "受け手のないつなぎ(制度の狭間)",
    "lead_request": "主導役の引き受けの申し出",
    "coordination_overstay": "福祉総合相談課の主導役が長期化",
    "action_overdue": "支援プランの取組の期限超過",
    "plan_review_due": "支援プランの見直し時期",
    "no_contact": "長期間連絡なし",
    "emergency_access": "記録の緊急閲覧",
    "regional_issue": "満たされないニーズから提案された地域課題",
}


@pytest.fixture
def registry(monkeypatch):
    """A copy of the registry, so that a test's kinds do not outlive it."""
    monkeypatch.setattr(kinds, "_registry", dict(kinds._registry))


def test_the_apps_register_every_kind_they_post_with_the_same_japanese_as_before():
    assert {kind.code for kind in kinds.registered_kinds()} == set(TODAYS_KINDS)
    with translation.override("ja"):
        assert {code: kinds.kind_label(code) for code in TODAYS_KINDS} == TODAYS_KINDS
    with translation.override("en"):
        assert kinds.kind_label("emergency_intake") == "emergency intake"


def test_registering_a_kind_again_is_harmless_but_another_label_for_it_is_refused(registry):
    assert kinds.register_kind("test_kind", "test") == "test_kind"
    assert kinds.register_kind("test_kind", "test") == "test_kind"
    with pytest.raises(ValueError, match="already registered"):
        kinds.register_kind("test_kind", "another")
    with pytest.raises(ValueError, match="already registered"):
        kinds.register_kind("test_kind", "test", urgent_by_default=True)
    with pytest.raises(ValueError, match="1 to 30"):
        kinds.register_kind("x" * 31, "too long for the column")


def test_a_new_kind_needs_no_migration_and_takes_its_urgency_by_default(registry, town):
    kinds.register_kind("test_alarm", "alarm", urgent_by_default=True)
    coordination = town.orgs["coordination"]
    assert do_post_inbox_item(organisation=coordination, kind="test_alarm", title="警報").is_urgent
    assert not do_post_inbox_item(organisation=coordination, kind="test_alarm", title="警報", is_urgent=False).is_urgent
    assert not do_post_inbox_item(organisation=coordination, kind="fire_report", title="連絡").is_urgent


def test_posting_an_unregistered_kind_is_refused(town):
    with pytest.raises(ValueError, match="Unknown inbox kind"):
        do_post_inbox_item(organisation=town.orgs["coordination"], kind="no_such_kind", title="?")
    assert not InboxItem.objects.exists()


def test_an_item_of_a_kind_nobody_registers_any_more_shows_its_code(client, town):
    InboxItem.objects.create(organisation=town.orgs["coordination"], kind="removed_app_kind", title="古い項目")
    client.force_login(town.users["coordinator"])
    response = client.get(reverse("inbox:list"))
    assert response.status_code == 200
    assert "removed_app_kind" in response.content.decode() and "古い項目" in response.content.decode()


def test_an_intakes_items_are_found_by_their_subject_and_link_to_it(client, town):
    intake = make_intake(town, urgency=UrgencyLevel.objects.get(pk="emergency"))
    other = make_intake(town, urgency=UrgencyLevel.objects.get(pk="emergency"))
    item = items_about(intake).get()
    assert item.subject == intake and item.kind == "emergency_intake"
    assert item.url == reverse("intake:detail", args=[intake.pk])
    assert items_about(other).get().pk != item.pk
    client.force_login(town.users["coordinator"])
    assert f'href="{item.url}"' in client.get(reverse("inbox:list")).content.decode()


def test_resolving_the_items_about_a_subject_leaves_the_others_open(town):
    intake = make_intake(town, urgency=UrgencyLevel.objects.get(pk="emergency"))
    other = make_intake(town, urgency=UrgencyLevel.objects.get(pk="emergency"))
    coordinator = town.users["coordinator"]
    assert do_resolve_items_about(intake, acting_user=coordinator, kind="fire_report") == 0
    assert do_resolve_items_about(intake, acting_user=coordinator) == 1
    assert do_resolve_items_about(intake, acting_user=coordinator) == 0
    assert items_about(intake).get().resolved_by == coordinator
    assert items_about(other).get().resolved_at is None


def test_an_intakes_items_go_when_the_intake_goes(town):
    intake = make_intake(town, urgency=UrgencyLevel.objects.get(pk="emergency"))
    kept = make_intake(town, urgency=UrgencyLevel.objects.get(pk="emergency"))
    gone = list(items_about(intake).values_list("pk", flat=True))
    assert gone
    intake.delete()
    assert not InboxItem.objects.filter(pk__in=gone).exists()
    assert items_about(kept).count() == 1
