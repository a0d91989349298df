"""{% intake_triage intake %}: on an intake's page, what triage suggested beside what staff chose."""

from __future__ import annotations

from typing import Any

from django import template

from tsunagiai.triage.selectors import labels, situation_rows, stored_suggestion, sureness, urgency_label

register = template.Library()


@register.inclusion_tag("triage/_record.html")
def intake_triage(intake: Any) -> dict[str, Any]:
    suggestion = stored_suggestion(intake)
    if suggestion is None:
        return {"suggestion": None}
    names = labels()
    return {
        "suggestion": suggestion,
        "suggested_categories": [names.categories.get(c, c) for c in suggestion.suggested_categories],
        "chosen_categories": [names.categories.get(c, c) for c in suggestion.chosen_categories],
        # As the live panel showed it: 「緊急の可能性 — 確認してください」, how sure, and the situations that held.
        "suggested_urgency": urgency_label(
            names, suggestion.suggested_urgency, possible_emergency=suggestion.possible_emergency
        ),
        "sureness": sureness(suggestion.emergency_probability, suggestion.suggested_urgency),
        "situations": situation_rows(suggestion.situations, names),
        "chosen_urgency": names.urgency.get(suggestion.chosen_urgency, suggestion.chosen_urgency),
        "lead": names.agencies.get(suggestion.lead, suggestion.lead),
        "cues": [c for c in suggestion.cues if not c.get("negated")],
    }
