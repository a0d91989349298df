"""Reads of referrals, always through the access policy, with their related rows loaded up front."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Prefetch, Q, QuerySet

from tsunagiai.accounts import access
from tsunagiai.reference.models import Organisation
from tsunagiai.referrals.models import ReasonCode, Referral, ReferralEvent, SharedSection, Status

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

INCOMING = "incoming"
OUTGOING = "outgoing"
# Final states in which the recipient reported back what happened (closed loop).
LOOP_CLOSED = (Status.COMPLETED, Status.FAILED)


def _with_parties(queryset: QuerySet[Referral]) -> QuerySet[Referral]:
    return queryset.select_related("from_organisation", "to_organisation", "sent_by", "person", "household", "case")


def referral_list(
    user: User, *, direction: str = "", status: str = "", organisation_id: int | None = None
) -> QuerySet[Referral]:
    """The referrals the user may see, newest first; ``direction`` is incoming/outgoing for the user's organisations."""
    queryset = access.visible_referrals(user)
    own = access.organisation_ids(user)
    if direction == INCOMING:
        queryset = queryset.filter(to_organisation_id__in=own)
    elif direction == OUTGOING:
        queryset = queryset.filter(from_organisation_id__in=own)
    if status:
        queryset = queryset.filter(status=status)
    if organisation_id is not None:
        queryset = queryset.filter(Q(to_organisation_id=organisation_id) | Q(from_organisation_id=organisation_id))
    return _with_parties(queryset).order_by("-sent_at", "-id")


def referral_detail(user: User, referral_id: Any) -> Referral:
    """One referral the user may see, with its timeline (404 otherwise)."""
    referral = access.access_referral(user, referral_id)
    events = ReferralEvent.objects.select_related("by", "organisation").order_by("at", "id")
    return (
        _with_parties(Referral.objects.filter(pk=referral.pk))
        .select_related("intake", "intake__urgency", "previous")
        .prefetch_related(Prefetch("events", queryset=events))
        .get()
    )


def shared_history(referral: Referral) -> list[Any]:
    """The earlier intakes the sender shared with the referral ("history" section).

    Only the sending organisation's own intakes about the person, received
    before the referral was sent, and only their date, window, categories and
    urgency: the sender chose to share them, so they are read here without the
    recipient's own access to the person's record.
    """
    from tsunagiai.intake.models import Intake

    if SharedSection.HISTORY not in referral.shared_sections or referral.person_id is None:
        return []
    earlier = Intake.objects.filter(
        person_id=referral.person_id,
        receiving_organisation_id=referral.from_organisation_id,
        received_at__lte=referral.sent_at,
    )
    if referral.intake_id is not None:
        earlier = earlier.exclude(pk=referral.intake_id)
    return list(
        earlier.select_related("receiving_organisation", "urgency")
        .prefetch_related("categories")
        .only("id", "received_at", "receiving_organisation__name", "urgency__label")
        .order_by("-received_at")[:20]
    )


def case_referrals(case: Any, user: User) -> QuerySet[Referral]:
    """The case's referrals that the user may see, including those sent from its intakes before it opened.

    With the two organisations only: the case page's panel shows their names (and the access policy's
    ``referrals_showing_shared_sections`` reads ``to_organisation``).
    """
    from tsunagiai.cases.models import Case

    intake_ids = Case.intakes.through.objects.filter(case_id=case.pk).values("intake_id")
    return (
        access.visible_referrals(user)
        .filter(Q(case_id=case.pk) | Q(intake_id__in=intake_ids))
        .select_related("from_organisation", "to_organisation")
        .only(
            *(f.name for f in Referral._meta.concrete_fields),
            "from_organisation__name",
            "to_organisation__name",
            "to_organisation__agency_type",  # the consent check
        )
        .order_by("-sent_at", "-id")
    )


