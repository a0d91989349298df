"""Case items posted before they named their subject get the case as their subject (issue 16, item 5).

A lead request or an overstay warning then shows the person in the inbox (to
whom may see them), and resolves itself when the lead moves or the case closes.
The case is read from the item's link ("/cases/<id>/"); an item whose case no
longer exists is left as it is. Backwards nothing is undone (a subject is
harmless to the older code).
"""

import re
from typing import Any

from django.db import migrations

KINDS = ("lead_request", "coordination_overstay")
# The case page's address when this migration was written.
FROM_URL = re.compile(r"^/cases/(\d+)/")


def items_about_their_case(apps: Any, schema_editor: Any) -> None:
    items = apps.get_model("inbox", "InboxItem").objects.filter(kind__in=KINDS, subject_type__isnull=True)
    wanted = {}
    for pk, url in items.values_list("pk", "url"):
        found = FROM_URL.match(url or "")
        if found:
            wanted[pk] = int(found.group(1))
    if not wanted:
        return
    existing = set(
        apps.get_model("cases", "Case").objects.filter(pk__in=set(wanted.values())).values_list("pk", flat=True)
    )
    case_type = apps.get_model("contenttypes", "ContentType").objects.get_or_create(app_label="cases", model="case")[0]
    for pk, case_id in wanted.items():
        if case_id in existing:
            items.filter(pk=pk).update(subject_type=case_type, subject_id=case_id)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("inbox", "0007_remove_inboxitem_intake"),
        ("cases", "0002_team_member_basis"),
    ]

    operations = [migrations.RunPython(items_about_their_case, migrations.RunPython.noop, elidable=True)]
