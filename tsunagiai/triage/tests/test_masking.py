"""Names, places, addresses and phone numbers are masked before a text leaves its record."""

from __future__ import annotations

from types import SimpleNamespace

from tsunagiai.triage.masking import MASK, intake_names, mask_text


def test_personal_names_and_places_are_masked_by_the_analyser():
    masked = mask_text("田中太郎さんは豊田市挙母町に住んでいる。母が認知症で、介護に疲れた。")
    assert "田中" not in masked and "太郎" not in masked and "挙母町" not in masked
    assert "認知症" in masked and "介護に疲れた" in masked
    assert masked.startswith(MASK)


def test_phone_numbers_postal_codes_and_street_numbers_are_masked():
    masked = mask_text(
        "連絡先090-1234-5678、固定0565(31)1212、〒471-0025、2丁目3番地4号、5-6-7、０９０１２３４５６７８"
    )
    for secret in ("1234", "5678", "1212", "471", "3番地", "5-6-7", "０９０"):
        assert secret not in masked


def test_known_names_are_masked_even_when_the_analyser_misses_them():
    masked = mask_text("ハルさんとマコトさんが来所。", known_names=["ハル", "マコト", "", "x"])
    assert "ハル" not in masked and "マコト" not in masked


def test_neighbouring_masks_merge_into_one():
    assert MASK * 2 not in mask_text("田中 太郎")


def test_ordinary_words_ages_and_dates_stay():
    text = "長男（50）と二人暮らし。要介護2。2024年5月1日に来所。"
    assert mask_text(text) == text


def test_empty_and_odd_text_do_not_break():
    assert mask_text("") == ""
    assert mask_text("😀ｱｲｳ\x00") is not None


def test_an_intakes_names_include_its_people_consulter_and_address():
    person = SimpleNamespace(family_name="髙橋", given_name="ハル", family_name_kana="タカハシ", given_name_kana="ハル")
    member = SimpleNamespace(family_name="髙橋", given_name="誠", family_name_kana="", given_name_kana="マコト")
    intake = SimpleNamespace(person=person, consulter_name="鈴木花子", address_line="1-2-3 ハイツ")
    names = intake_names(intake, household_members=[member])
    assert {"髙橋", "ハル", "髙橋 ハル", "タカハシ", "鈴木花子", "1-2-3 ハイツ", "マコト"} <= set(names)
