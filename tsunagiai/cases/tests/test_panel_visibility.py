"""The case page's panels ask the access policy per case (``visible_<things>_of_case``): same answer as the policy.

The panels (community, support, regional) skip the access-policy subquery when the user's organisation is on the
case's team, as the page loaded it (``remember_team``). That must never change who sees what: for every user of
the demo and every case — with an emergency access to a case the user's organisation is not on the team of —
each panel's rows equal the policy's whole set narrowed to the case, with and without the remembered team.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import QuerySet
from django.utils import timezone

from tsunagiai.accounts import access
from tsunagiai.accounts.models import User
from tsunagiai.cases import selectors
from tsunagiai.cases.models import Case, TeamMember
from tsunagiai.community.models import Participation
from tsunagiai.emergency.models import EmergencyAccess
from tsunagiai.testing import Town

PANELS: dict[str, tuple[Callable[[User], QuerySet[Any]], Callable[[User, Case], QuerySet[Any]]]] = {
    "participations": (access.visible_participations, access.visible_participations_of_case),
    "support records": (access.visible_support_records, access.visible_support_records_of_case),
    "unmet needs": (access.visible_unmet_needs, access.visible_unmet_needs_of_case),
}
USERNAMES = ("caseworker_north", "caseworker_south", "elderly_worker", "csw_worker", "intake_north", "coordinator")


@pytest.fixture
def demo(town: Town) -> Case:
    """The demo, and an emergency access of the north branch to a case its organisation is not on the team of."""
    call_command("demo_data", "--people", "40", "--intakes", "30", stdout=io.StringIO())
    north = town.users["caseworker_north"]
    stranger = Case.objects.exclude(pk__in=access.visible_cases(north).values("pk")).order_by("pk").first()
    assert stranger is not None
    now = timezone.now()
    EmergencyAccess.objects.create(
        user=north, reason="救急搬送", case=stranger, started_at=now, expires_at=now + dt.timedelta(hours=1)
    )
    return stranger


def _ids(queryset: QuerySet[Any]) -> list[int]:
    return sorted(queryset.values_list("pk", flat=True))


@pytest.mark.django_db
def test_the_panels_per_case_answers_equal_the_access_policy(demo: Case) -> None:
    users = list(User.objects.filter(username__in=USERNAMES).order_by("username"))
    cases = list(Case.objects.order_by("pk"))
    shown: set[str] = set()
    for user in users:
        access.forget_memberships(user)
        on_team = set(
            TeamMember.objects.filter(
                left_at__isnull=True, organisation_id__in=access.organisation_ids(user)
            ).values_list("case_id", flat=True)
        )
        for case in cases:
            remembered = Case.objects.get(pk=case.pk)
            access.remember_team(remembered, TeamMember.objects.filter(case=remembered))
            fresh = Case.objects.get(pk=case.pk)
            assert access.on_case_team(user, fresh) == (case.pk in on_team), (user.username, case.pk)
            assert access.on_case_team(user, remembered) == (case.pk in on_team), (user.username, case.pk)
            for name, (whole, of_case) in PANELS.items():
                expected = _ids(whole(user).filter(case_id=case.pk))
                assert _ids(of_case(user, remembered)) == expected, (name, user.username, case.pk)
                assert _ids(of_case(user, fresh)) == expected, (name, user.username, case.pk)
                if expected:
                    shown.add(name)
    # The comparison must have had something to compare for every panel.
    assert shown == set(PANELS)
    # The emergency access: the north branch sees the case (participations, unmet needs) but not its support
    # records, which belong to the team (visible_support_records).
    north = User.objects.get(username="caseworker_north")
    access.forget_memberships(north)
    assert not access.on_case_team(north, Case.objects.get(pk=demo.pk))
    assert _ids(access.visible_support_records_of_case(north, demo)) == []
    assert _ids(access.visible_participations_of_case(north, demo)) == _ids(
        Participation.objects.filter(case_id=demo.pk)
    )


@pytest.mark.django_db
def test_the_case_pages_consent_warning_equals_the_actions_reading(demo: Case) -> None:
    """The page reads whose consent is needed from the focus members and memberships it loaded: the same
    people, in the same order, as ``consent_subjects`` (what the actions read)."""
    coordinator = User.objects.get(username="coordinator")
    # Cases without focus members read the household's current members instead: make a few.
    on_consent = list(Case.objects.filter(team_members__basis=TeamMember.Basis.CONSENT).distinct().order_by("pk"))
    for case in on_consent[::2]:
        case.focus_members.clear()
    warned = 0
    for case in Case.objects.select_related("household", "lead_organisation").order_by("pk"):
        view = selectors.case_view(coordinator, case)
        expected = selectors.team_without_basis(case, view.team)
        got = view.without_basis
        assert [(m.pk, [p.pk for p in people]) for m, people in got] == [
            (m.pk, [p.pk for p in people]) for m, people in expected
        ], case.pk
        assert [p.pk for p in view.focus_members] == sorted(p.pk for p in case.focus_members.all()), case.pk
        warned += bool(got)
    assert warned, "the demo must have a case whose team lacks a basis, or the comparison proves little"
    assert Case.objects.filter(focus_members__isnull=True).exists()
    assert Case.objects.filter(focus_members__isnull=False).exists()
