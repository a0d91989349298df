"""{% intake_triage intake %}: on an intake's page, what triage suggested beside what staff chose."""

from __future__ import annotations

from typing import Any

from django import template

from tsunagiai.triage.models import TriageSuggestion
from tsunagiai.triage.selectors import labels

register = template.Library()


@register.inclusion_tag("triage/_record.html")
def intake_triage(intake: Any) -> dict[str, Any]:
    suggestion = TriageSuggestion.objects.filter(intake=intake).first()
    if suggestion is None:
        return {"suggestion": None}
    names = labels()
    return {
        "suggestion": suggestion,
        "suggested_categories": [names.categories.get(c, c) for c in suggestion.suggested_categories],
        "chosen_categories": [names.categories.get(c, c) for c in suggestion.chosen_categories],
        "suggested_urgency": names.urgency.get(suggestion.suggested_urgency, suggestion.suggested_urgency),
        "chosen_urgency": names.urgency.get(suggestion.chosen_urgency, suggestion.chosen_urgency),
        "lead": names.agencies.get(suggestion.lead, suggestion.lead),
        "cues": [c for c in suggestion.cues if not c.get("negated")],
    }
