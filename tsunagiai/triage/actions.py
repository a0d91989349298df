"""Writes of the triage app: the suggestion stored beside what staff chose, and the corrections export."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from tsunagiai.audit.actions import record_audit_event
from tsunagiai.intake.models import Intake
from tsunagiai.reference.routing import is_multi_issue
from tsunagiai.triage.masking import intake_names, mask_text
from tsunagiai.triage.models import TriageSuggestion
from tsunagiai.triage.result import TriageResult
from tsunagiai.triage.selectors import run_triage

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

logger = logging.getLogger(__name__)

_SNAPSHOT_FIELDS = (
    "suggested_categories",
    "suggested_urgency",
    "chosen_categories",
    "chosen_urgency",
    "decision",
    "training_opt_in",
)


def _decision_for(result: TriageResult, *, categories: Iterable[str], urgency: str) -> str:
    """Whether staff kept the suggestion as it was, changed it, or had none to keep."""
    if not result.can_suggest:
        return TriageSuggestion.Decision.NO_SUGGESTION
    if set(categories) == set(result.categories) and urgency == result.urgency:
        return TriageSuggestion.Decision.ACCEPTED
    return TriageSuggestion.Decision.CHANGED


def _spans(spans: Iterable[Any]) -> list[dict[str, Any]]:
    return [asdict(span) for span in spans]


@transaction.atomic
def do_record_triage_suggestion(
    intake: Intake,
    *,
    acting_user: User,
    training_opt_in: bool | None = None,
    household_patterns: Iterable[tuple[str, str]] | None = None,
) -> TriageSuggestion | None:
    """Recompute the suggestion from the saved concern and store it beside what staff chose.

    Never takes a suggestion from the client. ``training_opt_in`` None keeps
    the earlier answer (an edit through the API). If the engine fails, the
    intake is still recorded: the failure is logged and nothing is stored.
    """
    try:
        result = run_triage(intake.concern, household_patterns=household_patterns)
    except Exception:  # the suggestion must never cost staff the intake they are saving
        logger.exception("triage failed for intake %s", intake.pk)
        return None
    chosen = sorted(intake.categories.values_list("code", flat=True))
    existing = TriageSuggestion.objects.filter(intake=intake).first()
    before = {name: getattr(existing, name) for name in _SNAPSHOT_FIELDS} if existing else {}
    suggestion = existing or TriageSuggestion(intake=intake)
    suggestion.suggested_categories = list(result.categories)
    suggestion.scores = {code: round(score, 4) for code, score in result.scores.items()}
    suggestion.suggested_urgency = result.urgency
    suggestion.cues = _spans(result.cues)
    suggestion.situations = result.situation_records()
    suggestion.emergency_probability = result.emergency_probability
    suggestion.possible_emergency = result.possible_emergency
    suggestion.evidence = _spans(result.evidence)
    suggestion.patterns = [asdict(p) for p in result.patterns]
    suggestion.lead = result.lead
    suggestion.agencies = list(result.agencies)
    suggestion.can_suggest = result.can_suggest
    suggestion.low_confidence = result.low_confidence
    suggestion.model_version = result.model_version[:100]
    suggestion.chosen_categories = chosen
    suggestion.chosen_urgency = intake.urgency_id
    suggestion.decision = _decision_for(result, categories=chosen, urgency=intake.urgency_id)
    if training_opt_in is not None:
        suggestion.training_opt_in = training_opt_in
        suggestion.opted_in_by = acting_user if training_opt_in else None
    suggestion.updated_at = timezone.now()
    suggestion.save()
    after = {name: getattr(suggestion, name) for name in _SNAPSHOT_FIELDS}
    changes = {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}
    record_audit_event("triage.suggestion_recorded", acting_user=acting_user, obj=intake, changes=changes)
    return suggestion


def _correction_record(suggestion: TriageSuggestion) -> dict[str, Any]:
    """One exported correction in the corpus format, with names and addresses masked."""
    intake = suggestion.intake
    household = intake.household
    members = [m.person for m in household.memberships.all()] if household is not None else []
    categories = list(suggestion.chosen_categories)
    patterns = {p["code"] for p in suggestion.patterns if p.get("source") == "household"}
    if is_multi_issue(categories):
        patterns.add("multi_issue")
    return {
        "id": f"correction-{intake.pk}",
        "text": mask_text(intake.concern, known_names=intake_names(intake, household_members=members)),
        "categories": categories,
        "urgency": suggestion.chosen_urgency,
        "patterns": sorted(patterns),
        "victim": None,
        "style": "staff_correction",
    }


def do_export_corrections(
    suggestions: Iterable[TriageSuggestion], *, output: Path, acting_user: User | None = None
) -> int:
    """Write the opted-in corrections as JSON Lines and record the export in the audit log."""
    count = 0
    with output.open("w", encoding="utf-8") as handle:
        for suggestion in suggestions:
            handle.write(json.dumps(_correction_record(suggestion), ensure_ascii=False) + "\n")
            count += 1
    record_audit_event(
        "triage.corrections_exported",
        acting_user=acting_user,
        changes={"count": [None, count]},
        note=output.name,
    )
    return count
