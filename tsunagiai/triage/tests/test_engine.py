"""The engine with the shipped model: what it suggests, why, and that odd input never breaks it."""

from __future__ import annotations

import pytest

from tsunagiai.reference.routing import is_multi_issue, suggest
from tsunagiai.triage.engine import MAX_TEXT_LENGTH, _victim, triage
from tsunagiai.triage.text import normalise

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("民生委員より。一人暮らしの男性(60代)が「もう死にたい」と話していた。", "死にたい"),
        ("本人より電話。昨夜、夫に殴られた。今は実家にいる。", "殴られ"),
        ("保育園より。4歳児の腕にあざ。本人は「パパが」と話す。", "あざ"),
        ("専門学校生(19)。仕送りが止まり、今日食べる物がない。", "食べる物がない"),
        ("本人(30代)来所。アパートを追い出され、今夜泊まる所がない。", "泊まる所がない"),
        ("消防より。一人暮らしの女性(85)、鍋の火を消し忘れて煙が出た。", "火を消し忘れ"),
        ("新聞配達員より。高齢男性が玄関で倒れている。", "倒れている"),
    ],
)
def test_spec_cues_make_an_emergency_and_say_which_words(text: str, cue: str) -> None:
    result = triage(text)
    assert result.urgency == "emergency"
    raised = [c for c in result.cues if c.label == "emergency" and not c.negated]
    assert any(cue in c.text for c in raised)
    for c in result.cues:
        assert text[c.start : c.end] == c.text


@pytest.mark.parametrize(
    "text",
    [
        "本人(40代男性)。職場の人間関係に悩んでいる。死にたいとは言っていない。転職の相談をしたい。",
        "保育園より。3歳男児、転んで膝にすり傷。体にあざなどは見当たらない。母は子育ての相談先を知りたい。",
    ],
)
def test_a_negated_cue_raises_nothing(text: str) -> None:
    result = triage(text)
    assert result.cues
    assert all(c.negated for c in result.cues if c.label == "emergency")
    assert result.urgency != "emergency"


def test_categories_come_with_scores_and_the_words_behind_them() -> None:
    text = "妻より電話。夫(77)が同じことを何度も聞くようになった。先週は駐車場で自分の車がわからなくなった。"
    result = triage(text)
    assert "dementia" in result.categories
    assert set(result.scores) >= set(result.categories)
    assert all(0.0 <= s <= 1.0 for s in result.scores.values())
    assert [result.scores[c] for c in result.categories] == sorted(
        (result.scores[c] for c in result.categories), reverse=True
    )
    dementia_words = [e for e in result.evidence if e.label == "dementia"]
    assert dementia_words
    for e in result.evidence:
        assert text[e.start : e.end] == e.text


def test_lead_and_agencies_follow_the_routing_policy() -> None:
    text = "地域包括より。母(81、要支援2)と長男(50)の二人暮らし。長男は5年前に退職してから自室にこもっている。"
    result = triage(text)
    routed = suggest(result.categories, urgency=result.urgency, victim=result.victim)
    assert (result.lead, result.agencies) == (routed.lead, routed.agencies)
    assert ("multi_issue" in result.pattern_codes) == is_multi_issue(result.categories)


def test_patterns_come_from_the_recorded_household_when_there_is_one() -> None:
    text = "母(81)と長男(50)の二人暮らし。長男は仕事をしておらず自室から出てこない。"
    from_text = triage(text)
    assert "p8050" in from_text.pattern_codes
    assert next(p for p in from_text.patterns if p.code == "p8050").source == "text"
    recorded = triage(text, household_patterns=[("double_care", "長女が育児と介護を担っている")])
    codes = recorded.pattern_codes
    assert "p8050" not in codes
    assert "double_care" in codes
    assert next(p for p in recorded.patterns if p.code == "double_care").source == "household"


@pytest.mark.parametrize(
    ("text", "victim"),
    [
        ("保育園より。4歳女児のお尻に赤い跡。母の交際相手に叩かれたと話す。", "child"),
        ("訪問看護師より。男性(83)の手首にあざ。介護している妻が押さえつけたと話す。", "older_person"),
        ("作業所より。知的障害のある利用者の背中にあざ。", "disabled_person"),
        ("本人(20代女性)。同棲中の交際相手に殴られた。", None),
        ("母(82、要介護2)と長男(52)の二人暮らし。母の腕にあざ、長男が怒鳴る声がする。", "older_person"),
    ],
)
def test_the_abuse_victims_field(text: str, victim: str | None) -> None:
    assert _victim(normalise(text).text) == victim


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n ",
        "😀🙏💦" * 20,
        "ﾊﾊｵﾔｶﾞｶｲｺﾞﾆﾂｶﾚﾃｲﾙ",
        "My mother cannot walk and I have no money for rent.",
        "Minha mãe está doente e não temos dinheiro para o aluguel.",
    ],
)
def test_odd_text_gets_a_clear_answer(text: str) -> None:
    result = triage(text)
    assert result.urgency in ("normal", "high", "emergency")
    if not result.can_suggest:
        assert result.message
        assert result.categories == []
    assert result.model_version


