"""The network of organisations on a small graph: referrals, shared teams and shared events."""

from __future__ import annotations

import datetime as dt

import time_machine

from tsunagiai.cases.actions import do_add_team_member
from tsunagiai.referrals.actions import do_send_referral
from tsunagiai.regional.actions import do_record_network_event
from tsunagiai.regional.selectors import network, network_growth, network_links
from tsunagiai.regional.tests.helpers import make_case
from tsunagiai.testing import Town


def test_links_count_referrals_teams_and_events_per_pair(town: Town) -> None:
    with time_machine.travel("2024-02-10 10:00:00+09:00", tick=False):
        case = make_case(town)
        north, csw, fire, coordination = (town.orgs[k] for k in ("branch_north", "csw", "fire", "coordination"))
        do_send_referral(
            acting_user=town.users["caseworker_north"],
            from_organisation=north,
            to_organisation=coordination,
            reason="家計の立て直し",
            request="相談をお願いします。",
            shared_sections=["concern"],
            sharing_basis="life_and_safety",
            person=case.focus_members.get(),
            household=case.household,
            case=case,
        )
    with time_machine.travel("2024-08-10 10:00:00+09:00", tick=False):
        do_add_team_member(case, csw, acting_user=town.users["caseworker_north"], basis="life_and_safety")
        do_record_network_event(
            acting_user=town.users["coordinator"],
            kind="fire_welfare_training",
            held_on=dt.date(2024, 8, 1),
            title="消福連携研修",
            participating_organisations=[fire, north, csw],
        )
    pairs = network_links()

    def pair(a: object, b: object) -> dict[str, object]:
        key = tuple(sorted((a.pk, b.pk)))  # type: ignore[attr-defined]
        return pairs[key]  # type: ignore[index]

    assert pair(north, coordination)["referrals"] == 1
    assert pair(north, csw)["teams"] == 1 and pair(north, csw)["events"] == 1
    assert pair(fire, csw)["events"] == 1 and pair(fire, csw)["referrals"] == 0
    assert pair(north, coordination)["first"] == dt.date(2024, 2, 10)
    assert len(pairs) == 4

    picture = network()
    assert {n.organisation.code for n in picture.nodes} == {"branch_north", "csw", "fire", "coordination"}
    assert len({(n.x, n.y) for n in picture.nodes}) == 4  # a deterministic circle, no two on one spot
    assert network().nodes[0].x == picture.nodes[0].x

    growth = network_growth(dt.date(2024, 9, 30), quarters=3)
    assert [(q.label, q.organisations, q.links) for q in growth] == [
        ("2024 Q1", 2, 1),
        ("2024 Q2", 2, 1),
        ("2024 Q3", 4, 4),
    ]


def test_the_network_is_computed_in_a_constant_number_of_queries(town: Town, django_assert_num_queries: object) -> None:
    do_record_network_event(
        acting_user=town.users["coordinator"],
        kind="network_meeting",
        held_on=dt.date(2024, 8, 1),
        title="連絡会",
        participating_organisations=list(town.orgs.values()),
    )
    with django_assert_num_queries(4):  # type: ignore[operator]
        network()
