"""The regional API under /api/v1/regional: regional issues and unmet-need counts (counts only, never a person).

Those who may not see regional data get an empty list (nothing is revealed).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ninja import Router, Schema

from tsunagiai.accounts import access
from tsunagiai.core.http import AuthenticatedRequest
from tsunagiai.reference.models import Area
from tsunagiai.regional import selectors

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User

router = Router(tags=["regional"])


class IssueOut(Schema):
    id: int
    title: str
    area_code: str
    categories: list[str]
    status: str
    version: int
    created_at: dt.datetime
    meetings: int
    resources: int


class CountOut(Schema):
    area_code: str
    area_name: str
    category: str
    count: int


def _user(request: AuthenticatedRequest) -> User:
    return getattr(request, "auth", None) or request.user


@router.get("/issues", response=list[IssueOut])
def list_regional_issues(request: AuthenticatedRequest, status: str = "") -> list[IssueOut]:
    user = _user(request)
    return [
        IssueOut(
            id=issue.pk,
            title=issue.title,
            area_code=issue.area.code,
            categories=[c.pk for c in issue.categories.all()],
            status=issue.status,
            version=issue.version,
            created_at=issue.created_at,
            meetings=issue.meeting_count,  # type: ignore[attr-defined]
            resources=issue.service_count,  # type: ignore[attr-defined]
        )
        for issue in selectors.issue_list(user, status=status)
    ]


@router.get("/unmet-needs/counts", response=list[CountOut])
def unmet_needs_by_area(request: AuthenticatedRequest, level: str = Area.Level.ELEMENTARY_DISTRICT) -> list[CountOut]:
    """Unmet needs per area (elementary_district, junior_high_district or branch_area) and category."""
    if not access.may_view_regional(_user(request)) or level not in selectors.LEVEL_FIELDS:
        return []
    return [
        CountOut(area_code=r.area.code, area_name=r.area.name, category=r.category.pk, count=r.count)
        for r in selectors.unmet_need_counts(level)
    ]
