"""Reads for privacy requests: a person's use suspension in force."""

from __future__ import annotations

from tsunagiai.people.models import Person
from tsunagiai.privacy.models import UseSuspension


def open_suspension(person: Person) -> UseSuspension | None:
    """The person's use suspension not yet lifted, if any."""
    return UseSuspension.objects.filter(person=person, lifted_at__isnull=True).first()
