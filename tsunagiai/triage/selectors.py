"""Reads for the triage panel, the API and the corrections export (access through accounts.access)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagiai.accounts import access
from tsunagiai.people.models import Household
from tsunagiai.people.selectors import current_household
from tsunagiai.reference.models import (
    AgencyType,
    HouseholdPattern,
    IssueCategory,
    Organisation,
    TownBlock,
    UrgencyLevel,
)
from tsunagiai.reference.selectors import organisations_covering
from tsunagiai.triage.models import TriageSuggestion
from tsunagiai.triage.result import TriageResult

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User
    from tsunagiai.intake.models import Intake

# Patterns the engine computes itself from the suggested categories.
TEXT_DERIVED_PATTERNS = frozenset({"multi_issue"})


@dataclass(frozen=True)
class Labels:
    """Japanese labels of the codes a suggestion speaks in (reference tables)."""

    categories: dict[str, str]
    urgency: dict[str, str]
    agencies: dict[str, str]
    patterns: dict[str, str]


def labels() -> Labels:
    def table(model: Any) -> dict[str, str]:
        return dict(model.objects.order_by("sort_order", "code").values_list("code", "label"))

    return Labels(
        categories=table(IssueCategory),
        urgency=table(UrgencyLevel),
        agencies=table(AgencyType),
        patterns=table(HouseholdPattern),
    )


def household_of(
    user: User, *, household_id: int | None = None, person_id: int | None = None, intake_id: int | None = None
) -> Household | None:
    """The household the user may see: by id (404 otherwise), the current one of a visible person, or of an intake.

    Always the household as it is now: an intake's own ``household`` is the one recorded when it was saved, so
    a person who joined or founded a household since is read through their current membership
    (``household_now``), never through that stored link.
    """
    if household_id is not None:
        return access.access_household(user, household_id)
    if person_id is not None:
        person = access.visible_people(user, among=[person_id]).first()
        return current_household(person) if person is not None else None
    if intake_id is not None:
        intake = access.visible_intakes(user).filter(pk=intake_id).select_related("person", "household").first()
        return household_now(user, intake) if intake is not None else None
    return None


def household_now(user: User, intake: Intake) -> Household | None:
    """The household an intake is about today: its person's current one, else the household it names."""
    if intake.person_id is not None:
        person = access.visible_people(user, among=[intake.person_id]).first()
        return current_household(person) if person is not None else None
    return intake.household  # no person identified: the household it was recorded against


def household_pattern_hints(user: User, household: Household | None) -> list[tuple[str, str]] | None:
    """(code, reason) of the patterns the household's recorded members show (the engine adds multi_issue).

    None when no household is recorded: the engine then suggests the patterns from the words.
    """
    if household is None:
        return None
    from tsunagiai.people.selectors import household_view

    view = household_view(user, household)
    return [(p.code, p.reason) for p in view.patterns if p.code not in TEXT_DERIVED_PATTERNS]


def town_block_by_code(code: str | None) -> TownBlock | None:
    if not code:
        return None
    return TownBlock.objects.filter(code=code, active=True).first()


def town_block_by_pk(pk: Any) -> TownBlock | None:
    try:
        number = int(pk)
    except (TypeError, ValueError):
        return None
    if not 0 < number < 2**62:
        return None
    return TownBlock.objects.filter(pk=number, active=True).first()


def covering_organisations(town_block: TownBlock | None, agency_types: Iterable[str]) -> list[Organisation]:
    """Active organisations of the suggested agency types that cover the town block (directory data)."""
    wanted = sorted(set(agency_types))
    if town_block is None or not wanted:
        return []
    return list(organisations_covering(town_block).filter(agency_type_id__in=wanted))


def training_opt_in_of(intake: Any) -> bool:
    suggestion = TriageSuggestion.objects.filter(intake=intake).only("training_opt_in").first()
    return bool(suggestion and suggestion.training_opt_in)


def stored_suggestion(intake: Intake) -> TriageSuggestion | None:
    """The suggestion stored at the intake's last save; ``intake`` must be one the caller may see."""
    return TriageSuggestion.objects.filter(intake=intake).first()


def corrections_to_export(*, since: dt.date | None = None) -> QuerySet[TriageSuggestion]:
    """Confirmed intakes whose staff opted in to training, with what the masking needs."""
    queryset = TriageSuggestion.objects.filter(training_opt_in=True).select_related(
        "intake", "intake__person", "intake__household"
    )
    if since is not None:
        start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
        queryset = queryset.filter(updated_at__gte=start)
    return queryset.prefetch_related("intake__household__memberships__person").order_by("intake_id")


def urgency_label(labels: Labels, urgency: str, *, possible_emergency: bool) -> str:
    """The suggested urgency in words, or 「緊急の可能性 — 確認してください」 (the panel and the stored record)."""
    if possible_emergency:
        # Unsure, and about a person living alone or a child: not 通常 (issue 17).
        return _("Possible emergency — please check")
    return labels.urgency.get(urgency, urgency)


def sureness(probability: float | None, urgency: str) -> dict[str, int] | None:
    """How sure the urgency suggestion is: the calibrated probability of an emergency, and of the suggestion."""
    if probability is None:
        return None
    emergency = round(100 * probability)
    suggested = emergency if urgency == "emergency" else 100 - emergency
    return {"emergency": emergency, "suggestion": suggested}


def situation_rows(situations: Iterable[dict[str, Any]], labels: Labels) -> list[dict[str, Any]]:
    """Situation rules that held: the rule's name as the reason, and the words of each of its facts.

    ``situations`` as stored (``TriageResult.situation_records``): name, level, negated, facts.
    """
    return [
        {
            "name": s.get("name", ""),
            "level": labels.urgency.get(s.get("level", ""), s.get("level", "")),
            "negated": bool(s.get("negated")),
            "facts": "、".join(f"「{f.get('text', '')}」" for f in s.get("facts", [])),
        }
        for s in situations
    ]


