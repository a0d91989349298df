"""The inbox list shows the person (to whom may see them), what is due and the intake's urgency (issue 16, item 5)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tsunagiai.audit.models import AuditEvent
from tsunagiai.inbox.actions import do_post_inbox_item
from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.reference.models import UrgencyLevel
from tsunagiai.referrals.tests.helpers import send
from tsunagiai.testing import Town


def _referral_about_a_person(town: Town, name: str = "北川") -> Any:
    """A referral to the CSW about a named person, with an item about it in the coordination section's inbox."""
    person = make_person(town, family_name=name, given_name="一郎")
    referral = send(town, intake=make_intake(town, person=person, is_anonymous=False), sharing_basis="life_and_safety")
    do_post_inbox_item(
        organisation=town.orgs["coordination"], kind="referral_overdue", title=f"#{referral.pk}", subject=referral
    )
    return referral


def test_the_receiving_side_sees_the_person_and_the_response_due(client: Any, town: Town) -> None:
    _referral_about_a_person(town)
    client.force_login(town.users["coordinator"])  # may see every person
    body = client.get(reverse("inbox:list")).content.decode()
    assert "北川 一郎" in body
    assert "response due" in body or "回答期限" in body


def test_a_person_the_user_may_not_see_is_not_named(client: Any, town: Town) -> None:
    referral = _referral_about_a_person(town, name="南野")
    client.force_login(town.users["csw_worker"])  # receives the referral, does not hold the person
    body = client.get(reverse("inbox:list")).content.decode()
    assert reverse("referrals:detail", args=[referral.pk]) in body  # the item is there
    assert "南野" not in body


def test_an_emergency_intake_shows_its_urgency_in_words(client: Any, town: Town) -> None:
    make_intake(town, urgency=UrgencyLevel.objects.get(pk="emergency"))
    client.force_login(town.users["coordinator"])
    body = client.get(reverse("inbox:list")).content.decode()
    label = UrgencyLevel.objects.get(pk="emergency").label
    assert f'<span class="pill urgent">⚠ {label}</span>' in body


def test_the_query_count_does_not_grow_with_the_items(client: Any, town: Town) -> None:
    client.force_login(town.users["coordinator"])
    _referral_about_a_person(town)
    make_intake(town, urgency=UrgencyLevel.objects.get(pk="emergency"))
    client.get(reverse("inbox:list"))  # warm the content-type cache
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("inbox:list"))
    for n in range(12):
        _referral_about_a_person(town, name=f"多田{n}")
        intake = make_intake(town, person=make_person(town, family_name=f"森{n}"), is_anonymous=False)
        do_post_inbox_item(
            organisation=town.orgs["coordination"], kind="volunteer_concern", title=f"#{n}", subject=intake
        )
    with CaptureQueriesContext(connection) as many:
        body = client.get(reverse("inbox:list")).content.decode()
    assert "多田11" in body
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_full_page_load_is_audited_once_and_the_poll_writes_nothing(client: Any, town: Town) -> None:
    _referral_about_a_person(town)
    client.force_login(town.users["coordinator"])
    client.get(reverse("inbox:list"))
    assert AuditEvent.objects.filter(action="inbox.listed").count() == 1
    client.get(reverse("inbox:list"), headers={"HX-Request": "true"})
    client.get(reverse("inbox:list"), headers={"HX-Request": "true"})
    assert AuditEvent.objects.filter(action="inbox.listed").count() == 1
