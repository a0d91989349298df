"""Generated walks through every page and form a signed-in user reaches (tests/walk.py).

- Nothing personal may stay in the browser's cache: every answer to a
  signed-in user (pages, partials, CSV and PDF exports, redirects, errors)
  says ``Cache-Control: no-store``.
- NUL, ESC and BEL typed into every text field of every form (full posts,
  htmx partials, search-as-you-type, the intake autosave) never give a 500 —
  on PostgreSQL a NUL in text used to — and nothing stored keeps them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from tests.walk import walk
from tsunagiai.cases.actions import do_open_case
from tsunagiai.people.tests.factories import make_household, make_intake, make_person
from tsunagiai.testing import Town

ROLES = ("caseworker_north", "coordinator", "volunteer", "analyst", "admin")
CONTROL_TEXT = "テスト\x00\x1b\x07入力"


def _seed(town: Town) -> None:
    user = town.users["caseworker_north"]
    person = make_person(town, family_name="北山", given_name="公子", town_block=town.blocks["north"])
    household = make_household(town, [(person, "head")], name="北山世帯")
    intake = make_intake(town, person=person, household=household, concern="相談", categories=["elderly_care"])
    do_open_case(
        acting_user=user,
        household=household,
        intakes=[intake],
        focus_members=[person],
        title="北山さんの支援",
        lead_organisation=town.orgs["branch_north"],
    )


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_signed_in_user_reaches_is_not_cached(client: Any, town: Town, role: str) -> None:
    _seed(town)
    client.force_login(town.users[role])
    result = walk(client)
    assert len(result.pages) > 3
    cached = [
        f"{url} ({response.status_code})"
        for url, response in result.pages.items()
        if "no-store" not in response.get("Cache-Control", "") or response.get("Pragma") != "no-cache"
    ]
    assert cached == []


def test_downloads_and_partials_are_not_cached(client: Any, town: Town) -> None:
    _seed(town)
    client.force_login(town.users["caseworker_north"])
    case_id = apps.get_model("cases", "Case").objects.get().pk
    for url in (
        f"/reports/cases/{case_id}/summary/",
        "/reports/intakes/?format=csv",
        "/people/search/?q=北山",
        "/no-such-page/",
    ):
        response = client.get(url, headers={"HX-Request": "true"})
        assert "no-store" in response["Cache-Control"], url


def test_the_public_resource_api_may_be_cached_by_anonymous_callers(client: Any, town: Town) -> None:
    response = client.get("/api/hsds/services")
    assert response.status_code < 500
    assert "no-store" not in response.get("Cache-Control", "")
    client.force_login(town.users["caseworker_north"])
    assert "no-store" in client.get("/api/hsds/services")["Cache-Control"]


def _text_values_with_controls() -> list[str]:
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("tsunagiai."):
            continue
        for fld in model._meta.concrete_fields:
            if isinstance(fld, models.CharField | models.TextField):
                # In Python: SQLite's LIKE stops at a NUL and would match every row.
                values = model._default_manager.values_list(fld.attname, flat=True)
                if any(value and any(char in value for char in "\x00\x1b\x07") for value in values):
                    found.append(f"{model._meta.label}.{fld.name}")
    return found


@pytest.mark.parametrize("role", ("caseworker_north", "intake_north", "coordinator", "volunteer", "admin"))
def test_control_characters_in_every_text_field_of_every_form_never_fail(
    client: Any, town: Town, role: str, time_machine: Any
) -> None:
    time_machine.move_to(dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC), tick=True)
    _seed(town)
    client.force_login(town.users[role])
    result = walk(client)
    forms = [form for form in result.forms if form.text_fields and "/logout" not in form.action]
    assert forms, "the walk found no form with a text field"
    failures = []
    for form in forms:
        data = form.data(CONTROL_TEXT)
        send = client.post if form.method == "post" else client.get
        response = send(form.action, data, headers={"HX-Request": "true"} if form.action != form.page else {})
        if response.status_code >= 500:
            failures.append(f"{form.method.upper()} {form.action} from {form.page}: {response.status_code}")
        client.force_login(town.users[role])  # a form may have changed the session (password, language)
    assert failures == []
    assert _text_values_with_controls() == []


@pytest.mark.parametrize("role", ("caseworker_north", "coordinator"))
def test_out_of_range_page_numbers_on_every_page_answer_a_page(client: Any, town: Town, role: str) -> None:
    _seed(town)
    client.force_login(town.users[role])
    pages = [url for url, r in walk(client).pages.items() if r.status_code == 200 and "text/html" in r["Content-Type"]]
    assert len(pages) > 3
    failures = []
    for url in pages:
        for value in ("99999999999999999999", "-1", "0", "abc", "1e999", "%00"):
            joiner = "&" if "?" in url else "?"
            for name in ("page", "offset", "limit"):
                response = client.get(f"{url}{joiner}{name}={value}")
                if response.status_code >= 500:
                    failures.append(f"{url}{joiner}{name}={value}: {response.status_code}")
    assert failures == []
