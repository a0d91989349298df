"""POST /api/v1/triage: the suggestion for a text, in the evaluation format plus what the panel shows.

Same engine, same access policy as the intake form's panel: household
patterns only from a household the caller may see (404 otherwise), similar
intakes only from those the caller may see. Nothing is stored.

GET /api/v1/triage/intakes/{intake_id}: the suggestion stored for an intake at its last save, beside what
staff chose (the intake page's 「トリアージの提案」), for an intake the caller may see.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from tsunagiai.audit.actions import record_read
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.intake.selectors import intake_detail
from tsunagiai.triage import selectors
from tsunagiai.triage.engine import MAX_TEXT_LENGTH

router = Router(tags=["triage"])
logger = logging.getLogger(__name__)


class TriageIn(Schema):
    model_config = ConfigDict(extra="forbid")

    # The length is checked in the operation so that the error names the field in words staff know.
    text: str = Field(
        description="The concern as written (Japanese).", json_schema_extra={"maxLength": MAX_TEXT_LENGTH}
    )
    town_block: str | None = Field(None, max_length=40, description="Town block code: organisations covering it.")
    household_id: int | None = Field(None, ge=1, le=2**62, description="A household the caller may see: its patterns.")


class CueOut(Schema):
    text: str
    start: int
    end: int
    level: str
    negated: bool


class SpanOut(Schema):
    text: str
    start: int
    end: int
    label: str


class PatternOut(Schema):
    code: str
    source: str
    reason: str


class OrganisationOut(Schema):
    id: int
    name: str
    agency_type: str


class ReferralOutcomeOut(Schema):
    agency: str
    status: str
    outcome: str


class CaseOutcomeOut(Schema):
    lead: str
    status: str


class SimilarOut(Schema):
    received_month: dt.date
    categories: list[str]
    urgency: str
    summary: str
    first_response: str
    status: str
    similarity: float
    referrals: list[ReferralOutcomeOut]
    cases: list[CaseOutcomeOut]
    resources: list[str]


class SituationFactOut(Schema):
    text: str
    start: int
    end: int


class SituationOut(Schema):
    name: str = Field(
        description="The situation rule's name in Japanese (data/triage/lexicon.yaml), shown as the reason."
    )
    level: str = Field(description="The urgency it raises to: emergency or high.")
    negated: bool = Field(description="Every fact was present but one only negated or in the past: it raised nothing.")
    facts: list[SituationFactOut] = Field(description="The words of each fact, offsets into the text as given.")


SITUATIONS = "Situation rules that held (co-occurring facts read as one named situation), negated ones included."
EMERGENCY_PROBABILITY = (
    "Calibrated probability (isotonic, held-out notes) that the note is an emergency, 0–1; null without a "
    "calibration in the model, when nothing could be suggested, or for suggestions stored before it was kept."
)
POSSIBLE_EMERGENCY = (
    "Not suggested as an emergency, but the suggestion is unsure and the note is about a person living alone or a "
    "child: show 「緊急の可能性 — 確認してください」 instead of the urgency (which stays as suggested)."
)


class TriageOut(Schema):
    categories: list[str]
    urgency: str
    patterns: list[str]
    lead: str
    agencies: list[str]
    scores: dict[str, float]
    cues: list[CueOut]
    situations: list[SituationOut] = Field(description=SITUATIONS)
    emergency_probability: float | None = Field(description=EMERGENCY_PROBABILITY)
    possible_emergency: bool = Field(description=POSSIBLE_EMERGENCY)
    evidence: list[SpanOut]
    pattern_reasons: list[PatternOut]
    routing_reasons: list[str]
    can_suggest: bool
    low_confidence: bool
    message: str
    model_version: str
    organisations: list[OrganisationOut]
    similar: list[SimilarOut]


class StoredSpanOut(Schema):
    text: str
    start: int
    end: int
    label: str
    negated: bool = False


class StoredSuggestionOut(Schema):
    """The suggestion stored at the intake's last save (recomputed on the server), beside what staff chose."""

    intake_id: int
    categories: list[str] = Field(description="Suggested categories, best first.")
    scores: dict[str, float]
    urgency: str = Field(description="Suggested urgency.")
    cues: list[StoredSpanOut] = Field(description="Urgency cue words; label is the level they raise to.")
    situations: list[SituationOut] = Field(description=SITUATIONS)
    emergency_probability: float | None = Field(description=EMERGENCY_PROBABILITY)
    possible_emergency: bool = Field(description=POSSIBLE_EMERGENCY)
    evidence: list[StoredSpanOut] = Field(description="Words behind each suggested category.")
    pattern_reasons: list[PatternOut]
    lead: str
    agencies: list[str]
    can_suggest: bool
    low_confidence: bool
    model_version: str
    chosen_categories: list[str] = Field(description="What staff chose at that save.")
    chosen_urgency: str
    decision: str = Field(description="accepted, changed or no_suggestion.")
    training_opt_in: bool
    updated_at: dt.datetime


