"""The case page renders what it shows; its forms load on demand (issue 14 item 3).

Each form's URL answers GET with the form (the partial for htmx, its own page
otherwise) and POST with the change; invalid input comes back on the case page
with what was typed (400), a stale edit with the conflict.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from tsunagiai.cases.actions import REASON_MAX_LENGTH, do_add_team_member, do_set_case_flags
from tsunagiai.cases.models import Case, TeamMember
from tsunagiai.cases.tests.helpers import open_case, reload
from tsunagiai.testing import Town

# URL name, partial (slot) name, an element id of one of its fields, a text of the form
FORMS = [
    ("change_status", "status-form", "status_to", "新しい状態"),
    ("change_lead", "lead-form", "lead_organisation", "新しい主導役"),
    ("request_lead", "lead-request-form", "lead_request_reason", "申し出の理由"),
    ("add_team_member", "team-form", "team_user", "担当職員"),
    ("set_flags", "flags-form", "flags_is_gap_case", "制度の狭間"),
]
FIELD_IDS = [field_id for _n, _s, field_id, _t in FORMS]


def _case_with_elderly(town: Town) -> Case:
    """A north case with the elderly centre on the team, so that its worker may ask to take the lead."""
    case = open_case(town)
    do_add_team_member(case, town.orgs["elderly_north"], acting_user=town.users["coordinator"], role="支援")
    return reload(case)


def _case_forms(body: str, case: Case) -> list[str]:
    """The <form> elements of the page that post to the case's URLs."""
    return re.findall(rf'<form\b[^>]*action="/cases/{case.pk}/[^"]*"[^>]*>.*?</form>', body, re.S)


def test_case_page_renders_no_widget_of_the_forms_on_demand_only_links_to_them(client: Any, town: Town) -> None:
    case = _case_with_elderly(town)
    client.force_login(town.users["elderly_worker"])
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    for name, slot, field_id, _text in FORMS:
        url = reverse(f"cases:{name}", args=[case.pk])
        assert f'id="{field_id}"' not in body, field_id
        assert f'action="{url}"' not in body, name
        # a real link (works without JavaScript), which htmx loads into the slot instead
        assert f'<a class="button" href="{url}" hx-get="{url}" hx-target="#{slot}-slot">' in body, name
    # What is left of the case's own forms: the team's remove buttons (hidden version, a button).
    for form in _case_forms(body, case):
        assert "<select" not in form and "<textarea" not in form, form
        assert all('type="hidden"' in tag for tag in re.findall(r"<input\b[^>]*>", form)), form
        assert "/remove/" in form
    # the organisation and staff pickers were most of the page's options (labels "name（agency type）")
    csw = town.orgs["csw"]
    assert f"{csw.name}（{csw.agency_type.label}）" not in body
    assert town.users["csw_worker"].full_name not in body


def test_case_page_without_edit_rights_links_to_no_form(client: Any, town: Town) -> None:
    case = open_case(town)
    client.force_login(town.users["intake_north"])
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "on-demand" not in body and "hx-get" not in body.split('id="summary-heading"', 1)[1].split("<footer", 1)[0]


