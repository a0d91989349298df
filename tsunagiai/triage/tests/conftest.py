"""Fixtures of the triage tests: the fields of one evaluation record (the engine's and the commands' output)."""

from __future__ import annotations

import pytest


@pytest.fixture
def evaluation_record_fields() -> set[str]:
    """The keys of ``TriageResult.to_evaluation_record`` and of each line ``manage.py triage`` writes.

    Spelled out here, not read from the engine, so that a field added or lost there fails the tests.
    """
    return {
        "id",
        "categories",
        "urgency",
        "patterns",
        "lead",
        "agencies",
        "scores",
        "cues",
        "situations",
        "emergency_probability",
        "possible_emergency",
    }
