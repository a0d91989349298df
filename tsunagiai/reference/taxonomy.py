"""The shared vocabulary: which taxonomy.yaml list fills which model."""

from __future__ import annotations

from tsunagiai.reference.models import (
    AgencyType,
    ConsulterType,
    HouseholdPattern,
    IntakeChannel,
    IssueCategory,
    ResourceServiceType,
    TargetGroup,
    Term,
    UrgencyLevel,
)

# taxonomy.yaml key → (model, the key whose text becomes ``description``)
VOCABULARIES: dict[str, tuple[type[Term], str | None]] = {
    "issue_categories": (IssueCategory, "hint"),
    "household_patterns": (HouseholdPattern, "rule"),
    "urgency_levels": (UrgencyLevel, "rule"),
    "agency_types": (AgencyType, "role"),
    "consulter_types": (ConsulterType, None),
    "intake_channels": (IntakeChannel, None),
    "resource_service_types": (ResourceServiceType, "hint"),
    "target_groups": (TargetGroup, None),
}

EMERGENCY = "emergency"
