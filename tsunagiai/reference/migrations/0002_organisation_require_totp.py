from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reference", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="require_totp",
            field=models.BooleanField(
                default=False,
                help_text="Members confirm each sign-in with a code from an authenticator app (TOTP).",
                verbose_name="requires a second factor",
            ),
        ),
    ]
