"""Reading intakes, scoped by the access policy, with their related rows loaded up front."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from tsunagiai.accounts import access
from tsunagiai.intake.models import Intake, IntakeDraft
from tsunagiai.reference import selectors as reference_selectors
from tsunagiai.reference.models import Organisation, TownBlock

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

BRANCH_OFFICE_AGENCY_TYPE = "branch_office"
FIRE_DEPARTMENT_AGENCY_TYPE = "fire_department"


def _with_related(queryset: QuerySet[Intake]) -> QuerySet[Intake]:
    """Join only the two large tables; the small ones come in one ``IN`` query each.

    An eight-table join took PostgreSQL 40–550 ms to *plan* (it executes in about 2 ms): the planner weighs
    every join order of every left join. Five extra primary-key lookups of a page's worth of ids cost about
    0.5 ms each (docs/performance.md, "Planning the intake list").
    """
    return queryset.select_related("person", "household").prefetch_related(
        "receiving_organisation", "received_by", "channel", "consulter_type", "urgency", "town_block", "categories"
    )


@dataclass(frozen=True)
class IntakeFilters:
    """What an intake list may be narrowed by (page and API alike)."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    receiving_organisation: Organisation | None = None
    channel: Any = None
    category: Any = None
    urgency: Any = None
    status: str = ""
    kind: str = ""


def _get_or_404[M: (Intake, IntakeDraft)](queryset: QuerySet[M], pk: Any) -> M:
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def intake_list(user: User, filters: IntakeFilters | None = None) -> QuerySet[Intake]:
    """The intakes the user may see, newest first, narrowed by ``filters``."""
    queryset = access.visible_intakes(user)
    f = filters or IntakeFilters()
    if f.date_from:
        queryset = queryset.filter(received_at__gte=_day_start(f.date_from))
    if f.date_to:
        queryset = queryset.filter(received_at__lt=_day_start(f.date_to + dt.timedelta(days=1)))
    if f.receiving_organisation is not None:
        queryset = queryset.filter(receiving_organisation=f.receiving_organisation)
    if f.channel is not None:
        queryset = queryset.filter(channel=f.channel)
    if f.category is not None:
        queryset = queryset.filter(categories=f.category)
    if f.urgency is not None:
        queryset = queryset.filter(urgency=f.urgency)
    if f.status:
        queryset = queryset.filter(status=f.status)
    if f.kind:
        queryset = queryset.filter(kind=f.kind)
    return _with_related(queryset).order_by("-received_at", "-id")


LIST_ROW_VALUES = (
    "id",
    "received_at",
    "kind",
    "status",
    "urgency_id",
    "urgency__label",
    "receiving_organisation__name",
    "channel__label",
    "person_id",
    "person__family_name",
    "person__given_name",
    "is_anonymous",
    "subject_description",
)


def list_rows(intakes: QuerySet[Intake]) -> list[dict[str, Any]]:
    """A page of ``intake_list`` as what the list page shows: values, not model rows.

    Per row: the values of ``LIST_ROW_VALUES`` (three inner joins and one left join, which plan quickly,
    unlike the eight-table join ``_with_related`` avoids), its address, its categories' labels in the
    categories' own order (one query for the page) and the display texts of its kind and status.
    """
    rows = list(intakes.select_related(None).prefetch_related(None).values(*LIST_ROW_VALUES))
    categories: dict[int, list[str]] = {row["id"]: [] for row in rows}
    if rows:
        through = Intake.categories.through.objects.filter(intake_id__in=list(categories))
        for intake_id, label in through.order_by("issuecategory__sort_order", "issuecategory__code").values_list(
            "intake_id", "issuecategory__label"
        ):
            categories[intake_id].append(label)
    kinds = dict(Intake.Kind.choices)
    statuses = dict(Intake.Status.choices)
    # The address of intake 0 has one "0" segment, the id's place (the route is intakes/<int:intake_id>/).
    url_head, _zero, url_tail = reverse("intake:detail", args=[0]).rpartition("/0/")
    for row in rows:
        row["url"] = f"{url_head}/{row['id']}/{url_tail}"
        row["categories"] = categories[row["id"]]
        row["is_emergency"] = row["urgency_id"] == "emergency"  # as Intake.is_emergency
        row["kind_display"] = str(kinds.get(row["kind"], row["kind"]))
        row["status_display"] = str(statuses.get(row["status"], row["status"]))
        row["person_name"] = f"{row['person__family_name'] or ''} {row['person__given_name'] or ''}".strip()
    return rows


def intake_detail(user: User, intake_id: Any, *, for_edit: bool = False) -> Intake:
    """One intake with its related rows, or 404 for missing and not-yours alike."""
    queryset = access.editable_intakes(user) if for_edit else access.visible_intakes(user)
    return _get_or_404(_with_related(queryset), intake_id)


def my_reports(user: User) -> QuerySet[Intake]:
    """A volunteer's own reports, for their status only."""
    return access.reported_intakes(user).order_by("-received_at", "-id")


def drafts_of(user: User, kind: str) -> QuerySet[IntakeDraft]:
    return IntakeDraft.objects.filter(user=user, kind=kind).order_by("-updated_at")


def draft_of(user: User, draft_id: Any) -> IntakeDraft:
    """A draft of this user, or 404: drafts belong to their user only."""
    return _get_or_404(IntakeDraft.objects.filter(user=user), draft_id)


def coordination_organisations() -> list[Organisation]:
    """The coordination section(s) (福祉総合相談課), which receive emergency alerts."""
    return list(reference_selectors.coordination_organisations().order_by("code"))


def branch_office_covering(town_block: TownBlock | None) -> Organisation | None:
    """The branch office (支所) whose area holds the town block, if any."""
    if town_block is None:
        return None
    return reference_selectors.organisations_covering(town_block, agency_type=BRANCH_OFFICE_AGENCY_TYPE).first()


def fire_department_of(user: User) -> Organisation | None:
    """The fire department the user works for, which sends 消福連携 reports."""
    for organisation in access.staff_organisations(user):
        if organisation.agency_type_id == FIRE_DEPARTMENT_AGENCY_TYPE:
            return organisation
    return None


def town_blocks() -> QuerySet[TownBlock]:
    return TownBlock.objects.filter(active=True).order_by("code")


def own_district_town_block_ids(user: User) -> set[int]:
    """The active town blocks in an area covered by any organisation the user belongs to (a 民生委員's district).

    A block lies in an area when any of its six areas (association, elementary,
    junior-high, branch, fire-station, disability) is covered, as in
    ``reference.selectors.organisations_covering``. One query.
    """
    from django.db.models import Q

    from tsunagiai.accounts.models import Role

    organisation_ids = access.organisation_ids(user, frozenset(Role.values))
    if not organisation_ids:
        return set()
    covered = Organisation.covered_areas.through.objects.filter(organisation_id__in=organisation_ids).values("area_id")
    in_district = (
        Q(neighbourhood_association__in=covered)
        | Q(elementary_district__in=covered)
        | Q(junior_high_district__in=covered)
        | Q(branch_area__in=covered)
        | Q(fire_station_area__in=covered)
        | Q(disability_block__in=covered)
    )
    return set(TownBlock.objects.filter(in_district, active=True).values_list("pk", flat=True))
