"""Normalisation keeps the way back to the text staff typed; tokens are dictionary forms."""

from __future__ import annotations

import pytest

from tsunagiai.triage.text import content_terms, japanese_share, normalise, tokenise


def test_half_width_katakana_and_digits_are_normalised() -> None:
    result = normalise("ｹｱﾏﾈより。母(８１)がﾀﾞｳﾝ")
    assert result.text == "ケアマネより。母(81)がダウン"


def test_offsets_map_back_to_the_original_text() -> None:
    original = "ｹｱﾏﾈ報告：ﾀﾞﾒだ。死にたい"
    result = normalise(original)
    start = result.text.index("死にたい")
    s, e = result.original_span(start, start + 4)
    assert original[s:e] == "死にたい"
    start = result.text.index("ダメ")
    s, e = result.original_span(start, start + 2)
    assert original[s:e] == "ﾀﾞﾒ"


def test_control_characters_are_dropped_and_letters_lowered() -> None:
    assert normalise("DV\u200bの\x07疑い").text == "dvの疑い"


def test_tokens_use_dictionary_forms() -> None:
    bases = [t.base for t in tokenise(normalise("夫に殴られた。一人暮らし").text)]
    assert "殴る" in bases
    assert "独り暮らし" in bases


def test_negated_verbs_are_marked() -> None:
    terms = content_terms(tokenise("ご飯を食べない"))
    assert "not:食べる" in terms


@pytest.mark.parametrize("text", ["", "😀" * 50, "ｱｱｱｱ", "a" * 30000])
def test_tokenising_odd_text_does_not_fail(text: str) -> None:
    tokens = tokenise(normalise(text).text)
    assert isinstance(tokens, list)


def test_long_text_is_tokenised_in_chunks_with_true_offsets() -> None:
    text = "あ" * 4100 + "虐待"
    tokens = tokenise(text)
    last = tokens[-1]
    assert text[last.start : last.end] == "虐待"


def test_japanese_share() -> None:
    assert japanese_share("母が倒れた") == 1.0
    assert japanese_share("My mother fell") == 0.0
    assert japanese_share("1234") == 0.0