@dataclass
class OrganisationMetrics:
    """One receiving organisation's figures over a set of referrals."""

    organisation_id: int
    organisation_name: str
    total: int
    accepted: int
    hours_to_accept: float | None
    hours_to_first_contact: float | None
    loop_closed: int
    declined: int
    declines_by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def closed_loop_rate(self) -> float:
        return self.loop_closed / self.total if self.total else 0.0

    @property
    def declines_by_reason_labels(self) -> list[tuple[str, int]]:
        labels = dict(ReasonCode.choices)
        return [(str(labels.get(code, code)), n) for code, n in sorted(self.declines_by_reason.items())]


def _hours(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return round(value.total_seconds() / 3600, 1)
    return round(float(value) / 3_600_000_000, 1)  # microseconds on some backends


def referral_metrics(queryset: QuerySet[Referral]) -> list[OrganisationMetrics]:
    """Per receiving organisation: time to acceptance and first contact, closed-loop rate, declines by reason.

    Two aggregate queries whatever the number of referrals.
    """
    base = queryset.order_by()
    rows = (
        base.values("to_organisation_id", "to_organisation__name")
        .annotate(
            total=Count("id"),
            accepted=Count("id", filter=Q(accepted_at__isnull=False)),
            to_accept=Avg(ExpressionWrapper(F("accepted_at") - F("sent_at"), output_field=DurationField())),
            to_contact=Avg(ExpressionWrapper(F("first_contact_at") - F("accepted_at"), output_field=DurationField())),
            loop_closed=Count("id", filter=Q(status__in=LOOP_CLOSED)),
            declined=Count("id", filter=Q(status=Status.DECLINED)),
        )
        .order_by("to_organisation__name")
    )
    declines: dict[int, dict[str, int]] = {}
    for row in (
        base.filter(status=Status.DECLINED)
        .values("to_organisation_id", "close_reason_code")
        .annotate(n=Count("id"))
        .order_by()
    ):
        declines.setdefault(row["to_organisation_id"], {})[row["close_reason_code"]] = row["n"]
    return [
        OrganisationMetrics(
            organisation_id=row["to_organisation_id"],
            organisation_name=row["to_organisation__name"],
            total=row["total"],
            accepted=row["accepted"],
            hours_to_accept=_hours(row["to_accept"]),
            hours_to_first_contact=_hours(row["to_contact"]),
            loop_closed=row["loop_closed"],
            declined=row["declined"],
            declines_by_reason=declines.get(row["to_organisation_id"], {}),
        )
        for row in rows
    ]


def intake_referrals(intake: Any, user: User) -> QuerySet[Referral]:
    """The intake's referrals that the user may see."""
    return _with_parties(access.visible_referrals(user).filter(intake_id=intake.pk)).order_by("-sent_at", "-id")


def referral_categories(referral: Referral) -> tuple[list[str], str | None]:
    """The issue categories and urgency behind a referral: its intake's, or its case's intakes'."""
    if referral.intake_id is not None:
        intake: Any = referral.intake
        return [c.code for c in intake.categories.all()], intake.urgency_id
    if referral.case_id is not None:
        from tsunagiai.reference.models import IssueCategory

        codes = IssueCategory.objects.filter(intake__cases=referral.case_id).values_list("code", flat=True).distinct()
        return list(codes), None
    return [], None


def referral_place(referral: Referral) -> Any:
    """Where the person lives (a town block), for the directory of organisations covering it."""
    for holder in (referral.person, referral.household, referral.intake):
        block = getattr(holder, "town_block", None) if holder is not None else None
        if block is not None:
            return block
    return None


def referral_alternatives(referral: Referral) -> list[Organisation]:
    """Organisations of the agency types the routing policy suggests, covering the person's area.

    The organisation that declined and the sender are left out (routing.md).
    """
    from tsunagiai.reference.routing import suggest
    from tsunagiai.reference.selectors import organisation_directory, organisations_covering

    categories, urgency = referral_categories(referral)
    agency_types = suggest(categories, urgency=urgency).agencies
    place = referral_place(referral)
    candidates = organisations_covering(place) if place is not None else organisation_directory()
    return list(
        candidates.filter(agency_type_id__in=agency_types).exclude(
            pk__in=[referral.to_organisation_id, referral.from_organisation_id]
        )
    )
