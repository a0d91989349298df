"""The suggestion panel beside the intake form: what it shows, to whom, and that bad input never breaks it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from tsunagiai.intake.tests.helpers import make_intake
from tsunagiai.reference.models import IssueCategory
from tsunagiai.triage.tests.fakes import CONCERN, fixed_engine  # noqa: F401

URL = "/triage/suggest/"


def _panel(client, town, user="caseworker_north", **data):
    client.force_login(town.users[user])
    return client.post(URL, {"concern": CONCERN, **data}, HTTP_HX_REQUEST="true")


@pytest.mark.usefixtures("fixed_engine")
def test_panel_shows_categories_with_scores_in_words_urgency_cues_and_routing(client, town):
    response = _panel(client, town, town_block=town.blocks["north"].pk)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a partial
    assert "認知症" in html and "91%" in html and "74%" in html
    assert "提案" in html  # "suggested" as a word, not only a colour
    assert "疲れた" in html
    assert "北地域包括支援センター" in html  # covering the north block
    assert 'data-categories="dementia elderly_care"' in html
    assert 'data-urgency="high"' in html


@pytest.mark.usefixtures("fixed_engine")
def test_words_behind_the_suggestion_are_marked_with_their_label(client, town):
    html = _panel(client, town).content.decode()
    assert '<mark class="" title="認知症">認知症<span class="visually-hidden">（認知症）</span></mark>' in html
    assert 'class="triage-negated"' in html  # 死にたい (negated) is shown struck through, not as a raise
    assert 'class="triage-urgent"' in html


@pytest.mark.usefixtures("fixed_engine")
def test_organisations_need_a_town_block(client, town):
    html = _panel(client, town).content.decode()
    assert "北地域包括支援センター" not in html
    assert "町字を選ぶと" in html


@pytest.mark.usefixtures("fixed_engine")
def test_empty_text_asks_for_the_concern(client, town):
    response = _panel(client, town, concern="")
    assert response.status_code == 200
    assert "提案が表示されます" in response.content.decode()
    assert "data-triage-accept" not in response.content.decode()


def test_text_the_engine_cannot_read_says_so(client, town, monkeypatch):
    from tsunagiai.triage import engine
    from tsunagiai.triage.tests.fakes import fixed_result

    monkeypatch.setattr(engine, "triage", lambda text, **kw: fixed_result(" "))
    html = _panel(client, town, concern="Olá, preciso de ajuda").content.decode()
    assert "提案できません" in html
    assert "data-triage-accept" not in html


def test_low_confidence_is_shown_clearly(client, town, monkeypatch):
    import dataclasses

    from tsunagiai.triage import engine
    from tsunagiai.triage.tests.fakes import fixed_result

    monkeypatch.setattr(engine, "triage", lambda t, **kw: dataclasses.replace(fixed_result(t), low_confidence=True))
    assert "確度が低い" in _panel(client, town).content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"concern": "あ" * 20_001},
        {"town_block": "abc"},
        {"town_block": "99999999999999999999999"},
        {"person_id": "-1"},
        {"triage_intake_id": "x"},
        {"concern": "\x00😀ｱｲｳ"},
    ],
)
def test_hostile_input_answers_a_partial_never_a_server_error(client, town, data):
    response = _panel(client, town, **data)
    assert response.status_code == 200
    assert "<html" not in response.content.decode()


def test_the_real_engine_answers_without_error(client, town):
    """Whatever model is installed (placeholder or trained): a partial, never a crash."""
    for text in ["", CONCERN, "ｱｲｳｴｵ", "Hello, I need help", "😀" * 50]:
        assert _panel(client, town, concern=text).status_code == 200


@pytest.mark.usefixtures("fixed_engine")
def test_volunteers_see_urgency_but_no_organisations_or_similar_intakes(client, town):
    make_intake(town, concern=CONCERN, categories=list(IssueCategory.objects.filter(pk="dementia")))
    html = _panel(client, town, user="volunteer", town_block=town.blocks["north"].pk).content.decode()
    assert "疲れた" in html
    assert "北地域包括支援センター" not in html
    assert "似た過去の相談" not in html


@pytest.mark.parametrize("user", ["analyst", "admin", "auditor"])
def test_roles_without_intakes_may_not_ask(client, town, user):
    assert _panel(client, town, user=user).status_code == 403


def test_the_panel_only_answers_posts(client, town):
    client.force_login(town.users["caseworker_north"])
    assert client.get(URL).status_code == 405


def test_anonymous_users_are_sent_to_log_in(client, town):
    response = client.post(URL, {"concern": CONCERN})
    assert response.status_code in {302, 401, 403}


@pytest.mark.usefixtures("fixed_engine")
def test_a_person_of_another_organisation_gives_no_household_patterns(client, town, monkeypatch):
    from tsunagiai.intake.tests.helpers import make_person
    from tsunagiai.triage import selectors

    seen = []
    original = selectors.household_pattern_hints

    def spy(user, household):
        seen.append(household)
        return original(user, household)

    monkeypatch.setattr(selectors, "household_pattern_hints", spy)
    other = make_person(town, org="branch_south", family_name="南田")
    assert _panel(client, town, person_id=other.pk).status_code == 200
    assert seen == [None]


@pytest.mark.parametrize("url_name", ["intake:create"])
def test_the_intake_form_carries_the_panel_and_its_script(client, town, url_name):
    client.force_login(town.users["caseworker_north"])
    html = client.get(reverse(url_name)).content.decode()
    assert 'id="triage-panel"' in html
    assert 'hx-post="/triage/suggest/"' in html
    assert "delay:600ms" in html
    assert 'src="/static/js/triage.js" nonce="' in html
    assert 'name="triage_training_opt_in"' in html


def test_short_forms_carry_the_panel(client, town):
    client.force_login(town.users["volunteer"])
    assert 'id="triage-panel"' in client.get(reverse("intake:volunteer_create")).content.decode()
    client.force_login(town.users["fire_crew"])
    assert 'id="triage-panel"' in client.get(reverse("intake:fire_create")).content.decode()


@pytest.mark.usefixtures("fixed_engine")
def test_the_edit_form_carries_the_panel_without_itself_among_similar(client, town):
    intake = make_intake(town, concern=CONCERN, categories=list(IssueCategory.objects.filter(pk="dementia")))
    client.force_login(town.users["caseworker_north"])
    html = client.get(reverse("intake:edit", args=[intake.pk])).content.decode()
    assert f'name="triage_intake_id" value="{intake.pk}"' in html
    panel = _panel(client, town, triage_intake_id=intake.pk).content.decode()
    assert "似た過去の相談はありません" in panel


@pytest.mark.usefixtures("fixed_engine")
def test_the_panel_speaks_english_too(client, town):
    client.force_login(town.users["caseworker_north"])
    with translation.override("en"):
        response = client.post(URL, {"concern": CONCERN}, HTTP_ACCEPT_LANGUAGE="en", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Accept the suggestion" in html or "提案を受け入れる" in html


def test_the_intake_page_shows_what_was_suggested_beside_what_was_chosen(client, town):
    from tsunagiai.triage.models import TriageSuggestion

    intake = make_intake(town)
    TriageSuggestion.objects.update_or_create(
        intake=intake,
        defaults={
            "suggested_categories": ["dementia"],
            "suggested_urgency": "high",
            "chosen_categories": ["dementia", "elderly_care"],
            "chosen_urgency": "normal",
            "decision": TriageSuggestion.Decision.CHANGED,
            "model_version": "test-9",
            "lead": "community_support_center",
        },
    )
    client.force_login(town.users["caseworker_north"])
    with translation.override("ja"):
        page = client.get(reverse("intake:detail", args=[intake.pk]), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "test-9" in page
    assert "職員が変更" in page
    assert page.count("地域包括支援センター") >= 1


@pytest.mark.usefixtures("fixed_engine")
def test_volunteers_see_neither_the_model_version_nor_the_routing(client, town):
    html = _panel(client, town, user="volunteer", town_block=town.blocks["north"].pk).content.decode()

    assert "test-1" not in html
    assert "モデル" not in html
    assert "つなぎ先" not in html  # "Where to connect"
    assert "主導役" not in html  # "Suggested lead"
    assert "地域包括支援センター" not in html  # the agency the routing names
    assert "認知症" in html and "高" in html  # categories and urgency stay


@pytest.mark.usefixtures("fixed_engine")
def test_staff_still_see_the_model_version_and_the_routing(client, town):
    html = _panel(client, town, town_block=town.blocks["north"].pk).content.decode()

    assert "test-1" in html
    assert "つなぎ先" in html
    assert "主導役" in html
    assert "地域包括支援センター" in html


def test_a_situation_rule_is_shown_by_its_name_as_the_reason(client, town, monkeypatch):
    import dataclasses

    from tsunagiai.triage import engine
    from tsunagiai.triage.result import Situation, Span
    from tsunagiai.triage.tests.fakes import fixed_result

    def situated(text, **kw):
        at = text.find("認知症")
        fact = Span(at, at + 3, "認知症", "emergency")
        return dataclasses.replace(
            fixed_result(text), urgency="emergency", situations=[Situation("認知機能の低下と危険", "emergency", [fact])]
        )

    monkeypatch.setattr(engine, "triage", situated)
    html = _panel(client, town).content.decode()
    assert "状況「認知機能の低下と危険」により「緊急」に引き上げ：「認知症」" in html


@pytest.mark.parametrize(
    ("changes", "shown", "hidden"),
    [
        (
            {"urgency": "normal", "possible_emergency": True, "emergency_probability": 0.31},
            ["緊急の可能性 — 確認してください", "確からしさ：69%（緊急である確率・較正済み：31%）"],
            [">通常<"],
        ),
        (
            {"urgency": "normal", "possible_emergency": False, "emergency_probability": 0.04},
            [">通常<", "確からしさ：96%（緊急である確率・較正済み：4%）"],
            ["緊急の可能性"],
        ),
        (
            {"urgency": "emergency", "emergency_probability": 0.9},
            ["確からしさ：90%（緊急である確率・較正済み：90%）"],
            [],
        ),
        ({"urgency": "normal", "emergency_probability": None}, [">通常<"], ["確からしさ", "緊急の可能性"]),
    ],
)
def test_the_panel_says_how_sure_and_flags_an_unsure_note_about_someone_alone_or_a_child(
    client, town, monkeypatch, changes, shown, hidden
):
    import dataclasses

    from tsunagiai.triage import engine
    from tsunagiai.triage.tests.fakes import fixed_result

    monkeypatch.setattr(engine, "triage", lambda t, **kw: dataclasses.replace(fixed_result(t), **changes))
    html = _panel(client, town).content.decode()
    for text in shown:
        assert text in html
    for text in hidden:
        assert text not in html