@pytest.mark.parametrize(("name", "slot", "field_id", "text"), FORMS)
def test_each_form_answers_htmx_with_its_partial_and_a_plain_get_with_its_own_page(
    client: Any, town: Town, name: str, slot: str, field_id: str, text: str
) -> None:
    case = _case_with_elderly(town)
    client.force_login(town.users["elderly_worker" if name == "request_lead" else "caseworker_north"])
    url = reverse(f"cases:{name}", args=[case.pk])

    partial = client.get(url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    body = partial.content.decode()
    assert body.lstrip().startswith(f'<form method="post" action="{url}" novalidate data-focus-on-load>')
    assert "<html" not in body and f'id="{field_id}"' in body and text in body
    assert body.count("<form") == 1 and "csrfmiddlewaretoken" in body
    assert f'<label for="{field_id}"' in body

    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "<html" in body and f'id="{field_id}"' in body and text in body
    assert case.title in body and f'href="{reverse("cases:detail", args=[case.pk])}"' in body
    assert "<h2>" in body  # under the page's h1


def test_the_lead_request_form_names_the_organisation_that_asks(client: Any, town: Town) -> None:
    case = _case_with_elderly(town)
    client.force_login(town.users["elderly_worker"])
    body = client.get(reverse("cases:request_lead", args=[case.pk]), headers={"HX-Request": "true"}).content.decode()
    assert f"{town.orgs['elderly_north'].name}が主導役を引き受けたいと申し出る" in body


def test_the_status_form_loaded_on_demand_offers_only_the_allowed_next_statuses(client: Any, town: Town) -> None:
    case = open_case(town)
    client.force_login(town.users["caseworker_north"])
    body = client.get(reverse("cases:change_status", args=[case.pk])).content.decode()
    select = body.split('name="to"', 1)[1].split("</select>", 1)[0]
    assert 'value="assessment"' in select and 'value="closed"' not in select


@pytest.mark.parametrize(
    ("user", "expected"),
    [("caseworker_south", 404), ("intake_north", 404), ("volunteer", 403), ("analyst", 403)],
)
@pytest.mark.parametrize("name", [name for name, *_ in FORMS])
def test_a_form_is_refused_like_the_change_it_makes(
    client: Any, town: Town, user: str, expected: int, name: str
) -> None:
    case = open_case(town)
    client.force_login(town.users[user])
    url = reverse(f"cases:{name}", args=[case.pk])
    assert client.get(url).status_code in {expected, 404}
    assert client.get(url, headers={"HX-Request": "true"}).status_code in {expected, 404}


def _invalid_posts(town: Town, case: Case) -> list[tuple[str, str, dict[str, Any], str]]:
    """Per form: the user who posts, the URL name, input the form refuses, a text of it that must come back."""
    version = case.version
    return [
        ("caseworker_north", "change_status", {"to": "", "reason": "入力した理由", "version": version}, "入力した理由"),
        (
            "caseworker_north",
            "change_lead",
            {"organisation": "", "reason": "入力した変更理由", "version": version},
            "入力した変更理由",
        ),
        ("elderly_worker", "request_lead", {"reason": "長" * (REASON_MAX_LENGTH + 1)}, "長" * (REASON_MAX_LENGTH + 1)),
        (
            "caseworker_north",
            "add_team_member",
            {"organisation": "", "role": "入力した役割", "basis": "consent", "version": version},
            "入力した役割",
        ),
        (
            "caseworker_north",
            "set_flags",
            {"is_difficult": "on", "version": "abc"},
            '<input type="checkbox" name="is_difficult" id="flags_is_difficult" checked',
        ),
    ]


@pytest.mark.parametrize("index", range(len(FORMS)))
def test_an_invalid_post_comes_back_on_the_case_page_with_the_input_and_400(
    client: Any, town: Town, index: int
) -> None:
    case = _case_with_elderly(town)
    user, name, data, kept = _invalid_posts(town, case)[index]
    slot = FORMS[index][1]
    client.force_login(town.users[user])
    response = client.post(reverse(f"cases:{name}", args=[case.pk]), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert kept in body
    assert "<h1>" in body and case.title in body  # the case page
    in_slot = body.split(f'id="{slot}-slot"', 1)[1]
    assert in_slot.removeprefix(' class="on-demand">').lstrip().startswith("<form"), "the bound form is in its slot"
    if name != "set_flags":  # there only the (tampered) hidden version is wrong
        assert 'class="errorlist' in body or "error-summary" in body
    # the other forms stay links
    others = [field_id for n, _s, field_id, _t in FORMS if n != name]
    assert all(f'id="{field_id}"' not in body for field_id in others)


def test_a_stale_edit_still_shows_the_conflict_with_the_input(client: Any, town: Town) -> None:
    case = open_case(town)
    stale = case.version
    do_set_case_flags(
        case, is_gap_case=True, is_difficult=False, acting_user=town.users["coordinator"], expected_version=stale
    )
    client.force_login(town.users["caseworker_north"])
    url = reverse("cases:set_flags", args=[case.pk])
    response = client.post(url, {"is_difficult": "on", "version": stale})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="conflict"' in body
    assert '<input type="checkbox" name="is_difficult" id="flags_is_difficult" checked>' in body
    # rebased on the latest version: saving again applies the input
    assert f'name="version" value="{reload(case).version}"' in body
    htmx = client.post(url, {"is_difficult": "on", "version": stale}, headers={"HX-Request": "true"})
    assert htmx.status_code == 409 and 'id="conflict"' in htmx.content.decode()
    assert not reload(case).is_difficult


def _user_select(response: Any) -> str:
    """The staff picker's markup alone (the organisation picker's ids would match the users' too)."""
    found = re.search(r'<select name="user".*?</select>', response.content.decode(), re.DOTALL)
    assert found is not None
    return found.group(0)


def test_the_staff_picker_lists_the_chosen_organisations_staff_only(client: Any, town: Town) -> None:
    case = open_case(town)
    client.force_login(town.users["caseworker_north"])
    url = reverse("cases:add_team_member", args=[case.pk])
    csw, elderly = (f'<option value="{town.users[name].pk}"' for name in ("csw_worker", "elderly_worker"))
    # Choosing the organisation reloads the staff list (htmx swaps the select the response carries).
    chosen = _user_select(client.get(url, {"organisation": town.orgs["csw"].pk}, headers={"HX-Request": "true"}))
    assert csw in chosen and elderly not in chosen
    page = client.get(url, {"organisation": town.orgs["csw"].pk}, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-select="#team_user"' in page
    # Before a choice (or without JavaScript): every organisation's staff, under its name.
    everyone = _user_select(client.get(url, headers={"HX-Request": "true"}))
    assert csw in everyone and elderly in everyone
    assert f'<optgroup label="{town.orgs["csw"].name}">' in everyone
    for hostile in ("abc", str(10**30), "-1"):
        assert client.get(url, {"organisation": hostile}, headers={"HX-Request": "true"}).status_code == 200


def test_a_staff_member_of_another_organisation_is_refused_naming_the_field(client: Any, town: Town) -> None:
    case = open_case(town)
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        reverse("cases:add_team_member", args=[case.pk]),
        {
            "organisation": town.orgs["csw"].pk,
            "user": town.users["elderly_worker"].pk,
            "basis": "consent",
            "version": case.version,
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "担当職員: " in body and town.orgs["csw"].name in body
    # The form comes back listing the chosen organisation's staff only.
    staff = _user_select(response)
    assert f'<option value="{town.users["csw_worker"].pk}"' in staff
    assert f'<option value="{town.users["elderly_worker"].pk}"' not in staff
    assert not TeamMember.objects.filter(case=case, user=town.users["elderly_worker"]).exists()
