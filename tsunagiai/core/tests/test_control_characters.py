"""Pages strip NUL, ESC, BEL and the other C0 controls (but TAB, LF, CR) from every field, keeping the rest."""

from __future__ import annotations

from typing import Any

from django.test import Client, RequestFactory
from django.urls import reverse

from tsunagiai.core.middleware import ControlCharacterMiddleware, strip_control_characters
from tsunagiai.intake.models import IntakeDraft
from tsunagiai.testing import Town


def test_strip_keeps_tab_newline_and_carriage_return() -> None:
    assert strip_control_characters("a\x00b\x1bc\x07d\te\nf\rg\x7fh\x0bi") == "abcd\te\nf\rghi"


def test_the_middleware_cleans_query_and_form_fields_and_their_names() -> None:
    seen: dict[str, Any] = {}

    def view(request: Any) -> Any:
        seen["get"] = request.GET.getlist("q")
        seen["post"] = dict(request.POST.lists())
        return None

    request = RequestFactory().post(
        "/intakes/new/?q=%00山%1b田&q=x%07", {"concern": "相談\x00\x07です\n", "na\x00me": "v"}
    )
    ControlCharacterMiddleware(view)(request)
    assert seen["get"] == ["山田", "x"]
    assert seen["post"] == {"concern": ["相談です\n"], "name": ["v"]}


def test_the_intake_autosave_keeps_what_was_typed_without_control_characters(client: Client, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    response = client.post(
        reverse("intake:draft_save"),
        {"draft_kind": "standard", "concern": "家賃\x00の\x1b相談\x07です", "person-family_name": "木\x00村"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    draft = IntakeDraft.objects.get()
    assert draft.data["concern"] == ["家賃の相談です"]
    assert draft.data["person-family_name"] == ["木村"]


def test_the_person_search_with_a_nul_answers_like_without_it(client: Client, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    response = client.get(reverse("intake:person_search"), {"q": "山\x00田"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "\x00" not in response.content.decode()


def test_a_page_path_with_a_control_character_is_not_found(client: Client, town: Town) -> None:
    client.force_login(town.users["caseworker_north"])
    assert client.get("/people/%00/").status_code == 404
    assert client.get("/intakes/%1b").status_code == 404
