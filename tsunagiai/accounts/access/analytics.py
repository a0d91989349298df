"""Aggregates (C10): the dashboard, count exports and reports — counts only, suppressed.

The dashboard is for analysts, for those who oversee the work (supervisors,
coordinators, administrators: ``may_view_aggregates``) and for the staff of
the coordination section. Caseworkers and reception of the other
organisations, volunteers, group members and auditors are refused (403).
Drill-down links (to the intake list, which shows only what the user may see)
are offered to staff, never to analysts. Count exports, the monthly report and
the national items are for ``may_view_aggregates``; the exports page for them
and for staff (row exports, narrowed to what the user sees).
"""

from __future__ import annotations

from tsunagiai.accounts.access.roles import Visitor, is_coordination, is_staff_member, may_view_aggregates


def may_view_dashboard(user: Visitor) -> bool:
    return may_view_aggregates(user) or is_coordination(user)


def may_use_reports(user: Visitor) -> bool:
    """The exports page: staff (row exports, case PDFs) or those who may see aggregates."""
    return is_staff_member(user) or may_view_aggregates(user)
