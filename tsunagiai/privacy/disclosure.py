"""Everything held about one person, for a disclosure request (開示請求, 個人情報保護法 第76条).

``build_disclosure(person)`` gathers, section by section, every record that
names the person or the households they belong or belonged to: the person,
household memberships, related people, intakes, referrals, cases (of their
households, or with them in focus), assessments, support plans with their
actions, support records, conferences, consents, participations, help
requests, emergency accesses, use suspensions — and the audit events about
them (who saw or changed what, when, on what basis).

Each record is written field by field with its Japanese label and readable
value (choices as their labels, links as the linked record's name, dates in
ISO 8601). Sections that are about a household or a case carry a note: they
can hold information about other people, which the coordination section
reviews before anything is handed over (不開示情報, 第78条第1項第2号).
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tsunagiai.audit.models import AuditEvent
from tsunagiai.cases.models import Case
from tsunagiai.community.models import HelpRequest, Participation
from tsunagiai.consent.models import Consent
from tsunagiai.emergency.models import EmergencyAccess
from tsunagiai.intake.models import Intake
from tsunagiai.people.models import HouseholdMembership, Person, RelatedPerson
from tsunagiai.privacy.models import UseSuspension
from tsunagiai.referrals.models import Referral
from tsunagiai.support.models import Assessment, ConferenceCase, ConferenceDecision, PlanAction, SupportRecord

FORMAT_VERSION = 1
# Internal columns that say nothing about the person (search keys, hash chain, row versions).
HIDDEN_FIELDS = frozenset({"search_name", "search_kana", "version", "hash", "previous_hash", "ip_address"})


def _value(obj: models.Model, field: models.Field[Any, Any]) -> Any:
    if field.choices:
        return getattr(obj, f"get_{field.name}_display")() if getattr(obj, field.attname) not in (None, "") else None
    if field.is_relation:
        related = getattr(obj, field.name)
        return str(related) if related is not None else None
    value = getattr(obj, field.attname)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def record_of(obj: models.Model) -> dict[str, Any]:
    """One record: its kind, id and every field with its label and readable value."""
    fields = [
        {"name": field.name, "label": str(field.verbose_name), "value": _value(obj, field)}
        for field in obj._meta.concrete_fields
        if field.name not in HIDDEN_FIELDS and not field.primary_key
    ]
    for field in obj._meta.many_to_many:
        related = getattr(obj, field.name).all()
        fields.append({"name": field.name, "label": str(field.verbose_name), "value": [str(r) for r in related]})
    return {"kind": str(obj._meta.verbose_name), "id": obj.pk, "fields": fields}


def _section(key: str, label: str, objects: Iterable[models.Model], note: str = "") -> dict[str, Any]:
    return {"key": key, "label": label, "note": note, "records": [record_of(obj) for obj in objects]}


def build_disclosure(person: Person) -> dict[str, Any]:
    """The disclosure document of ``person`` (labels in Japanese, whatever the caller's language)."""
    with translation.override("ja"):
        return _build(person)


def _build(person: Person) -> dict[str, Any]:
    household_ids = list(
        HouseholdMembership.objects.filter(person=person).values_list("household_id", flat=True).distinct()
    )
    cases = list(
        Case.objects.filter(Q(household_id__in=household_ids) | Q(focus_members=person)).distinct().order_by("pk")
    )
    case_ids = [case.pk for case in cases]
    intakes = list(Intake.objects.filter(person=person).order_by("received_at", "pk"))
    intake_ids = [intake.pk for intake in intakes]
    shared = _(
        "About the household or the case: may hold information about other people. Review it before "
        "disclosure (non-disclosure information, art. 78(1)(ii))."
    )
    sections = [
        _section("person", _("the person"), [person]),
        _section(
            "household_memberships",
            pgettext("disclosure section", "household memberships"),
            HouseholdMembership.objects.filter(person=person).select_related("household").order_by("started_on"),
        ),
        _section(
            "related_people",
            _("related people"),
            RelatedPerson.objects.filter(Q(person=person) | Q(related_person=person)).order_by("pk"),
            _("Includes records where this person is named as someone else's related person."),
        ),
        _section("intakes", _("intakes (consultations)"), intakes),
        _section(
            "referrals",
            pgettext("disclosure section", "referrals"),
            Referral.objects.filter(Q(person=person) | Q(intake_id__in=intake_ids) | Q(case_id__in=case_ids))
            .distinct()
            .order_by("pk"),
            shared,
        ),
        _section("cases", _("cases"), cases, shared),
        _section(
            "assessments", _("assessments"), Assessment.objects.filter(person=person).order_by("case_id", "domain")
        ),
        _section(
            "plan_actions",
            _("support plan actions"),
            PlanAction.objects.filter(revision__plan__case_id__in=case_ids).order_by(
                "revision__plan__case_id", "revision__number", "pk"
            ),
            shared,
        ),
        _section(
            "support_records",
            _("support records"),
            SupportRecord.objects.filter(Q(case_id__in=case_ids) | Q(household_id__in=household_ids))
            .distinct()
            .order_by("occurred_at", "pk"),
            shared,
        ),
        _section(
            "conferences",
            _("conferences (agenda items and decisions)"),
            [
                *ConferenceCase.objects.filter(case_id__in=case_ids).select_related("conference").order_by("pk"),
                *ConferenceDecision.objects.filter(case_id__in=case_ids).order_by("pk"),
            ],
            shared,
        ),
        _section("consents", _("consents"), Consent.objects.filter(person=person).order_by("pk")),
        _section("participations", _("participations"), Participation.objects.filter(person=person).order_by("pk")),
        _section("help_requests", _("help requests"), HelpRequest.objects.filter(person=person).order_by("pk")),
        _section(
            "emergency_accesses",
            _("emergency accesses (break-the-glass)"),
            EmergencyAccess.objects.filter(person=person).order_by("pk"),
        ),
        _section("use_suspensions", _("use suspensions"), UseSuspension.objects.filter(person=person)),
        _section(
            "audit_events",
            _("access and change log"),
            AuditEvent.objects.filter(person_id=person.pk).select_related("actor", "organisation").order_by("sequence"),
            _("Who saw or changed the person's records, when, and on what basis."),
        ),
    ]
    return {
        "format": "tsunagiai.person_disclosure",
        "format_version": FORMAT_VERSION,
        "title": _("Personal information held about %(name)s") % {"name": person.full_name},
        "person_id": person.pk,
        "generated_at": timezone.localtime().isoformat(),
        "legal_basis": _("Act on the Protection of Personal Information, art. 76 (disclosure request)"),
        "review_note": _(
            "Prepared for the coordination section. Before anything is handed over, review each section for "
            "non-disclosure information (art. 78), above all information about other people."
        ),
        "sections": sections,
    }


def render_html(document: dict[str, Any]) -> str:
    """The document as a self-contained, printable HTML page (the same content as the JSON)."""
    with translation.override("ja"):
        return render_to_string("privacy/disclosure_document.html", {"document": document})
