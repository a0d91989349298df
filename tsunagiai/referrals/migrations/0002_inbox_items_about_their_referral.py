"""Referral items posted before they named their subject get the referral as their subject (issue 16, item 5).

Such an item said only "…からの紹介 #39": with the referral as its subject the
inbox shows the person (to whom may see them) and what is due when. The
referral is read from the item's dedupe key ("referral:<id>:…") or its link
("/referrals/<id>/"); an item whose referral no longer exists is left as it is.
Backwards nothing is undone: an item's subject is harmless to the older code.
"""

import re
from typing import Any

from django.db import migrations

KINDS = ("referral_received", "referral_updated", "referral_overdue", "referral_escalated")
# The referral page's address and the sweeps' keys when this migration was written.
FROM_URL = re.compile(r"^/referrals/(\d+)/")
FROM_KEY = re.compile(r"^referral:(\d+):")


def _referral_id(url: str, dedupe_key: str | None) -> int | None:
    found = FROM_KEY.match(dedupe_key or "") or FROM_URL.match(url or "")
    return int(found.group(1)) if found else None


def items_about_their_referral(apps: Any, schema_editor: Any) -> None:
    items = apps.get_model("inbox", "InboxItem").objects.filter(kind__in=KINDS, subject_type__isnull=True)
    wanted = {pk: _referral_id(url, key) for pk, url, key in items.values_list("pk", "url", "dedupe_key")}
    wanted = {pk: referral_id for pk, referral_id in wanted.items() if referral_id is not None}
    if not wanted:
        return
    existing = set(
        apps.get_model("referrals", "Referral").objects.filter(pk__in=set(wanted.values())).values_list("pk", flat=True)
    )
    referral_type = apps.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="referrals", model="referral"
    )[0]
    for pk, referral_id in wanted.items():
        if referral_id in existing:
            items.filter(pk=pk).update(subject_type=referral_type, subject_id=referral_id)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("inbox", "0007_remove_inboxitem_intake"),
        ("referrals", "0001_initial"),
    ]

    operations = [migrations.RunPython(items_about_their_referral, migrations.RunPython.noop, elidable=True)]
