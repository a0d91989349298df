"""Reads for emergency access: how long one lasts, and the page of the record it opens."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

DEFAULT_HOURS = 4


def emergency_hours() -> int:
    """How many hours an emergency access lasts (``EMERGENCY_ACCESS_HOURS``)."""
    return int(getattr(settings, "EMERGENCY_ACCESS_HOURS", DEFAULT_HOURS))


def record_url(target: models.Model) -> str:
    """The page of the person, household or case an emergency access opens."""
    label = target._meta.label_lower
    if label == "people.person":
        return reverse("people:person_detail", args=[target.pk])
    if label == "people.household":
        return reverse("people:household_detail", args=[target.pk])
    return reverse("cases:detail", args=[target.pk])
