"""POST /api/v1/triage: the suggestion for a text, in the evaluation format plus what the panel shows.

Same engine, same access policy as the intake form's panel: household
patterns only from a household the caller may see (404 otherwise), similar
intakes only from those the caller may see. Nothing is stored.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from tsunagiai.core.http import AuthenticatedRequest
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
    name: str
    level: str
    negated: bool
    facts: list[SituationFactOut]


class TriageOut(Schema):
    categories: list[str]
    urgency: str
    patterns: list[str]
    lead: str
    agencies: list[str]
    scores: dict[str, float]
    cues: list[CueOut]
    situations: list[SituationOut]
    emergency_probability: float | None
    possible_emergency: bool
    evidence: list[SpanOut]
    pattern_reasons: list[PatternOut]
    routing_reasons: list[str]
    can_suggest: bool
    low_confidence: bool
    message: str
    model_version: str
    organisations: list[OrganisationOut]
    similar: list[SimilarOut]


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
