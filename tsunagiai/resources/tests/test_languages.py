"""Words, not codes (issue 16): a resource's languages are typed as ISO 639 codes and read as names."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from tsunagiai.resources.hsds import service_obj
from tsunagiai.resources.languages import language_codes, language_names
from tsunagiai.resources.tests.helpers import make_resource
from tsunagiai.testing import Town


def test_codes_are_read_as_names_in_the_users_language() -> None:
    with translation.override("ja"):
        assert language_names("ja, PT、en ,tl, zh-hans") == [
            "日本語",
            "ポルトガル語",
            "英語",
            "タガログ語",
            "簡体字中国語",
        ]
    with translation.override("en"):
        assert language_names("ja, pt") == ["Japanese", "Portuguese"]


def test_an_unknown_code_is_shown_as_typed() -> None:
    with translation.override("ja"):
        assert language_names("ja, xq") == ["日本語", "xq"]
    assert language_codes(" , ja,,") == ["ja"]


@pytest.mark.parametrize(("typed", "shown"), [("ja, pt, en", "日本語、ポルトガル語、英語"), ("", "—")])
def test_the_resource_page_names_the_languages(client: Any, town: Town, typed: str, shown: str) -> None:
    service = make_resource(town)
    service.languages = typed
    service.save(update_fields=["languages"])
    client.force_login(town.users["caseworker_north"])
    response = client.get(f"/resources/{service.pk}/")
    assert response.status_code == 200
    facts = response.content.decode()
    assert f"<dd>{shown}</dd>" in facts
    assert "<dd>ja, pt, en</dd>" not in facts


def test_the_hsds_export_keeps_the_codes(town: Town) -> None:
    service = make_resource(town)
    service.languages = "ja、pt"
    service.save(update_fields=["languages"])
    assert [language["code"] for language in service_obj(service, full=True)["languages"]] == ["ja", "pt"]
