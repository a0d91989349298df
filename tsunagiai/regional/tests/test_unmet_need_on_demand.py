"""The case page links to the unmet-need form instead of rendering its ~100 options (issue 14 item 3)."""

from __future__ import annotations

from typing import Any

import pytest

from tsunagiai.regional.tests.helpers import make_case
from tsunagiai.testing import Town

pytestmark = pytest.mark.django_db


def test_the_case_page_has_a_link_not_the_form(client: Any, town: Town) -> None:
    case = make_case(town)
    client.force_login(town.users["caseworker_north"])
    body = client.get(f"/cases/{case.pk}/").content.decode()
    url = f"/regional/cases/{case.pk}/unmet-needs/"
    assert f'hx-get="{url}"' in body and f'href="{url}"' in body
    assert 'name="what_was_missing"' not in body and 'name="area"' not in body


@pytest.mark.parametrize("htmx", [True, False])
def test_the_form_comes_when_asked_for(client: Any, town: Town, htmx: bool) -> None:
    case = make_case(town)
    client.force_login(town.users["caseworker_north"])
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(f"/regional/cases/{case.pk}/unmet-needs/", headers=headers)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="what_was_missing"' in body and 'name="area"' in body and "data-focus-on-load" in body
    assert ("<html" in body) is not htmx  # htmx gets the form alone, a browser without JS the whole page


@pytest.mark.parametrize("username", ["caseworker_south", "intake_north"])  # another branch; reception only
def test_the_form_is_refused_where_the_case_is_not_editable(client: Any, town: Town, username: str) -> None:
    case = make_case(town)
    client.force_login(town.users[username])
    assert client.get(f"/regional/cases/{case.pk}/unmet-needs/").status_code in (403, 404)
