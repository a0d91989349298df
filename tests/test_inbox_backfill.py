"""Items posted before they named their subject get it from their link or key (issue 16, item 5)."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import time_machine
from django.apps import apps
from django.urls import reverse

from tsunagiai.cases.actions import do_add_team_member, do_request_lead
from tsunagiai.cases.tests.helpers import open_case, reload
from tsunagiai.inbox.models import InboxItem
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.referrals.tests.helpers import send
from tsunagiai.support.sweeps import sweep_support
from tsunagiai.support.tests.helpers import add_record, make_case, make_household, make_plan
from tsunagiai.testing import Town


def _run(app: str, name: str, function: str) -> None:
    getattr(importlib.import_module(f"tsunagiai.{app}.migrations.{name}"), function)(apps, None)


def _forget_subjects() -> None:
    """Make every item look as it did before items named their subject."""
    InboxItem.objects.update(subject_type=None, subject_id=None)


def test_old_referral_items_get_their_referral_and_show_its_person(client: Any, town: Town) -> None:
    person = make_person(town, family_name="北川", given_name="一郎")
    referral = send(town, intake=make_intake(town, person=person, is_anonymous=False), sharing_basis="life_and_safety")
    InboxItem.objects.create(  # a sweep's alert, known by its key only
        organisation=town.orgs["coordination"],
        kind="referral_overdue",
        title=f"#{referral.pk}",
        dedupe_key=f"referral:{referral.pk}:accept_overdue:{town.orgs['coordination'].pk}",
    )
    stray = InboxItem.objects.create(
        organisation=town.orgs["csw"], kind="referral_updated", title="#999999", url="/referrals/999999/"
    )
    _forget_subjects()
    _run("referrals", "0002_inbox_items_about_their_referral", "items_about_their_referral")
    assert InboxItem.objects.get(kind="referral_received").subject == referral  # from its link
    assert InboxItem.objects.get(kind="referral_overdue").subject == referral  # from its key
    stray.refresh_from_db()
    assert stray.subject_id is None  # no such referral: left as it was
    client.force_login(town.users["coordinator"])
    assert "北川 一郎" in client.get(reverse("inbox:list")).content.decode()


def test_old_case_items_get_their_case(town: Town) -> None:
    case = open_case(town)
    do_add_team_member(case, town.orgs["elderly_north"], acting_user=town.users["caseworker_north"])
    do_request_lead(reload(case), acting_user=town.users["elderly_worker"], reason="介護が中心")
    _forget_subjects()
    _run("cases", "0003_inbox_items_about_their_case", "items_about_their_case")
    assert InboxItem.objects.get(kind="lead_request").subject == case


def test_old_support_reminders_get_their_action_revision_or_case(town: Town) -> None:
    start = dt.datetime(2026, 4, 1, 1, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        household = make_household(town)
        case = make_case(town, household)
        revision = make_plan(town, case, review_on=dt.date(2026, 5, 1), due_on=dt.date(2026, 4, 10))
        add_record(town, household, case)
    with time_machine.travel(start + dt.timedelta(days=40), tick=False):
        sweep_support()
    _forget_subjects()
    _run("support", "0003_inbox_items_about_their_subject", "items_about_their_subject")
    subjects = {(item.kind, item.subject) for item in InboxItem.objects.all()}
    assert subjects == {
        *(("action_overdue", action) for action in revision.actions.all()),
        ("plan_review_due", revision),
        ("no_contact", case),
    }