@dataclass(frozen=True)
class Mark:
    """A stretch of the text: plain, or marked with the labels of the suggestions it supports."""

    text: str
    labels: tuple[str, ...] = ()
    urgent: bool = False
    negated: bool = False


@dataclass
class SuggestionView:
    """Everything the panel and the API show for one text."""

    result: Any
    labels: Labels
    text: str
    organisations: list[Organisation]
    similar: list[Any]

    @property
    def category_rows(self) -> list[dict[str, Any]]:
        """Suggested categories first, then the next best (score over 0), with percentages for the bars."""
        suggested = list(self.result.categories)
        others = sorted(
            (c for c, s in self.result.scores.items() if c not in suggested and s > 0),
            key=lambda c: -self.result.scores[c],
        )[:3]
        return [
            {
                "code": code,
                "label": self.labels.categories.get(code, code),
                "score": self.result.scores.get(code, 0.0),
                "percent": round(100 * self.result.scores.get(code, 0.0)),
                "suggested": code in suggested,
            }
            for code in [*suggested, *others]
        ]

    @property
    def urgency_label(self) -> str:
        return urgency_label(
            self.labels, str(self.result.urgency), possible_emergency=getattr(self.result, "possible_emergency", False)
        )

    @property
    def sureness(self) -> dict[str, int] | None:
        return sureness(getattr(self.result, "emergency_probability", None), str(self.result.urgency))

    @property
    def lead_label(self) -> str:
        return self.labels.agencies.get(self.result.lead, str(self.result.lead))

    @property
    def agency_labels(self) -> list[str]:
        return [self.labels.agencies.get(code, code) for code in self.result.agencies]

    @property
    def pattern_rows(self) -> list[dict[str, str]]:
        return [
            {
                "code": p.code,
                "label": self.labels.patterns.get(p.code, p.code),
                "reason": self._pattern_reason(p.source, p.reason),
                "source": p.source,
            }
            for p in self.result.patterns
        ]

    def _pattern_reason(self, source: str, reason: str) -> str:
        """The reason in words: the household's own, the words of the text, or the agency fields the categories span."""
        if source == "categories":
            fields = "、".join(self.labels.agencies.get(code, code) for code in reason.split(",") if code)
            return _("the categories span %(fields)s") % {"fields": fields}
        if source == "text":
            return _("suggested from the words (no household recorded)")
        return reason

    @property
    def cue_rows(self) -> list[dict[str, Any]]:
        return [
            {"text": c.text, "level": self.labels.urgency.get(c.label, c.label), "negated": c.negated}
            for c in self.result.cues
        ]

    @property
    def situation_rows(self) -> list[dict[str, Any]]:
        return situation_rows([asdict(situation) for situation in getattr(self.result, "situations", [])], self.labels)

    @property
    def marks(self) -> list[Mark]:
        facts = [f for s in getattr(self.result, "situations", []) for f in s.facts]
        return highlight(self.text, [*self.result.evidence, *self.result.cues, *facts], self.labels)


def _span_label(span: Any, labels: Labels) -> str:
    if span.label in labels.categories:
        return labels.categories[span.label]
    return labels.urgency.get(span.label, str(span.label))


def highlight(text: str, spans: Iterable[Any], labels: Labels) -> list[Mark]:
    """Split ``text`` at the spans' edges; each piece carries the labels of the spans covering it."""
    valid = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    edges = sorted({0, len(text), *[s.start for s in valid], *[s.end for s in valid]})
    pieces: list[Mark] = []
    for start, end in zip(edges, edges[1:], strict=False):
        covering = [s for s in valid if s.start <= start and end <= s.end]
        names = tuple(dict.fromkeys(_span_label(s, labels) for s in covering))
        urgent = any(s.label in {"emergency", "high"} and not s.negated for s in covering)
        negated = bool(covering) and all(s.negated for s in covering)
        pieces.append(Mark(text[start:end], names, urgent, negated))
    return pieces


def suggestion_view(
    user: User,
    *,
    text: str,
    town_block: TownBlock | None = None,
    household: Household | None = None,
    exclude_intake_id: int | None = None,
    with_similar: bool = True,
) -> SuggestionView:
    """The engine's suggestion for ``text`` with labels, covering organisations and similar intakes.

    ``household`` must already be one the user may see (``household_of``).
    Raises ``ValueError`` for a text longer than the engine accepts.
    """
    from tsunagiai.triage.similar import similar_intakes

    result = run_triage(text, household_patterns=household_pattern_hints(user, household))
    names = labels()
    similar = (
        similar_intakes(
            user, categories=result.categories, text=text, labels=names, exclude_intake_id=exclude_intake_id
        )
        if with_similar and result.can_suggest
        else []
    )
    return SuggestionView(
        result=result,
        labels=names,
        text=text,
        organisations=covering_organisations(town_block, result.agencies) if result.can_suggest else [],
        similar=similar,
    )


def run_triage(text: str, *, household_patterns: Iterable[tuple[str, str]] | None = None) -> TriageResult:
    """The engine's suggestion for ``text`` (the one place the pages, the API and the hook call it).

    ``household_patterns`` None: no household is recorded, so the engine suggests patterns from the
    words; a list (even empty): the recorded household's own patterns stand (routing.md §4).
    """
    from tsunagiai.triage import engine  # loads the model on first use, not on import

    patterns = None if household_patterns is None else list(household_patterns)
    return engine.triage(text, household_patterns=patterns)
