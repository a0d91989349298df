"""What is missing for a household pattern to be judged: pure rules over the members' facts, no database."""

from __future__ import annotations

from tsunagiai.people.patterns import MemberFacts, detect_p8050, missing_facts


def member(pid, relationship, age, **extra):
    return MemberFacts(person_id=pid, name=f"P{pid}", relationship=relationship, age=age, **extra)


def needs(members, found=()):
    return {(m.pattern, m.person_id, m.facts) for m in missing_facts(members, found=found)}


def test_an_old_parent_and_a_middle_aged_child_of_unknown_work_need_the_childs_work_for_8050():
    members = [member(1, "head", 85), member(2, "child", 56)]
    assert needs(members) == {("p8050", 2, ("employment_status",))}


def test_once_the_work_is_recorded_as_not_working_8050_holds_and_nothing_is_missing():
    members = [member(1, "head", 85), member(2, "child", 56, employment_status="not_working")]
    assert detect_p8050(members) is not None
    assert needs(members, found=["p8050"]) == set()


def test_a_recorded_work_situation_is_an_answer_not_a_gap():
    members = [member(1, "head", 85), member(2, "child", 56, employment_status="employed")]
    assert needs(members) == set()


def test_ages_that_rule_8050_out_ask_for_nothing():
    assert needs([member(1, "head", 60), member(2, "child", 56)]) == set()
    assert needs([member(1, "head", 85), member(2, "child", 30)]) == set()


def test_an_unknown_date_of_birth_is_asked_for_when_it_could_decide_8050():
    members = [member(1, "head", None), member(2, "child", 50, employment_status="not_working")]
    assert needs(members) == {("p8050", 1, ("birth_date",))}
    both = needs([member(1, "head", 80), member(2, "child", None)])
    assert ("p8050", 2, ("birth_date", "employment_status")) in both


def test_withdrawal_known_from_intakes_needs_no_work_situation():
    members = [member(1, "head", 85), member(2, "child", 56, categories=frozenset({"social_isolation"}))]
    assert detect_p8050(members) is not None
    assert needs(members, found=["p8050"]) == set()


def test_double_care_asks_for_the_care_level_of_an_older_member_living_with_a_young_child():
    head = member(1, "head", 40, employment_status="employed")
    members = [head, member(2, "spouse", 38), member(3, "child", 10), member(4, "parent", 75)]
    assert needs(members) == {("double_care", 4, ("care_level",))}


def test_not_certified_is_an_answer_for_the_care_level():
    head = member(1, "head", 40, employment_status="employed")
    members = [head, member(3, "child", 10), member(4, "parent", 75, care_level="none")]
    assert needs(members) == set()


def test_young_carer_asks_for_the_care_level_only_when_no_working_age_adult_lives_there():
    alone = [member(1, "head", 80), member(2, "other_relative", 15)]
    assert ("young_carer", 1, ("care_level",)) in needs(alone)
    with_adult = [*alone, member(3, "child", 45, employment_status="employed")]
    assert not {n for n in needs(with_adult) if n[0] == "young_carer"}


def test_a_head_of_40_living_with_a_parent_of_75_may_be_8050_so_their_work_is_asked():
    members = [member(1, "head", 40), member(4, "parent", 75, care_level="none")]
    assert needs(members) == {("p8050", 1, ("employment_status",))}


def test_one_person_of_unknown_age_is_not_both_the_child_and_the_one_cared_for():
    members = [member(1, "head", None), member(2, "child", 50, employment_status="employed")]
    assert not {n for n in needs(members) if n[0] in {"double_care", "young_carer"}}


def test_a_pattern_already_found_is_never_said_to_miss_anything():
    members = [member(1, "head", 40), member(3, "child", 10), member(4, "parent", 75)]
    assert needs(members, found=["double_care", "young_carer", "p8050"]) == set()


def test_the_message_says_the_pattern_the_person_and_the_facts_in_words():
    from django.utils import translation

    with translation.override("ja"):
        (missing,) = missing_facts([member(1, "head", 85), member(2, "child", 56)])
        assert missing.message == "8050問題の判定には、P2さん(子・56歳)の就労状況が必要です。"
        assert "employment_status" not in missing.message
