"""Support reminders posted before they named their subject get it (issue 16, item 5).

From each item's dedupe key, as the sweeps wrote it: an overdue action
("support:action:<case>:<key>:<due date>:…") is about the action of that case,
number and due date (the latest revision's, where several revisions carry it);
a review due ("support:review:<case>:<revision>:…") about that revision of the
case's plan; no contact ("support:no_contact:<case>:…") about the case. The
inbox then shows the person and the due date, and the item resolves itself when
its work is done. An item whose subject no longer exists is left as it is.
Backwards nothing is undone (a subject is harmless to the older code).
"""

import datetime as dt
import re
from typing import Any

from django.db import migrations

ACTION = re.compile(r"^support:action:(\d+):(\d+):(\d{4}-\d{2}-\d{2}):")
REVIEW = re.compile(r"^support:review:(\d+):(\d+):")
NO_CONTACT = re.compile(r"^support:no_contact:(\d+):")


def _subject(apps: Any, kind: str, key: str) -> tuple[str, Any] | None:
    if kind == "action_overdue" and (found := ACTION.match(key)):
        action = (
            apps.get_model("support", "PlanAction")
            .objects.filter(
                revision__plan__case_id=int(found.group(1)),
                key=int(found.group(2)),
                due_on=dt.date.fromisoformat(found.group(3)),
            )
            .order_by("-revision__number")
            .first()
        )
        return ("support", "planaction", action.pk) if action else None
    if kind == "plan_review_due" and (found := REVIEW.match(key)):
        revision = (
            apps.get_model("support", "PlanRevision")
            .objects.filter(plan__case_id=int(found.group(1)), number=int(found.group(2)))
            .first()
        )
        return ("support", "planrevision", revision.pk) if revision else None
    if kind == "no_contact" and (found := NO_CONTACT.match(key)):
        case = apps.get_model("cases", "Case").objects.filter(pk=int(found.group(1))).first()
        return ("cases", "case", case.pk) if case else None
    return None


def items_about_their_subject(apps: Any, schema_editor: Any) -> None:
    items = apps.get_model("inbox", "InboxItem").objects.filter(
        kind__in=("action_overdue", "plan_review_due", "no_contact"), subject_type__isnull=True
    )
    content_types = apps.get_model("contenttypes", "ContentType").objects
    for pk, kind, key in items.values_list("pk", "kind", "dedupe_key").iterator():
        subject = _subject(apps, kind, key or "")
        if subject is not None:
            app_label, model, subject_id = subject
            subject_type = content_types.get_or_create(app_label=app_label, model=model)[0]
            items.filter(pk=pk).update(subject_type=subject_type, subject_id=subject_id)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("inbox", "0007_remove_inboxitem_intake"),
        ("cases", "0002_team_member_basis"),
        ("support", "0002_support_record_corrections"),
    ]

    operations = [migrations.RunPython(items_about_their_subject, migrations.RunPython.noop, elidable=True)]
