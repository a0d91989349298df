"""An intake's alerts are resolved when it is closed or a case is opened from it (issue 16, item 5)."""

from __future__ import annotations

from tsunagiai.audit.models import AuditEvent
from tsunagiai.cases.tests.helpers import make_family, open_case
from tsunagiai.inbox.actions import do_post_inbox_item
from tsunagiai.inbox.selectors import items_about
from tsunagiai.intake import inbox_kinds
from tsunagiai.intake.actions import do_update_intake
from tsunagiai.intake.models import Intake
from tsunagiai.intake.tests.helpers import make_intake
from tsunagiai.reference.models import UrgencyLevel
from tsunagiai.testing import Town


def test_closing_an_emergency_intake_resolves_its_alerts_in_every_inbox_audited(town: Town) -> None:
    intake = make_intake(town, urgency=UrgencyLevel.objects.get(pk="emergency"))
    alerts = items_about(intake).filter(kind=inbox_kinds.EMERGENCY_INTAKE)
    assert alerts.exists() and not alerts.filter(resolved_at__isnull=False).exists()
    user = town.users["caseworker_north"]
    do_update_intake(intake, acting_user=user, expected_version=intake.version, status=Intake.Status.CLOSED)
    assert not items_about(intake).filter(resolved_at__isnull=True).exists()
    assert {item.resolved_by for item in alerts} == {user}
    ids = [str(pk) for pk in alerts.values_list("pk", flat=True)]
    assert AuditEvent.objects.filter(action="inbox.resolved", object_id__in=ids).count() == len(ids)


def test_an_edit_that_leaves_the_intake_open_resolves_nothing(town: Town) -> None:
    intake = make_intake(town, urgency=UrgencyLevel.objects.get(pk="emergency"))
    do_update_intake(
        intake, acting_user=town.users["caseworker_north"], expected_version=intake.version, concern="追記しました。"
    )
    assert items_about(intake).filter(resolved_at__isnull=True).exists()


def test_opening_a_case_from_the_intake_resolves_its_alerts(town: Town) -> None:
    family = make_family(town)
    item = do_post_inbox_item(
        organisation=town.orgs["coordination"],
        kind=inbox_kinds.VOLUNTEER_CONCERN,
        title="民生委員からの連絡",
        subject=family.intake,
    )
    open_case(town, family)
    item.refresh_from_db()
    assert item.resolved_at is not None and item.resolved_by == town.users["caseworker_north"]