def test_half_width_katakana_is_read_like_full_width() -> None:
    text = "ｹｱﾏﾈより。母(85)、ﾃﾞｲｻｰﾋﾞｽとﾍﾙﾊﾟｰを利用中だが、夜の介護で娘が疲れ切っている。"
    result = triage(text)
    assert result.can_suggest
    assert "elderly_care" in result.categories
    assert any(e.text in ("ﾃﾞｲｻｰﾋﾞｽ", "ﾍﾙﾊﾟｰ", "ｹｱﾏﾈ", "介護") for e in result.evidence)


def test_a_portuguese_cry_for_help_is_still_an_emergency() -> None:
    result = triage("Socorro, meu marido me bateu e eu quero morrer.")
    assert not result.can_suggest
    assert result.urgency == "emergency"
    assert result.lead == "coordination_section"


def test_twenty_thousand_characters_are_read_and_one_more_is_refused() -> None:
    long_text = ("母の介護のことで相談です。" * 2000)[: MAX_TEXT_LENGTH - 10] + "夫に殴られた"
    result = triage(long_text)
    assert result.urgency == "emergency"
    with pytest.raises(ValueError, match="20000"):
        triage("あ" * (MAX_TEXT_LENGTH + 1))


def test_the_result_in_the_evaluation_format(evaluation_record_fields: set[str]) -> None:
    record = triage(
        "本人(80代男性)より電話。網戸が破れて虫が入ってくる。張り替えを手伝ってほしい。"
    ).to_evaluation_record("x-1")
    assert set(record) == evaluation_record_fields
    assert record["id"] == "x-1"
    assert "daily_living" in record["categories"]


def test_a_confident_multi_issue_reading_adds_the_best_category_of_another_field() -> None:
    from tsunagiai.reference.routing import routing_policy
    from tsunagiai.triage.engine import _complete_multi_issue

    policy = routing_policy()
    thresholds = dict.fromkeys(policy.category_agency, 0.5)
    scores = dict.fromkeys(policy.category_agency, 0.05) | {
        "elderly_care": 0.9,
        "social_isolation": 0.4,
        "housing": 0.3,
    }
    # Confident: social_isolation (csw, another field, 0.4 ≥ 0.7 × 0.5) joins elderly_care.
    assert _complete_multi_issue(["elderly_care"], scores, thresholds, {"multi_issue": 0.8}, policy) == [
        "elderly_care",
        "social_isolation",
    ]
    # Not confident, or the best other field too weak, or already multi-issue: unchanged.
    assert _complete_multi_issue(["elderly_care"], scores, thresholds, {"multi_issue": 0.3}, policy) == ["elderly_care"]
    weak = scores | {"social_isolation": 0.2, "housing": 0.1}
    assert _complete_multi_issue(["elderly_care"], weak, thresholds, {"multi_issue": 0.9}, policy) == ["elderly_care"]
    both = ["elderly_care", "housing"]
    assert _complete_multi_issue(both, scores, thresholds, {"multi_issue": 0.9}, policy) == both
    # The same field does not count: dementia is the community support centre's too.
    same_field = scores | {"dementia": 0.45, "social_isolation": 0.1, "housing": 0.1}
    assert _complete_multi_issue(["elderly_care"], same_field, thresholds, {"multi_issue": 0.9}, policy) == [
        "elderly_care"
    ]


def test_a_situation_rule_makes_an_emergency_and_names_itself_as_the_reason() -> None:
    text = (
        "自治区長より。一人暮らしの男性(70代)宅、三日前からインターホンを押しても応答がなく、夜も電気がつきっぱなし。"
    )
    result = triage(text)
    assert result.urgency == "emergency"
    held = [s for s in result.situations if not s.negated]
    assert [s.name for s in held] == ["一人暮らしで応答がなく、外から異変の兆し（孤立死・急病の恐れ）"]
    assert [f.text for f in held[0].facts] == ["一人暮らし", "応答がなく", "電気がつきっぱなし"]
    for fact in held[0].facts:
        assert text[fact.start : fact.end] == fact.text
    record = result.to_evaluation_record("s-1")
    assert record["situations"][0]["name"].startswith("一人暮らしで応答がなく")
    assert record["situations"][0]["negated"] is False


def test_a_situation_with_a_negated_fact_is_reported_but_raises_nothing() -> None:
    result = triage(
        "自治区長より。一人暮らしの男性(70代)。応答がないのはいつものことで、郵便受けもきれいだし新聞もたまっていない。"
    )
    assert [s.negated for s in result.situations] == [True]
    assert "urgency:situation" not in result.notes
