"""Urgency cues raise urgency unless negated; the lexicon file is checked when read."""

from __future__ import annotations

import pytest

from tsunagiai.triage.lexicon import LexiconError, lexicon, parse_lexicon
from tsunagiai.triage.text import normalise


def cues(text: str) -> list[tuple[str, str, bool]]:
    return [(c.text, c.level, c.negated) for c in lexicon().find_cues(normalise(text).text)]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("「もう死にたい」と話した", "死にたい"),
        ("昨夜、夫に殴られた", "殴られ"),
        ("腕にあざがある", "あざ"),
        ("今日食べる物がない", "食べる物がない"),
        ("今夜泊まる所がない", "泊まる所がない"),
        ("鍋の火を消し忘れた", "火を消し忘れ"),
        ("玄関で倒れている", "倒れている"),
        ("消えてしまいたいと漏らす", "消えてしまいたい"),
    ],
)
def test_spec_cues_raise_emergency(text: str, word: str) -> None:
    found = cues(text)
    assert (word, "emergency", False) in [(w, lv, n) for w, lv, n in found if word in w] or any(
        word in w and lv == "emergency" and not n for w, lv, n in found
    ), found


@pytest.mark.parametrize(
    "text",
    [
        "死にたいとは言っていない",
        "本人は死にたいとまでは話していない",
        "あざなどは見当たらない",
        "暴力はないとのこと",
        "以前は死にたいと言っていたが、今は落ち着いている",
        "死ぬほど忙しい毎日",
        "虐待の様子はなかった",
        "希死念慮なし",
    ],
)
def test_negated_or_settled_cues_do_not_count(text: str) -> None:
    found = cues(text)
    assert all(negated for _w, level, negated in found if level == "emergency"), found


def test_a_later_real_cue_still_counts_after_a_negated_one() -> None:
    found = cues("暴力はないとのこと。ただ、昨日は包丁を持ち出した")
    assert any(level == "emergency" and not negated for _w, level, negated in found)


def test_high_cues() -> None:
    found = cues("電気を止めるという通知が届いた")
    assert any(level == "high" and not negated for _w, level, negated in found)


def test_ordinary_text_raises_nothing() -> None:
    assert cues("あざやかな花が咲いていた。庭の草取りを手伝ってほしい") == []


def test_category_keywords_are_found() -> None:
    found = {k.category for k in lexicon().find_keywords(normalise("母が認知症で、介護に疲れた").text)}
    assert {"dementia", "elderly_care"} <= found


def test_a_broken_pattern_names_its_key() -> None:
    with pytest.raises(LexiconError, match=r"urgency_cues\.emergency\.suicide\[0\]"):
        parse_lexicon({"urgency_cues": {"emergency": {"suicide": ["死に(たい"]}}}, categories=[])


def test_an_unknown_category_is_refused() -> None:
    with pytest.raises(LexiconError, match="nonsense"):
        parse_lexicon(
            {"urgency_cues": {"emergency": {"x": ["a"]}}, "category_keywords": {"nonsense": "a"}},
            categories=["elderly_care"],
        )


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(LexiconError, match="urgent"):
        parse_lexicon({"urgency_cues": {"emergency": {}, "urgent": {"x": ["a"]}}}, categories=[])


def test_pattern_rules_find_an_8050_household_with_the_words_behind_it() -> None:
    text = normalise("民生委員より。母(84)と長男(53)の二人暮らし。長男は仕事を辞めてから自室にこもっている。").text
    found = lexicon().find_patterns(text)
    assert "p8050" in found
    assert all(0 <= s < e <= len(text) for s, e in found["p8050"])


def test_pattern_rules_need_every_part() -> None:
    # An old mother and a withdrawn son, but the son is 30: not 8050.
    text = normalise("母(84)と長男(30)の二人暮らし。長男は自室にこもっている。").text
    assert "p8050" not in lexicon().find_patterns(text)
    assert "double_care" in lexicon().find_patterns(normalise("ダブルケアで疲れた").text)


def test_an_unknown_pattern_rule_is_refused() -> None:
    with pytest.raises(LexiconError, match="p9060"):
        parse_lexicon(
            {"urgency_cues": {"emergency": {"x": ["a"]}}, "text_patterns": {"p9060": {"any": ["a"]}}}, categories=[]
        )
