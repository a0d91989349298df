"""Who may reach a route is its declared rule (tsunagiai.accounts.access.rules), not a check in the view.

A view or API operation that refused a role itself (``if not access.may_…(user): raise
PermissionDenied``) would hide the rule from the authorization matrix and the OpenAPI document.
The refusals that remain are listed here, each with why it is not a rule: it depends on the
record or the input at hand (then the check is a named helper of ``access`` where it can be), or
on an organisation to act for. A new ``raise PermissionDenied`` or ``HttpError(403, …)`` in a
``views.py`` or ``api.py`` fails this test: declare a rule instead (or, for an object check, add
it here with the reason).
"""

from __future__ import annotations

import re
from pathlib import Path

APPS = Path(__file__).resolve().parent.parent / "tsunagiai"
REFUSAL = re.compile(r"raise PermissionDenied\b|HttpError\(\s*403\b")

# file (relative to tsunagiai/) -> (at most this many refusals, why they are not rules)
ALLOWED: dict[str, tuple[int, str]] = {
    "accounts/views.py": (1, "security_unlock: auditors see the sign-in records but only administrators unlock"),
    "cases/api.py": (1, "open_case: staff who edit records (the EDITOR rule, with this operation's own message)"),
    "community/views.py": (1, "no staff organisation to act for (defensive: the STAFF rule admits only staff)"),
    "community/api.py": (
        2,
        "propose_participation: no organisation to act for; _actionable: access.actionable_help_request "
        "(this request: the group's members and the coordinating staff) as the API's 403",
    ),
    "consent/views.py": (1, "no staff organisation to record the consent for (defensive)"),
    "intake/views.py": (
        4,
        "drafts (one MEMBER route for every form): the form's kind decides (_check_draft_kind); the fire "
        "report: a fire department's staff (selectors.fire_department_of, below accounts in the layers)",
    ),
    "people/api.py": (1, "create_household: staff who edit records (the EDITOR rule, with its own message)"),
    "referrals/views.py": (2, "sending needs an organisation in which the user edits records, after the record"),
    "referrals/api.py": (1, "create_referral: the same, with this operation's own message"),
    "regional/views.py": (1, "no staff organisation to record the unmet need for (defensive)"),
    "support/views.py": (2, "no (editing) staff organisation to write the record or convene the conference for"),
}


def _refusals() -> dict[str, int]:
    found: dict[str, int] = {}
    for path in sorted(APPS.glob("*/views.py")) + sorted(APPS.glob("*/api.py")):
        count = len(REFUSAL.findall(path.read_text(encoding="utf-8")))
        if count:
            found[str(path.relative_to(APPS))] = count
    return found


def test_views_do_not_refuse_roles_themselves() -> None:
    excess = {
        name: f"{count} refusals, {ALLOWED.get(name, (0, ''))[0]} allowed"
        for name, count in _refusals().items()
        if count > ALLOWED.get(name, (0, ""))[0]
    }
    assert excess == {}, (
        "a view or API operation refuses with 403 itself: declare the route's rule in "
        "tsunagiai/accounts/access/rules.py (or name the object check in access and list it here)"
    )


def test_the_named_rules_replaced_the_checks_in_these_views() -> None:
    """The views whose role checks became rules (regional, resources, analytics, reports, ...) hold none."""
    found = _refusals()
    for name in (
        "analytics/views.py",
        "resources/views.py",
        "reports/views.py",
        "triage/views.py",
        "inbox/views.py",
        "people/views.py",
        "intake/api.py",
    ):
        assert name not in found, name
    assert found.get("regional/views.py", 0) <= 1
