from __future__ import annotations

import pytest

from tsunagiai.people.matching import normalise, search_keys


@pytest.mark.parametrize(
    ("old", "new"),
    [("髙橋", "高橋"), ("山﨑", "山崎"), ("渡邊", "渡辺"), ("渡邉", "渡辺"), ("渡邊", "渡邉"), ("齋藤", "斎藤")],
)
def test_old_and_new_character_forms_share_one_key(old, new):
    assert normalise(old) == normalise(new)


def test_full_and_half_width_kana_and_hiragana_share_one_key():
    assert normalise("ﾔﾏﾀﾞ ﾊﾅｺ") == normalise("ヤマダ　ハナコ") == normalise("やまだはなこ")


def test_spaces_of_every_width_are_ignored():
    assert normalise("山田　花子") == normalise("山田 花子") == normalise("山田花子")


def test_full_width_latin_letters_fold_to_lower_case():
    assert normalise("ＳＭＩＴＨ John") == "smithjohn"


def test_sound_alike_kana_in_names_share_one_key():
    assert normalise("ちぢみ") == normalise("チジミ")


def test_search_keys_combine_family_and_given_names():
    name, kana = search_keys("髙橋", "一郎", "たかはし", "いちろう")
    assert name == normalise("高橋一郎")
    assert kana == "タカハシイチロウ"


def test_empty_text_gives_an_empty_key():
    assert normalise("") == ""
