"""Exports and PDF reports per role: what each may download, validation, audit, 404 for cases."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from tsunagiai.audit.models import AuditEvent
from tsunagiai.intake.tests.helpers import make_intake
from tsunagiai.regional.tests.helpers import make_case
from tsunagiai.testing import Town, aware

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(aware(2025, 6, 15), tick=False):
        yield


def _csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def _pdf_text(response: Any) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_a_caseworker_exports_only_the_intakes_their_office_may_see_and_it_is_audited(
    client: Client, town: Town
) -> None:
    make_intake(town, org="branch_north", received_at=aware(2025, 5, 1))
    make_intake(town, org="branch_south", user="caseworker_south", received_at=aware(2025, 5, 2))
    client.force_login(town.users["caseworker_north"])
    response = client.get(reverse("reports:intake_export"), {"from": "2025-04-01", "to": "2025-06-30"})
    assert response.status_code == 200
    rows = _csv_rows(response)
    assert rows[0][0] == "受付番号"
    assert [row[2] for row in rows[1:-2]] == ["北支所"]
    assert rows[-2:] == [[], ["#", "行数: 1"]]  # the trailer: the number of rows, last
    assert rows[1][1] == "令和7年5月1日 10:00"  # the user's date style (era by default)
    event = AuditEvent.objects.filter(action="reports.export").latest("pk")
    assert event.changes["rows"] == 1


def test_the_intake_export_in_xlsx_with_western_dates(client: Client, town: Town) -> None:
    make_intake(town, received_at=aware(2025, 5, 1))
    client.force_login(town.users["caseworker_north"])
    response = client.get(reverse("reports:intake_export"), {"format": "xlsx", "dates": "western"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["受付一覧"]  # type: ignore[attr-defined]
    assert sheet["C2"].value == "北支所"
    assert sheet["B2"].number_format == "yyyy/mm/dd hh:mm"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"format": "pdf"}, "形式"),
        ({"dates": "showa"}, "日付の表記"),
        ({"from": "2025-02-30"}, "期間（から）"),
        ({"from": "yesterday"}, "期間（から）"),
        ({"from": "2025-05-01", "to": "2025-04-01"}, "期間（まで）"),
    ],
)
def test_a_bad_parameter_answers_400_naming_the_field(client: Client, town: Town, query: Any, field: str) -> None:
    client.force_login(town.users["caseworker_north"])
    response = client.get(reverse("reports:intake_export"), query)
    assert response.status_code == 400
    assert field in response.content.decode()


@pytest.mark.parametrize("user", ["analyst", "auditor", "volunteer"])
def test_who_is_not_staff_may_not_export_rows(client: Client, town: Town, user: str) -> None:
    client.force_login(town.users[user])
    assert client.get(reverse("reports:intake_export")).status_code == 403


def test_an_analyst_gets_perturbed_counts_and_never_a_small_count_as_itself(client: Client, town: Town) -> None:
    for _ in range(2):
        make_intake(town, town_block=town.blocks["north"], received_at=aware(2025, 5, 1))
    client.force_login(town.users["analyst"])
    response = client.get(reverse("reports:count_export"), {"from": "2025-04-01", "to": "2025-06-30"})
    assert response.status_code == 200
    rows = _csv_rows(response)
    assert rows[0][0] == "地区（支所）"
    assert rows[1][0] == "北地区"
    cell, total = rows[1][1], rows[1][2]
    assert cell == total  # the same two intakes: the same figure
    assert cell == "<5" or int(cell) >= 5  # a count of 2 is never shown to an analyst
    assert any("攪乱" in " ".join(row) for row in rows[3:])  # the note says the figures are perturbed


@pytest.mark.parametrize(
    "query",
    [{"from": "2025-04-01", "to": "2025-05-01"}, {"from": "2025-04-02", "to": "2025-04-30"}, {"period": "2025-04-01"}],
)
def test_an_analyst_gets_only_periods_of_the_grid(client: Client, town: Town, query: dict[str, str]) -> None:
    client.force_login(town.users["analyst"])
    response = client.get(reverse("reports:count_export"), query)
    assert response.status_code == 400
    assert "期間" in response.content.decode()


def test_the_count_export_takes_a_grid_period_and_the_coordinator_any_dates(client: Client, town: Town) -> None:
    for day in (1, 2, 3):
        make_intake(town, town_block=town.blocks["north"], received_at=aware(2025, 5, day))
    client.force_login(town.users["analyst"])
    assert client.get(reverse("reports:count_export"), {"period": "2025Q1"}).status_code == 200
    client.force_login(town.users["coordinator"])
    rows = _csv_rows(client.get(reverse("reports:count_export"), {"from": "2025-05-02", "to": "2025-05-03"}))
    assert rows[1][-1] == "2"  # exact, for any dates


@pytest.mark.parametrize(("user", "status"), [("auditor", 403), ("volunteer", 403), ("caseworker_north", 403)])
def test_count_exports_are_for_those_who_see_aggregates(client: Client, town: Town, user: str, status: int) -> None:
    client.force_login(town.users[user])
    assert client.get(reverse("reports:count_export")).status_code == status
    assert client.get(reverse("reports:national_export")).status_code == status
    assert client.get(reverse("reports:monthly_report")).status_code == status


def test_the_national_items_say_when_the_system_has_no_data(client: Client, town: Town) -> None:
    make_intake(town, received_at=aware(2025, 5, 1))
    client.force_login(town.users["coordinator"])
    response = client.get(reverse("reports:national_export"), {"fy": "2025", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active  # type: ignore[attr-defined]
    values = {row[1]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True) if row and row[1]}  # type: ignore[union-attr]
    assert values["相談受付件数"] == 1
    assert values["参加者数"] == "データなし"


def test_the_national_export_refuses_a_bad_fiscal_year(client: Client, town: Town) -> None:
    client.force_login(town.users["analyst"])
    response = client.get(reverse("reports:national_export"), {"fy": "R7"})
    assert response.status_code == 400
    assert "年度" in response.content.decode()


def test_the_monthly_report_is_a_pdf_with_the_seed_tables(client: Client, town: Town) -> None:
    for _ in range(6):
        make_intake(town, town_block=town.blocks["north"], received_at=aware(2025, 5, 10))
    client.force_login(town.users["coordinator"])
    response = client.get(reverse("reports:monthly_report"), {"month": "2025-05", "dates": "era"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response)
    for expected in ("月次報告", "窓口別の相談受付件数", "北支所", "北地区", "作成日", "令和7年6月15日", "担当"):
        assert expected in text


def test_the_monthly_report_refuses_a_bad_month(client: Client, town: Town) -> None:
    client.force_login(town.users["analyst"])
    response = client.get(reverse("reports:monthly_report"), {"month": "2025-13"})
    assert response.status_code == 400
    assert "対象月" in response.content.decode()


def test_the_case_summary_and_plan_are_pdfs_for_who_sees_the_case_and_404_for_others(
    client: Client, town: Town
) -> None:
    case = make_case(town, "north")
    client.force_login(town.users["caseworker_north"])
    response = client.get(reverse("reports:case_summary", args=[case.pk]), {"dates": "western"})
    assert response.status_code == 200
    text = _pdf_text(response)
    assert "ケース概要" in text and "狭間川" in text and "北支所" in text
    assert AuditEvent.objects.filter(action="reports.case_summary_pdf").exists()
    plan = client.get(reverse("reports:support_plan", args=[case.pk]))
    assert plan.status_code == 200
    assert "支援プラン" in _pdf_text(plan)
    for user in ("caseworker_south", "analyst"):
        client.force_login(town.users[user])
        assert client.get(reverse("reports:case_summary", args=[case.pk])).status_code == 404
        assert client.get(reverse("reports:support_plan", args=[case.pk])).status_code == 404


def test_an_english_request_gets_english_headers_and_an_english_parameter_error(client: Client, town: Town) -> None:
    make_intake(town, received_at=aware(2025, 5, 1))
    client.force_login(town.users["caseworker_north"])
    with translation.override("en"):
        response = client.get(reverse("reports:intake_export"), HTTP_ACCEPT_LANGUAGE="en")
        rows = _csv_rows(response)
        refused = client.get(reverse("reports:intake_export"), {"format": "pdf"}, HTTP_ACCEPT_LANGUAGE="en")
    assert rows[0][:3] == ["Intake number", "Received at", "Receiving window"]
    assert refused.status_code == 400
    assert "Format: give one of csv, csv_sjis, xlsx." in refused.content.decode()
