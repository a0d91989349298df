"""Working-day timers across Japanese holidays and the year-end closure; the sweep, posted once."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import time_machine
from django.core.management import call_command
from django.test import override_settings

from tsunagiai.core.workdays import add_working_days, is_working_day, working_days_between
from tsunagiai.inbox.models import InboxItem
from tsunagiai.referrals import inbox_kinds
from tsunagiai.referrals.actions import sweep_referral_timers
from tsunagiai.referrals.models import Referral, Status
from tsunagiai.referrals.tests.helpers import move_to, send
from tsunagiai.referrals.timers import referral_timers
from tsunagiai.testing import Town, aware


def test_labour_thanksgiving_day_is_not_a_working_day() -> None:
    assert not is_working_day(dt.date(2026, 11, 23))  # 勤労感謝の日 (Monday)
    assert is_working_day(dt.date(2026, 11, 24))


def test_one_working_day_after_a_friday_skips_the_holiday_monday() -> None:
    assert add_working_days(aware(2026, 11, 20, 10), 1) == aware(2026, 11, 24, 10)


def test_the_year_end_closure_is_skipped() -> None:
    for day in (28, 29, 30, 31):
        assert is_working_day(dt.date(2026, 12, day)) == (day == 28)
    assert is_working_day(dt.date(2027, 1, 4))  # Monday 4 January: offices open
    assert add_working_days(aware(2026, 12, 28, 9), 1) == aware(2027, 1, 4, 9)
    assert working_days_between(aware(2026, 12, 25), aware(2027, 1, 6)) == 4  # 28th, 4th, 5th, 6th


def test_default_timers_and_override() -> None:
    assert referral_timers() == {"not_seen": 1, "not_accepted": 3, "no_first_contact": 5}
    with override_settings(REFERRAL_TIMERS={"not_accepted": 2, "bogus": 9, "not_seen": -1}):
        assert referral_timers() == {"not_seen": 1, "not_accepted": 2, "no_first_contact": 5}


def test_due_dates_are_computed_in_working_days(town: Town) -> None:
    with time_machine.travel(aware(2026, 11, 20, 10), tick=False):
        referral = send(town)
    assert referral.seen_due_at == aware(2026, 11, 24, 10)
    assert referral.accept_due_at == aware(2026, 11, 26, 10)


def _items(kind: str) -> list[InboxItem]:
    return list(InboxItem.objects.filter(kind=kind).order_by("organisation_id"))


def test_sweep_posts_not_seen_to_sender_and_coordination_once(town: Town) -> None:
    with time_machine.travel(aware(2026, 11, 20, 10), tick=False):
        referral = send(town)
    # Monday is a holiday: nothing is late yet.
    assert sweep_referral_timers(now=aware(2026, 11, 23, 18)) == 0
    assert sweep_referral_timers(now=aware(2026, 11, 24, 11)) == 1
    assert sweep_referral_timers(now=aware(2026, 11, 24, 12)) == 1
    overdue = _items(inbox_kinds.REFERRAL_OVERDUE)
    assert {i.organisation_id for i in overdue} == {town.orgs["branch_north"].pk, town.orgs["coordination"].pk}
    assert len(overdue) == 2
    assert all(str(referral.pk) in i.title for i in overdue)


def test_not_accepted_in_time_escalates_to_the_coordination_section(town: Town) -> None:
    with time_machine.travel(aware(2026, 11, 20, 10), tick=False):
        referral = move_to(town, send(town), Status.SEEN)
    sweep_referral_timers(now=aware(2026, 11, 26, 9))
    assert not _items(inbox_kinds.REFERRAL_ESCALATED)
    sweep_referral_timers(now=aware(2026, 11, 26, 11))
    sweep_referral_timers(now=aware(2026, 11, 27, 11))
    escalated = _items(inbox_kinds.REFERRAL_ESCALATED)
    assert [i.organisation_id for i in escalated] == [town.orgs["coordination"].pk]
    referral.refresh_from_db()
    assert referral.escalated_at is not None


def test_no_first_contact_reminds_both_sides(town: Town) -> None:
    with time_machine.travel(aware(2026, 12, 24, 10), tick=False):
        referral = move_to(town, send(town), Status.ACCEPTED)
    # Working days after 24 December: 25th, 28th, then (closure) 4th, 5th and 6th of January.
    assert referral.first_contact_due_at == aware(2027, 1, 6, 10)
    sweep_referral_timers(now=aware(2027, 1, 6, 9))
    assert not _items(inbox_kinds.REFERRAL_OVERDUE)
    sweep_referral_timers(now=aware(2027, 1, 6, 11))
    orgs = {i.organisation_id for i in _items(inbox_kinds.REFERRAL_OVERDUE)}
    assert orgs == {town.orgs["branch_north"].pk, town.orgs["csw"].pk}


def test_closed_referrals_are_not_swept(town: Town) -> None:
    with time_machine.travel(aware(2026, 11, 20, 10), tick=False):
        move_to(town, send(town), Status.CANCELLED)
    assert sweep_referral_timers(now=aware(2026, 12, 20, 10)) == 0
    assert not InboxItem.objects.filter(kind=inbox_kinds.REFERRAL_OVERDUE).exists()


def test_the_sweep_and_the_command_post_each_overdue_referral_once(town: Town) -> None:
    with time_machine.travel(aware(2026, 11, 20, 10), tick=False):
        send(town)
    with time_machine.travel(aware(2026, 11, 25, 10), tick=False):
        assert sweep_referral_timers() == 1
        out = StringIO()
        call_command("sweep_referrals", stdout=out)
    assert "1" in out.getvalue()
    assert Referral.objects.count() == 1


def test_a_municipality_sets_its_timers_and_closure_in_its_reference_folder(tmp_path: Any) -> None:
    (tmp_path / "municipality.yaml").write_text(
        "code: '99999'\nreferral_timers: {not_seen: 2, no_first_contact: 10}\nyear_end_closure: [[12, 28], [1, 4]]\n",
        encoding="utf-8",
    )
    with override_settings(REFERENCE_DATA_DIR=tmp_path):
        assert referral_timers() == {"not_seen": 2, "not_accepted": 3, "no_first_contact": 10}
        assert not is_working_day(dt.date(2026, 12, 28))
        assert not is_working_day(dt.date(2027, 1, 4))


def test_a_malformed_city_setting_falls_back_to_the_defaults_and_says_so(tmp_path: Any, caplog: Any) -> None:
    (tmp_path / "municipality.yaml").write_text(
        "code: '99998'\nreferral_timers: {not_seen: -1, unknown_step: 4}\nyear_end_closure: [12, 29]\n",
        encoding="utf-8",
    )
    with override_settings(REFERENCE_DATA_DIR=tmp_path):
        assert referral_timers() == {"not_seen": 1, "not_accepted": 3, "no_first_contact": 5}
        assert not is_working_day(dt.date(2026, 12, 29))
    messages = " ".join(record.getMessage() for record in caplog.records)
    assert "year_end_closure" in messages and "unknown_step" in messages
