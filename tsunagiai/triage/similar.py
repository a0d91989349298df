"""Similar past intakes: what was done for them and how it went, anonymised, from what the user may see.

Two steps keep the cost flat: the database ranks the user's visible intakes
by how many suggested categories they share (one query, a small candidate
set), then the candidates are re-ranked by the overlap of their texts'
character bigrams. The few kept are loaded with a fixed number of queries
and shown without names, addresses or phone numbers (masking.py), without a
link and without a date finer than the month.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from tsunagiai.accounts import access
from tsunagiai.community.models import Participation
from tsunagiai.people.models import HouseholdMembership
from tsunagiai.support.models import PlanAction
from tsunagiai.triage.masking import intake_names, mask_text
from tsunagiai.triage.selectors import Labels

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

CANDIDATES = 40
SHOWN = 3
SUMMARY_LENGTH = 140
CATEGORY_WEIGHT = 0.6
TEXT_WEIGHT = 0.4


@dataclass(frozen=True)
class ReferralOutcome:
    agency: str
    status: str
    outcome: str


@dataclass(frozen=True)
class CaseOutcome:
    lead: str
    status: str


@dataclass(frozen=True)
class SimilarIntake:
    """An anonymised past intake: no id, no name, no address, the month only."""

    received_month: dt.date
    categories: list[str]
    urgency: str
    summary: str
    first_response: str
    status: str
    similarity: float
    referrals: list[ReferralOutcome] = field(default_factory=list)
    cases: list[CaseOutcome] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)


def _bigrams(text: str) -> set[str]:
    compact = "".join(text.split())
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


def text_similarity(a: str, b: str) -> float:
    """Jaccard overlap of character bigrams (robust to Japanese without tokenising)."""
    left, right = _bigrams(a), _bigrams(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def _ranked_ids(
    user: User, categories: Sequence[str], text: str, exclude_intake_id: int | None, limit: int
) -> list[tuple[int, float]]:
    codes = sorted(set(categories))
    queryset = access.visible_intakes(user).filter(categories__code__in=codes)
    if exclude_intake_id is not None:
        queryset = queryset.exclude(pk=exclude_intake_id)
    candidates = (
        queryset.annotate(overlap=Count("categories", filter=Q(categories__code__in=codes), distinct=True))
        .order_by("-overlap", "-received_at", "-id")
        .values_list("pk", "overlap", "concern")[:CANDIDATES]
    )
    scored = [
        (pk, CATEGORY_WEIGHT * overlap / len(codes) + TEXT_WEIGHT * text_similarity(text, concern))
        for pk, overlap, concern in candidates
    ]
    scored.sort(key=lambda item: (-item[1], -item[0]))
    return scored[:limit]


def similar_intakes(
    user: User,
    *,
    categories: Iterable[str],
    text: str,
    labels: Labels,
    exclude_intake_id: int | None = None,
    limit: int = SHOWN,
) -> list[SimilarIntake]:
    """The intakes the user may see that are most like this suggestion, anonymised (constant queries)."""
    codes = [c for c in categories if c]
    if not codes or not access.is_staff_member(user):
        return []
    ranked = _ranked_ids(user, codes, text, exclude_intake_id, limit)
    if not ranked:
        return []
    scores = dict(ranked)
    intakes = {
        intake.pk: intake
        for intake in access.visible_intakes(user)
        .filter(pk__in=list(scores))
        .select_related("person", "household")
        .prefetch_related(
            "categories",
            Prefetch(
                "referrals",
                queryset=access.visible_referrals(user).select_related("to_organisation").order_by("sent_at", "id"),
                to_attr="visible_referrals",
            ),
            Prefetch(
                "cases",
                queryset=access.visible_cases(user).select_related("lead_organisation").order_by("opened_at", "id"),
                to_attr="visible_cases",
            ),
            Prefetch(
                "household__memberships",
                queryset=HouseholdMembership.objects.select_related("person"),
            ),
        )
    }
    case_ids = {case.pk for intake in intakes.values() for case in intake.visible_cases}
    resources: dict[int, list[str]] = {}
    for case_id, owner_text in (
        PlanAction.objects.filter(owner_kind=PlanAction.OwnerKind.COMMUNITY_RESOURCE, revision__plan__case__in=case_ids)
        .exclude(owner_text="")
        .order_by("revision__plan__case_id", "key", "id")
        .values_list("revision__plan__case_id", "owner_text")
    ):
        if owner_text not in resources.setdefault(case_id, []):
            resources[case_id].append(owner_text)
    # Participation support (C8): the community resources the person tried or kept going to.
    for case_id, service_name in (
        Participation.objects.filter(
            case__in=case_ids, status__in=[Participation.Status.TRIED, Participation.Status.CONTINUING]
        )
        .order_by("case_id", "service__name")
        .values_list("case_id", "service__name")
    ):
        if service_name not in resources.setdefault(case_id, []):
            resources[case_id].append(service_name)
    return [_summarise(intakes[pk], scores[pk], labels, resources) for pk, _score in ranked if pk in intakes]


def _summarise(intake: Any, score: float, labels: Labels, resources: dict[int, list[str]]) -> SimilarIntake:
    household = intake.household
    members = [m.person for m in household.memberships.all()] if household is not None else []
    names = intake_names(intake, household_members=members)
    summary = mask_text(intake.concern, known_names=names)
    if len(summary) > SUMMARY_LENGTH:
        summary = summary[:SUMMARY_LENGTH] + "…"
    received = timezone.localtime(intake.received_at).date().replace(day=1)
    helped: list[str] = []
    for case in intake.visible_cases:
        for owner_text in resources.get(case.pk, []):
            text = mask_text(owner_text, known_names=names) if any(n and n in owner_text for n in names) else owner_text
            if text not in helped:
                helped.append(text)
    return SimilarIntake(
        received_month=received,
        categories=[labels.categories.get(c.pk, c.pk) for c in intake.categories.all()],
        urgency=labels.urgency.get(intake.urgency_id, intake.urgency_id),
        summary=summary,
        first_response=str(intake.get_first_response_display()),
        status=str(intake.get_status_display()),
        similarity=round(score, 3),
        referrals=[
            ReferralOutcome(
                agency=labels.agencies.get(r.to_organisation.agency_type_id, r.to_organisation.agency_type_id),
                status=str(r.get_status_display()),
                outcome=str(r.get_outcome_code_display()) if r.outcome_code else "",
            )
            for r in intake.visible_referrals
        ],
        cases=[
            CaseOutcome(
                lead=labels.agencies.get(c.lead_organisation.agency_type_id, c.lead_organisation.agency_type_id),
                status=str(c.get_status_display()),
            )
            for c in intake.visible_cases
        ],
        resources=helped,
    )
