"""The intake column goes (items name their subject generically, 0006), and the kinds lose their central
choices: each app registers its own (tsunagiai.inbox.kinds), so a new kind needs no migration. Codes unchanged."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0006_intake_to_subject"),
    ]

    operations = [
        migrations.RemoveField(model_name="inboxitem", name="intake"),
        migrations.AlterField(
            model_name="inboxitem",
            name="kind",
            field=models.CharField(max_length=30, verbose_name="kind"),
        ),
    ]
