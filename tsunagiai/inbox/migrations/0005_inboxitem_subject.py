"""An inbox item is about any model (a generic subject), not only an intake: the new columns.

0006 copies each item's intake into them, 0007 drops the intake column (three
migrations, so that PostgreSQL commits the copied rows, whose keys it checks at
commit, before the table is altered again).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("inbox", "0004_alter_inboxitem_kind"),
    ]

    operations = [
        migrations.AddField(
            model_name="inboxitem",
            name="subject_type",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="contenttypes.contenttype",
                verbose_name="subject type",
            ),
        ),
        migrations.AddField(
            model_name="inboxitem",
            name="subject_id",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="subject"),
        ),
        migrations.AddIndex(
            model_name="inboxitem",
            index=models.Index(fields=["subject_type", "subject_id"], name="inbox_item_subject"),
        ),
    ]
