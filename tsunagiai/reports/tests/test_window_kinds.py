"""The monthly report's table by kind of window: consultations and the share from community sources."""

from __future__ import annotations

import io
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from tsunagiai.analytics import cellkey, rollup
from tsunagiai.intake.tests.helpers import make_intake
from tsunagiai.reference.models import AgencyType, ConsulterType
from tsunagiai.reports import queries
from tsunagiai.testing import Town, aware

pytestmark = pytest.mark.django_db

WORKERS = {"branch_north": "caseworker_north", "branch_south": "caseworker_south", "elderly_north": "elderly_worker"}


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(aware(2025, 6, 15), tick=False):
        yield


def _intakes(town: Town, org: str, consulter: str, count: int, *, month: int, year: int = 2025) -> None:
    for _ in range(count):
        make_intake(
            town,
            org=org,
            user=WORKERS[org],
            consulter_type=ConsulterType.objects.get(pk=consulter),
            received_at=aware(year, month, 10),
        )


@pytest.fixture
def intakes(town: Town) -> Town:
    """By hand, for May 2025 (fiscal year from 1 April 2025):
    branch offices: May 3 community volunteer + 1 neighbour + 2 self (north), 1 self (south);
    April 1 neighbourhood leader (north) → month 7, of which community 4; year 8, of which 5.
    community support center: May 1 community volunteer + 4 family → 5, of which 1 (month and year);
    March 2025 (last fiscal year) and June (after the month) are not counted."""
    _intakes(town, "branch_north", "community_volunteer", 3, month=5)
    _intakes(town, "branch_north", "neighbor", 1, month=5)
    _intakes(town, "branch_north", "self", 2, month=5)
    _intakes(town, "branch_south", "self", 1, month=5)
    _intakes(town, "branch_north", "neighborhood_leader", 1, month=4)
    _intakes(town, "elderly_north", "community_volunteer", 1, month=5)
    _intakes(town, "elderly_north", "family", 4, month=5)
    _intakes(town, "elderly_north", "community_volunteer", 1, month=3)
    _intakes(town, "branch_north", "community_volunteer", 1, month=6)
    return town


def _pdf_text(response: Any) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_window_kinds_count_consultations_and_community_sources_per_agency_type(intakes: Town) -> None:
    kinds = queries.monthly_figures(2025, 5).window_kinds
    counted = {
        line.code: (
            line.consultations.month.n,
            line.community_sources.month.n,
            line.consultations.year.n,
            line.community_sources.year.n,
        )
        for line in kinds
    }
    assert counted == {"branch_office": (7, 4, 8, 5), "community_support_center": (5, 1, 5, 1)}
    labels = dict(AgencyType.objects.values_list("code", "label"))
    assert [line.label for line in kinds] == [labels[line.code] for line in kinds]
    order = dict(AgencyType.objects.values_list("code", "sort_order"))
    assert [line.code for line in kinds] == sorted(counted, key=lambda code: (order[code], code))


def test_window_kinds_take_the_same_number_of_queries_with_more_intakes_and_kinds(town: Town) -> None:
    _intakes(town, "branch_north", "self", 1, month=5)
    rollup.refresh()
    with CaptureQueriesContext(connection) as few:
        queries.monthly_figures(2025, 5)
    _intakes(town, "branch_south", "neighbor", 10, month=5)
    _intakes(town, "elderly_north", "community_volunteer", 10, month=4)
    rollup.refresh()
    with CaptureQueriesContext(connection) as many:
        queries.monthly_figures(2025, 5)
    assert len(many) == len(few)


def test_the_monthly_pdf_computes_shares_from_the_published_figures(client: Client, intakes: Town) -> None:
    client.force_login(intakes.users["analyst"])
    text = _pdf_text(client.get(reverse("reports:monthly_report"), {"month": "2025-05"}))
    assert "窓口の種別ごとの相談受付件数" in text and "うち地域からの相談" in text
    figures = queries.monthly_figures(2025, 5)
    branch = next(line for line in figures.window_kinds if line.code == "branch_office")

    def published(cell: Any) -> cellkey.Figure:
        return cellkey.published(cell.n, cell.key_sum, exact=False)

    year = cellkey.share(published(branch.community_sources.year), published(branch.consultations.year))
    assert year in text  # 5 of 8 before the noise: the share of what is shown, or "—" under 5
    for shown in (published(branch.consultations.year), published(branch.community_sources.year)):
        assert shown.display in text
    month = cellkey.share(published(branch.community_sources.month), published(branch.consultations.month))
    assert month in text  # 4 of 7 before the noise: computed from the figures shown, never the hidden ones


def test_the_coordination_section_sees_every_share(client: Client, intakes: Town) -> None:
    client.force_login(intakes.users["coordinator"])
    text = _pdf_text(client.get(reverse("reports:monthly_report"), {"month": "2025-05"}))
    for share in ("57.1%", "62.5%", "20.0%"):
        assert share in text
