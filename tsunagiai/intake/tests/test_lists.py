"""Lists: filters, pagination, emergency marking, and a query count that does not grow with rows."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tsunagiai.intake.tests.helpers import make_intake
from tsunagiai.reference.models import UrgencyLevel
from tsunagiai.testing import aware


def _count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def test_intake_list_query_count_is_the_same_for_1_and_30_rows(client, town):
    client.force_login(town.users["caseworker_north"])
    make_intake(town, urgency=UrgencyLevel.objects.get(pk="emergency"))
    one = _count_queries(client, reverse("intake:list"))
    for _ in range(29):
        make_intake(town)
    assert _count_queries(client, reverse("intake:list")) == one


def test_my_reports_query_count_is_the_same_for_1_and_30_rows(client, town):
    client.force_login(town.users["volunteer"])
    make_intake(town, reported_by=town.users["volunteer"])
    one = _count_queries(client, reverse("intake:my_reports"))
    for _ in range(29):
        make_intake(town, reported_by=town.users["volunteer"])
    assert _count_queries(client, reverse("intake:my_reports")) == one


def test_emergency_rows_are_marked_with_a_symbol_and_a_word(client, town):
    make_intake(town, urgency=UrgencyLevel.objects.get(pk="emergency"))
    client.force_login(town.users["caseworker_north"])
    page = client.get(reverse("intake:list")).content.decode()
    assert '<span class="pill urgent">⚠ 緊急</span>' in page


def test_list_filters(client, town):
    old = make_intake(town, received_at=aware(2025, 4, 1))
    new = make_intake(town, received_at=aware(2025, 5, 1), urgency=UrgencyLevel.objects.get(pk="high"))
    client.force_login(town.users["coordinator"])

    def shown(**params):
        page = client.get(reverse("intake:list"), params).content.decode()
        return {i.pk for i in (old, new) if reverse("intake:detail", args=[i.pk]) in page}

    assert shown() == {old.pk, new.pk}
    assert shown(date_from="2025-04-15") == {new.pk}
    assert shown(date_to="2025-04-01") == {old.pk}
    assert shown(urgency="high") == {new.pk}
    assert shown(receiving_organisation=town.orgs["branch_south"].pk) == set()
    assert shown(kind="fire_report") == set()
    assert shown(status="open") == {old.pk, new.pk}
    assert shown(category="employment") == set()
    page = client.get(reverse("intake:list"), {"date_from": "2025-02-30"}).content.decode()
    assert "開始日:" in page  # an invalid filter is reported, not a 500


def test_list_is_paginated(client, town):
    for day in range(1, 28):
        make_intake(town, received_at=aware(2025, 4, day))
    client.force_login(town.users["caseworker_north"])
    first = client.get(reverse("intake:list"))
    assert len(first.context["page"].object_list) == 25
    second = client.get(reverse("intake:list"), {"page": 2})
    assert len(second.context["page"].object_list) == 2
    partial = client.get(reverse("intake:list"), {"page": 2}, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()
    assert client.get(reverse("intake:list"), {"page": "x"}).status_code == 200
