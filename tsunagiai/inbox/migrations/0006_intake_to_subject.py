"""Each item about an intake gets the intake as its generic subject (the inbox knows no domain app).

It keeps its link too: the inbox page used to link such an item to its intake
itself; now the link is stored with the item, as the posters' other links are.
Backwards, items about an intake get it back (items about anything else have no
intake).
"""

from typing import Any

from django.db import migrations, models
from django.db.models import F, Value
from django.db.models.functions import Cast, Concat

# The intake page's address when this migration was written (config/urls.py, intake/urls.py).
INTAKE_URL_PREFIX = "/intakes/"


def _intake_link(field: str) -> Concat:
    return Concat(Value(INTAKE_URL_PREFIX), Cast(field, models.CharField()), Value("/"))


def _intake_type(apps: Any) -> Any:
    content_types = apps.get_model("contenttypes", "ContentType")
    return content_types.objects.get_or_create(app_label="intake", model="intake")[0]


def intake_to_subject(apps: Any, schema_editor: Any) -> None:
    items = apps.get_model("inbox", "InboxItem").objects.filter(intake__isnull=False)
    if not items.exists():
        return
    items.filter(url="").update(url=_intake_link("intake_id"))
    items.update(subject_type=_intake_type(apps), subject_id=F("intake_id"))


def subject_to_intake(apps: Any, schema_editor: Any) -> None:
    content_types = apps.get_model("contenttypes", "ContentType")
    intake_type = content_types.objects.filter(app_label="intake", model="intake").first()
    if intake_type is None:
        return
    items = apps.get_model("inbox", "InboxItem").objects.filter(subject_type=intake_type)
    items.update(intake_id=F("subject_id"))
    items.filter(url=_intake_link("subject_id")).update(url="")  # the page links an intake's item itself again


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("inbox", "0005_inboxitem_subject"),
    ]

    operations = [migrations.RunPython(intake_to_subject, subject_to_intake, elidable=False)]