class ErrorOut(Schema):
    detail: str
    errors: list[dict[str, str]] | None = None


def _invalid(field: str, message: str) -> Status[dict[str, Any]]:
    return Status(422, {"detail": _("Please check the input."), "errors": [{"field": field, "message": message}]})


@router.post(
    "",
    response={200: TriageOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 503: ErrorOut},
    summary="Suggest for a text",
)
def suggest_triage(request: AuthenticatedRequest, payload: TriageIn) -> Status[dict[str, Any]]:
    """Categories with scores, urgency with its cue words, patterns with reasons, the lead and agencies,
    the organisations of those types covering ``town_block``, and similar intakes the caller may see.

    Empty text answers 200 with ``can_suggest`` false.
    """
    user = request.user
    if len(payload.text) > MAX_TEXT_LENGTH:
        return _invalid("text", _("Concern: enter at most %(max)s characters.") % {"max": MAX_TEXT_LENGTH})
    town_block = selectors.town_block_by_code(payload.town_block)
    if payload.town_block and town_block is None:
        return _invalid("town_block", _("Town block: unknown code %(code)s.") % {"code": payload.town_block})
    household = selectors.household_of(user, household_id=payload.household_id)
    try:
        view = selectors.suggestion_view(user, text=payload.text, town_block=town_block, household=household)
    except ValueError:
        return _invalid("text", _("Concern: enter at most %(max)s characters.") % {"max": MAX_TEXT_LENGTH})
    except Exception:  # the model file missing or broken: say so, do not answer 500
        logger.exception("triage API: the engine failed")
        return Status(503, {"detail": _("The suggestion is not available now.")})
    result = view.result
    record = result.to_evaluation_record("")
    record.pop("id")
    return Status(
        200,
        {
            **record,
            "evidence": [{"text": s.text, "start": s.start, "end": s.end, "label": s.label} for s in result.evidence],
            "pattern_reasons": [{"code": p.code, "source": p.source, "reason": p.reason} for p in result.patterns],
            "routing_reasons": list(result.routing_reasons),
            "can_suggest": result.can_suggest,
            "low_confidence": result.low_confidence,
            "message": result.message,
            "model_version": result.model_version,
            "organisations": [
                {"id": o.pk, "name": o.name, "agency_type": o.agency_type_id} for o in view.organisations
            ],
            "similar": [_similar(s) for s in view.similar],
        },
    )


def _similar(item: Any) -> dict[str, Any]:
    return {
        "received_month": item.received_month,
        "categories": item.categories,
        "urgency": item.urgency,
        "summary": item.summary,
        "first_response": item.first_response,
        "status": item.status,
        "similarity": item.similarity,
        "referrals": [vars(r) for r in item.referrals],
        "cases": [vars(c) for c in item.cases],
        "resources": item.resources,
    }


@router.get(
    "/intakes/{intake_id}",
    response={200: StoredSuggestionOut, 404: ErrorOut},
    summary="Read the suggestion stored for an intake",
)
def get_stored_suggestion(request: AuthenticatedRequest, intake_id: int) -> dict[str, Any]:
    """What triage suggested at the intake's last save and why (cues, situations, calibrated probability),
    beside what staff chose. 404 for a missing or not-visible intake alike, and for one with nothing stored.
    """
    intake = intake_detail(request.user, intake_id)
    suggestion = selectors.stored_suggestion(intake)
    if suggestion is None:
        raise Http404
    record_read(request, intake, action="triage.suggestion_viewed", note="api")
    return {
        "intake_id": intake.pk,
        "categories": suggestion.suggested_categories,
        "scores": suggestion.scores,
        "urgency": suggestion.suggested_urgency,
        "cues": suggestion.cues,
        "situations": suggestion.situations,
        "emergency_probability": suggestion.emergency_probability,
        "possible_emergency": suggestion.possible_emergency,
        "evidence": suggestion.evidence,
        "pattern_reasons": suggestion.patterns,
        "lead": suggestion.lead,
        "agencies": suggestion.agencies,
        "can_suggest": suggestion.can_suggest,
        "low_confidence": suggestion.low_confidence,
        "model_version": suggestion.model_version,
        "chosen_categories": suggestion.chosen_categories,
        "chosen_urgency": suggestion.chosen_urgency,
        "decision": suggestion.decision,
        "training_opt_in": suggestion.training_opt_in,
        "updated_at": suggestion.updated_at,
    }
