"""Situation rules: an emergency told between the lines is read as facts co-occurring in one note."""

from __future__ import annotations

import pytest

from tsunagiai.triage.lexicon import LexiconError, lexicon, parse_lexicon
from tsunagiai.triage.text import normalise

MINIMAL = {"urgency_cues": {"emergency": {"suicide": ["死にたい"]}}}


def situations(text: str) -> dict[str, bool]:
    """key → negated, for the rules that held on ``text``."""
    return {m.key: m.negated for m in lexicon().find_situations(normalise(text).text)}


# (rule, a note where every fact holds, the same note with one fact negated, the note with one fact only)
CASES = [
    (
        "lone_collapse",
        "一人暮らしの男性。三日前からインターホンを押しても応答がなく、夜になっても電気がつきっぱなし。",
        "一人暮らしの男性。インターホンを押しても応答がないが、電気がつきっぱなしということはない。",
        "一人暮らしの男性。夜になっても電気がつきっぱなし。",
    ),
    (
        "dementia_danger_alone",
        "母は認知症の診断あり。日中は一人で過ごしている。先週も鍋を焦がして煙が出ていた。",
        "母は認知症の診断あり。日中は一人で過ごしている。鍋を焦がしたことはない。",
        "母は認知症の診断あり。日中はデイサービスに通っている。",
    ),
    (
        "child_needs_unmet",
        "小学2年の男児、毎日同じ服で、給食をがつがつ食べる。母親はうつで寝込んでいると本人が話す。",
        "小学2年の男児、同じ服ということはない。母親はうつで寝込んでいると本人が話す。",
        "小学2年の男児、毎日同じ服で来る。",
    ),
    (
        "money_in_others_hands",
        "本人の財布には50円しかない。障害年金の通帳は兄が管理していて、渡してくれないという。",
        "本人は食べる物がないわけではない。障害年金の通帳は兄が管理しているという。",
        "障害年金の通帳は兄が管理しているという。",
    ),
    (
        "coercive_control",
        "夫に携帯を取り上げられ、友人と会うことを禁じられている。生活費も渡してもらえない。",
        "夫に携帯を取り上げられたことはない。生活費も渡してもらえない。",
        "夫に携帯を取り上げられたとのこと。",
    ),
    (
        "carer_psych_abuse",
        "父(84)は要介護3。同居の長男が毎日のように「役立たず」「早く死ね」と言っている。",
        "父(84)は要介護3。同居の長男に脅されている様子は見られない。",
        "同居の長男が「役立たず」と言う、と近所の人から。",
    ),
    (
        "unbooked_birth",
        "助産師より。妊娠38週の10代女性、一度も妊婦健診を受けておらず、昨夜から陣痛らしい痛みがある。",
        "助産師より。妊娠後期の10代女性、一度も妊婦健診を受けておらず、陣痛などはない。",
        "助産師より。妊娠38週の10代女性、昨夜から陣痛らしい痛みがある。健診は毎回受けている。",
    ),
    (
        "cold_without_heating",
        "民生委員より。独居の男性(87)宅、灯油が切れて暖房がなく、室温は5度。",
        "民生委員より。独居の男性(87)宅、暖房が壊れたということはない。",
        "民生委員より。独居の男性(87)宅、灯油の配達をしてくれる店を探している。",
    ),
    (
        "giving_things_away",
        "一人暮らしの男性が、大事にしていた釣り道具を全部近所に配って「もういらない」と言っていた。",
        "一人暮らしの男性が、釣り道具を全部近所に配ったが、お別れなどはしていない。",
        "一人暮らしの男性が、釣り道具を全部近所に配ったそうだ。",
    ),
]


@pytest.mark.parametrize(("key", "full", "negated", "partial"), CASES, ids=[c[0] for c in CASES])
def test_every_rule_holds_when_its_facts_co_occur_and_not_when_negated_or_partial(
    key: str, full: str, negated: str, partial: str
) -> None:
    assert situations(full).get(key) is False, situations(full)
    assert situations(negated).get(key) is True, situations(negated)
    assert key not in situations(partial), situations(partial)


def test_every_rule_has_a_japanese_name_and_a_test() -> None:
    rules = lexicon().situations
    assert {r.key for r in rules} == {c[0] for c in CASES}
    for rule in rules:
        assert rule.name and any("\u3040" <= ch <= "\u9fff" for ch in rule.name), rule.key
        assert len(rule.facts) >= 2


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([], "situation_rules must be a mapping"),
        ({"x": {"level": "emergency", "facts": ["a", "b"]}}, "situation_rules.x.name"),
        ({"x": {"name": "名前", "level": "urgent", "facts": ["a", "b"]}}, "situation_rules.x.level"),
        ({"x": {"name": "名前", "facts": ["a"]}}, "situation_rules.x.facts: at least two"),
        ({"x": {"name": "名前", "facts": ["a", "("]}}, "situation_rules.x.facts[1]"),
        ({"x": {"name": "名前", "facts": ["a", []]}}, "situation_rules.x.facts[1]"),
        ({"x": {"name": "名前", "facts": ["a", "b"], "when": "always"}}, "unknown keys when"),
        ({"x": "a"}, "situation_rules.x must be a mapping"),
    ],
)
def test_a_broken_rule_is_refused_with_its_key(rules: object, message: str) -> None:
    with pytest.raises(LexiconError, match=message.replace("(", r"\(").replace("[", r"\[").replace("]", r"\]")):
        parse_lexicon({**MINIMAL, "situation_rules": rules}, categories=[])


def test_a_valid_rule_is_read() -> None:
    lex = parse_lexicon(
        {**MINIMAL, "situation_rules": {"x": {"name": "名前", "level": "high", "facts": [["a", "b"], "c"]}}},
        categories=[],
    )
    assert [(m.key, m.level, m.negated) for m in lex.find_situations("b と c")] == [("x", "high", False)]
    assert lex.find_situations("b だけ") == []
