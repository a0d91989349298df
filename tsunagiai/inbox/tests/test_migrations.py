"""Migrations 0005-0007: each item about an intake keeps it as its generic subject, and its link; and back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from tsunagiai.inbox.models import InboxItem
from tsunagiai.inbox.selectors import items_about
from tsunagiai.intake.tests.helpers import make_intake

BEFORE = [("inbox", "0005_inboxitem_subject")]  # the subject columns exist, the intake column is still there


def _latest() -> list[tuple[str, str]]:
    return [key for key in MigrationExecutor(connection).loader.graph.leaf_nodes() if key[0] == "inbox"]


@pytest.mark.django_db(transaction=True)
def test_items_about_an_intake_keep_it_as_their_subject_and_their_link_both_ways(town) -> None:
    intake = make_intake(town, "coordination", "coordinator")
    organisation = town.orgs["coordination"]
    latest = _latest()
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps.get_model("inbox", "InboxItem")
        linked = old.objects.create(
            organisation_id=organisation.pk, kind="fire_report", title="消福", intake_id=intake.pk
        )
        own_link = old.objects.create(
            organisation_id=organisation.pk, kind="fire_report", title="別", intake_id=intake.pk, url="/elsewhere/"
        )
        about_nothing = old.objects.create(organisation_id=organisation.pk, kind="regional_issue", title="地域")
        MigrationExecutor(connection).migrate(latest)

        assert set(items_about(intake).values_list("pk", flat=True)) == {linked.pk, own_link.pk}
        items = InboxItem.objects.in_bulk()
        assert items[linked.pk].subject == intake
        assert items[linked.pk].url == reverse("intake:detail", args=[intake.pk])  # what the page linked to
        assert items[own_link.pk].url == "/elsewhere/"
        assert (items[about_nothing.pk].subject_type_id, items[about_nothing.pk].subject_id) == (None, None)

        MigrationExecutor(connection).migrate(BEFORE)
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps.get_model("inbox", "InboxItem")
        back = old.objects.in_bulk()
        assert (back[linked.pk].intake_id, back[linked.pk].url) == (intake.pk, "")  # the page links it itself again
        assert (back[own_link.pk].intake_id, back[own_link.pk].url) == (intake.pk, "/elsewhere/")
        assert back[about_nothing.pk].intake_id is None
    finally:
        MigrationExecutor(connection).migrate(latest)
