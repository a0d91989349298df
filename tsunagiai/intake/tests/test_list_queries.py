"""The intake list page and the API list make the same number of queries for 2 intakes as for 8.

The API once read each intake's town block with a query of its own (42 extra queries on a page of the
Toyota demo); these tests fail on that.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tsunagiai.intake.tests.helpers import make_intake, make_person
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db

LIST_URLS = ("/intakes/", "/api/v1/intakes/", "/intakes/?urgency=normal", "/api/v1/intakes/?status=open")


def _add_intakes(town: Town, count: int, start: int) -> None:
    for n in range(start, start + count):
        side = "north" if n % 2 else "south"
        person = make_person(town, family_name=f"山田{n}")
        make_intake(
            town,
            is_anonymous=False,
            subject_description="",
            person=person,
            town_block=town.blocks[side],
        )


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("url", LIST_URLS)
def test_list_queries_do_not_grow_with_the_rows(client: Any, town: Town, url: str) -> None:
    client.force_login(town.users["coordinator"])
    _add_intakes(town, 2, 0)
    client.get(url)  # the first request fills per-process caches
    few = _queries(client, url)
    _add_intakes(town, 6, 2)
    many = _queries(client, url)
    assert many == few, f"{url}: {few} queries for 2 intakes, {many} for 8"
