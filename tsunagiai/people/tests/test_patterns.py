"""Household pattern rules: pure functions, tested without a database."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from tsunagiai.people.patterns import (
    MemberFacts,
    RoutingPolicy,
    detect_double_care,
    detect_multi_issue,
    detect_p8050,
    detect_patterns,
    detect_young_carer,
    member_facts,
    routing_policy,
)

POLICY = RoutingPolicy(
    {
        "elderly_care": ("community_support_center", True),
        "dementia": ("community_support_center", True),
        "employment": ("csw", True),
        "social_isolation": ("csw", True),
        "disability": ("disability_support_office", True),
        "daily_living": ("volunteer_center", False),
    },
    2,
)


def member(pid, relationship, age, **extra):
    return MemberFacts(person_id=pid, name=f"P{pid}", relationship=relationship, age=age, **extra)


# --- 8050 ---------------------------------------------------------------------


def test_p8050_holds_for_an_old_head_and_a_middle_aged_child_not_working():
    finding = detect_p8050([member(1, "head", 80), member(2, "child", 50, employment_status="not_working")])
    assert finding is not None
    assert finding.code == "p8050"
    assert finding.person_ids == (1, 2)
    assert "P1" in finding.reason and "P2" in finding.reason


def test_p8050_reads_a_parent_living_with_the_head_as_the_older_generation():
    members = [member(1, "parent", 78), member(2, "head", 48, categories=frozenset({"social_isolation"}))]
    assert detect_p8050(members) is not None


def test_p8050_counts_the_spouse_of_the_head_as_a_parent():
    members = [member(1, "spouse", 72), member(2, "child", 45, categories=frozenset({"employment"}))]
    assert detect_p8050(members) is not None


def test_p8050_needs_the_child_to_be_out_of_work_or_withdrawn():
    assert detect_p8050([member(1, "head", 80), member(2, "child", 50, employment_status="employed")]) is None


def test_p8050_thresholds_are_seventy_and_forty_inclusive():
    child = dict(employment_status="not_working")
    assert detect_p8050([member(1, "head", 70), member(2, "child", 40, **child)]) is not None
    assert detect_p8050([member(1, "head", 69), member(2, "child", 40, **child)]) is None
    assert detect_p8050([member(1, "head", 70), member(2, "child", 39, **child)]) is None


def test_p8050_ignores_pairs_that_are_not_parent_and_child():
    members = [member(1, "head", 80), member(2, "sibling", 50, employment_status="not_working")]
    assert detect_p8050(members) is None


def test_p8050_ignores_unknown_ages():
    assert detect_p8050([member(1, "head", None), member(2, "child", 50, employment_status="not_working")]) is None


def test_p8050_uses_exact_birthdays():
    """The day before the 70th birthday the rule does not hold; on the birthday it does."""
    births = {1: dt.date(1955, 6, 2), 2: dt.date(1980, 1, 1)}

    class Person:
        def __init__(self, pk):
            self.pk = pk
            self.full_name = f"P{pk}"
            self.birth_date = births[pk]
            self.care_level = ""
            self.employment_status = "not_working"

    class Membership:
        def __init__(self, pk, relationship):
            self.person = Person(pk)
            self.relationship = relationship

    memberships = [Membership(1, "head"), Membership(2, "child")]
    with time_machine.travel(dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)):
        assert detect_p8050(member_facts(memberships, {}, timezone.localdate())) is None
    with time_machine.travel(dt.datetime(2025, 6, 2, 12, tzinfo=dt.UTC)):
        assert detect_p8050(member_facts(memberships, {}, timezone.localdate())) is not None


# --- double care -----------------------------------------------------------------


def test_double_care_holds_for_a_young_child_a_member_needing_care_and_an_adult_between():
    members = [member(1, "head", 42), member(2, "child", 5), member(3, "parent", 80, care_level="care_2")]
    finding = detect_double_care(members)
    assert finding is not None
    assert "P1" in finding.reason


def test_double_care_counts_care_categories_as_needing_care():
    members = [
        member(1, "head", 42),
        member(2, "child", 5),
        member(3, "parent", 80, categories=frozenset({"dementia"})),
    ]
    assert detect_double_care(members) is not None


def test_double_care_child_must_be_under_fifteen():
    members = [member(1, "head", 42), member(2, "child", 15), member(3, "parent", 80, care_level="support_1")]
    assert detect_double_care(members) is None
    members[1] = member(2, "child", 14)
    assert detect_double_care(members) is not None


def test_double_care_needs_an_adult_who_neither_needs_care_nor_is_a_child():
    members = [member(1, "head", 42, care_level="care_1"), member(2, "child", 5)]
    assert detect_double_care(members) is None


def test_no_double_care_without_anyone_needing_care():
    assert detect_double_care([member(1, "head", 42), member(2, "child", 5), member(3, "parent", 80)]) is None


# --- young carer -------------------------------------------------------------------


def test_young_carer_possible_when_no_able_working_age_adult_lives_there():
    members = [member(1, "head", 45, care_level="care_3"), member(2, "child", 14)]
    finding = detect_young_carer(members)
    assert finding is not None
    assert finding.code == "young_carer"
    assert "possibility" in finding.reason or "可能性" in finding.reason


def test_young_carer_not_flagged_when_a_working_age_adult_without_care_needs_is_present():
    members = [member(1, "head", 45, care_level="care_3"), member(2, "spouse", 44), member(3, "child", 14)]
    assert detect_young_carer(members) is None


def test_young_carer_ignores_adults_of_sixty_five_and_over():
    members = [member(1, "grandparent", 80, care_level="care_3"), member(2, "head", 65), member(3, "grandchild", 16)]
    assert detect_young_carer(members) is not None


def test_young_carer_age_limit_is_under_eighteen():
    cared = member(1, "head", 50, categories=frozenset({"disability"}))
    assert detect_young_carer([cared, member(2, "child", 17)]) is not None
    assert detect_young_carer([cared, member(2, "child", 18)]) is None


# --- multi-issue -------------------------------------------------------------------


def test_multi_issue_needs_two_distinct_core_agency_types():
    assert detect_multi_issue({"elderly_care", "dementia"}, POLICY) is None
    finding = detect_multi_issue({"elderly_care", "employment"}, POLICY)
    assert finding is not None
    assert finding.code == "multi_issue"


def test_multi_issue_ignores_supplementary_and_unknown_categories():
    assert detect_multi_issue({"elderly_care", "daily_living", "not_a_category"}, POLICY) is None


def test_multi_issue_names_the_fields_in_the_reason():
    finding = detect_multi_issue(
        {"elderly_care", "employment"},
        POLICY,
        category_labels={"elderly_care": "高齢者の介護", "employment": "仕事"},
        agency_labels={"csw": "CSW", "community_support_center": "包括"},
    )
    assert finding is not None
    assert "包括(高齢者の介護)" in finding.reason
    assert "CSW(仕事)" in finding.reason


def test_detect_patterns_joins_member_and_household_categories():
    members = [member(1, "head", 50, categories=frozenset({"elderly_care"}))]
    codes = [f.code for f in detect_patterns(members, {"employment"}, POLICY)]
    assert codes == ["multi_issue"]


def test_the_deployment_routing_policy_marks_core_categories():
    policy = routing_policy()
    assert policy.category_agency["elderly_care"] == ("community_support_center", True)
    assert policy.category_agency["daily_living"][1] is False
    assert policy.multi_issue_min_core_agency_types == 2
