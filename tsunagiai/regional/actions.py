"""Writing regional data: unmet needs, regional issues and their status, meetings, network events.

Every write runs in a transaction and records an audit event. The sweep
``sweep_regional_clusters`` proposes a regional issue for each cluster of unmet
needs that reached the threshold, once per cluster, and tells the branch
office and the CSW that cover the district.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tsunagiai.audit.actions import diff_fields, record_audit_event, snapshot, stored_snapshot
from tsunagiai.cases.models import Case
from tsunagiai.core.concurrency import save_versioned
from tsunagiai.core.errors import ActionRefused
from tsunagiai.core.locks import sweep_lock
from tsunagiai.core.validation import check_date
from tsunagiai.inbox.actions import do_post_inbox_item, do_resolve_items_about
from tsunagiai.reference.models import Area, IssueCategory, Organisation
from tsunagiai.regional import inbox_kinds
from tsunagiai.regional.models import (
    ISSUE_TRANSITIONS,
    CommunityMeeting,
    IssueStatus,
    IssueStatusChange,
    NetworkEvent,
    RegionalIssue,
    UnmetNeed,
)
from tsunagiai.regional.selectors import (
    ancestors,
    clusters_over_threshold,
    default_area_of_case,
    organisations_covering,
)
from tsunagiai.resources.models import Service

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

# The inbox kind of a proposal (the inbox shows the title; the kind is a code).
INBOX_KIND = inbox_kinds.REGIONAL_ISSUE


# --- areas -------------------------------------------------------------------


def _refuse_implausible_date(field: str, value: dt.date, label: Any) -> None:
    """A date outside the plausible range (1900-01-01 … today, core.validation) is refused here too."""
    errors: dict[str, str] = {}
    check_date(errors, field, value, label=label)
    if errors:
        raise ActionRefused(errors[field], field=field)


# --- unmet needs ----------------------------------------------------------------


@transaction.atomic
def do_record_unmet_need(
    case: Case,
    *,
    acting_user: User,
    organisation: Organisation,
    category: IssueCategory,
    what_was_missing: str,
    noted_on: dt.date,
    area: Area | None = None,
) -> UnmetNeed:
    """Record in ``case`` a need no resource met (制度の狭間), in an elementary district."""
    area = area or default_area_of_case(case)
    if area is None:
        raise ActionRefused(
            _("Elementary district: the case's people have no address; choose the district."), field="area"
        )
    if area.level != Area.Level.ELEMENTARY_DISTRICT:
        raise ActionRefused(_("Elementary district: choose an elementary district."), field="area")
    _refuse_implausible_date("noted_on", noted_on, _("Date"))
    levels = ancestors(area)
    need = UnmetNeed.objects.create(
        case=case,
        category=category,
        area=area,
        junior_high_district=levels.get(Area.Level.JUNIOR_HIGH_DISTRICT),
        branch_area=levels.get(Area.Level.BRANCH_AREA),
        what_was_missing=what_was_missing,
        noted_on=noted_on,
        organisation=organisation,
        created_by=acting_user,
        updated_by=acting_user,
    )
    record_audit_event(
        "regional.unmet_need_recorded",
        acting_user=acting_user,
        obj=need,
        changes=diff_fields({}, snapshot(need, ["case", "category", "area", "noted_on", "what_was_missing"])),
    )
    return need


# --- regional issues -----------------------------------------------------------


@transaction.atomic
def do_create_regional_issue(
    *,
    acting_user: User | None,
    title: str,
    area: Area,
    categories: Iterable[IssueCategory],
    description: str = "",
    cluster_key: str = "",
    proposed_count: int | None = None,
) -> RegionalIssue:
    """A new regional issue in status ``identified`` (by staff, or proposed by the sweep)."""
    now = timezone.now()
    issue = RegionalIssue.objects.create(
        title=title[:200],
        area=area,
        description=description,
        status=IssueStatus.IDENTIFIED,
        status_changed_at=now,
        cluster_key=cluster_key,
        proposed_count=proposed_count,
        created_by=acting_user,
        updated_by=acting_user,
    )
    issue.categories.set(list(categories))
    IssueStatusChange.objects.create(
        issue=issue, from_status="", to_status=IssueStatus.IDENTIFIED, changed_at=now, changed_by=acting_user
    )
    record_audit_event(
        "regional.issue_created",
        acting_user=acting_user,
        obj=issue,
        changes=diff_fields({}, snapshot(issue, ["title", "area", "categories", "status", "cluster_key"])),
    )
    return issue


@transaction.atomic
def do_change_issue_status(
    issue: RegionalIssue, *, to: str, reason: str, acting_user: User, expected_version: int
) -> RegionalIssue:
    """Move an issue along the status machine; an illegal move or a stale version is refused."""
    if to not in ISSUE_TRANSITIONS.get(issue.status, ()):
        raise ActionRefused(_("New status: this change of status is not allowed."), field="to")
    before = issue.status
    if before == IssueStatus.RESOLVED and issue.cluster_key:
        _refuse_a_second_open_issue_of_the_cluster(issue)
    now = timezone.now()
    issue.status = to
    issue.status_changed_at = now
    try:
        with transaction.atomic():
            save_versioned(
                issue,
                expected_version=expected_version,
                fields=["status", "status_changed_at"],
                acting_user=acting_user,
            )
    except IntegrityError:
        # Another issue of the cluster was opened meanwhile (the unique constraint decided).
        issue.status = before
        _refuse_a_second_open_issue_of_the_cluster(issue)
        raise
    IssueStatusChange.objects.create(
        issue=issue, from_status=before, to_status=to, reason=reason, changed_at=now, changed_by=acting_user
    )
    if before == IssueStatus.IDENTIFIED:  # someone took the proposal up: the offices' items are answered
        do_resolve_items_about(issue, acting_user=acting_user, kind=INBOX_KIND)
    record_audit_event(
        "regional.issue_status_changed",
        acting_user=acting_user,
        obj=issue,
        changes=diff_fields({"status": before}, {"status": to}),
        note=reason,
    )
    return issue


def _refuse_a_second_open_issue_of_the_cluster(issue: RegionalIssue) -> None:
    """Reopening a proposed issue whose cluster has a newer open issue would make two: refuse it."""
    other = (
        RegionalIssue.objects.filter(cluster_key=issue.cluster_key)
        .exclude(status=IssueStatus.RESOLVED)
        .exclude(pk=issue.pk)
        .first()
    )
    if other is not None:
        raise ActionRefused(
            _("New status: regional issue #%(id)s is open for the same district and category; continue there.")
            % {"id": other.pk},
            field="to",
        )


@transaction.atomic
def do_set_issue_services(
    issue: RegionalIssue, *, services: Iterable[Service], acting_user: User, expected_version: int
) -> RegionalIssue:
    """Link the resources created in answer to the issue (replacing the previous list)."""
    before = stored_snapshot(issue, ["services"])
    save_versioned(issue, expected_version=expected_version, fields=[], acting_user=acting_user)
    issue.services.set(list(services))
    record_audit_event(
        "regional.issue_services_set",
        acting_user=acting_user,
        obj=issue,
        changes=diff_fields(before, snapshot(issue, ["services"])),
    )
    return issue


@transaction.atomic
def do_record_meeting(
    *,
    acting_user: User,
    kind: str,
    held_on: dt.date,
    title: str,
    participating_organisations: Iterable[Organisation],
    decisions: str = "",
    minutes: str = "",
    area: Area | None = None,
    issues: Iterable[RegionalIssue] = (),
) -> CommunityMeeting:
    """A community meeting (コミュニティ会議, 地域ケア会議, 協議体) and the issues it took up."""
    _refuse_implausible_date("held_on", held_on, _("Held on"))
    meeting = CommunityMeeting.objects.create(
        kind=kind,
        held_on=held_on,
        title=title,
        area=area,
        decisions=decisions,
        minutes=minutes,
        created_by=acting_user,
        updated_by=acting_user,
    )
    meeting.participating_organisations.set(list(participating_organisations))
    meeting.issues.set(list(issues))
    record_audit_event(
        "regional.meeting_recorded",
        acting_user=acting_user,
        obj=meeting,
        changes=diff_fields(
            {}, snapshot(meeting, ["kind", "held_on", "title", "area", "participating_organisations", "issues"])
        ),
    )
    return meeting


@transaction.atomic
def do_record_network_event(
    *,
    acting_user: User,
    kind: str,
    held_on: dt.date,
    title: str,
    participating_organisations: Iterable[Organisation],
    note: str = "",
) -> NetworkEvent:
    """A training or network event and the organisations that took part."""
    _refuse_implausible_date("held_on", held_on, _("Held on"))
    event = NetworkEvent.objects.create(
        kind=kind, held_on=held_on, title=title, note=note, created_by=acting_user, updated_by=acting_user
    )
    event.participating_organisations.set(list(participating_organisations))
    record_audit_event(
        "regional.network_event_recorded",
        acting_user=acting_user,
        obj=event,
        changes=diff_fields({}, snapshot(event, ["kind", "held_on", "title", "participating_organisations"])),
    )
    return event


# --- the sweep -------------------------------------------------------------------


def cluster_key(area_id: int, category_id: str) -> str:
    return f"{area_id}:{category_id}"


def proposal_title(area: Area, category: IssueCategory) -> str:
    return _("%(area)s: %(category)s (unmet needs)") % {"area": area.name, "category": category.label}


def sweep_regional_clusters(now: dt.datetime | None = None) -> int:
    """Propose a regional issue for every cluster at or over the threshold; return how many were proposed.

    Counted in the database (one GROUP BY over the window); a cluster with an
    open issue — proposed before, or made by staff for that district and
    category — gets no second one. Safe to run twice, even at once: the
    database allows one open issue per cluster key, and on PostgreSQL a second
    concurrent run finds the sweep's advisory lock taken and skips (returns 0).
    """
    today = timezone.localdate(now or timezone.now())
    proposed = 0
    with sweep_lock("regional_clusters") as acquired:
        if not acquired:
            return 0
        with translation.override(settings.LANGUAGE_CODE):
            for row in clusters_over_threshold(today):
                if _propose(row["area_id"], row["category_id"], row["count"]):
                    proposed += 1
    return proposed


@transaction.atomic
def _propose(area_id: int, category_id: str, count: int) -> bool:
    key = cluster_key(area_id, category_id)
    open_issues = RegionalIssue.objects.exclude(status=IssueStatus.RESOLVED)
    if open_issues.filter(cluster_key=key).exists():
        return False
    if open_issues.filter(area_id=area_id, categories=category_id).exists():
        return False
    area = Area.objects.get(pk=area_id)
    category = IssueCategory.objects.get(pk=category_id)
    try:
        with transaction.atomic():
            issue = do_create_regional_issue(
                acting_user=None,
                title=proposal_title(area, category),
                area=area,
                categories=[category],
                description=_(
                    "Proposed by the system: %(count)d unmet needs of this category in this district within the window."
                )
                % {"count": count},
                cluster_key=key,
                proposed_count=count,
            )
    except IntegrityError:
        return False  # another run proposed it first: one open issue per cluster (the database decides)
    url = reverse("regional:issue_detail", kwargs={"issue_id": issue.pk})
    for organisation in organisations_covering(area):
        do_post_inbox_item(
            organisation=organisation,
            kind=INBOX_KIND,
            title=_("A regional issue is proposed: %(title)s") % {"title": issue.title},
            subject=issue,
            url=url,
            dedupe_key=f"regional_issue:{issue.pk}:{organisation.pk}",
        )
    return True
